"""From the moment pytest is configured, the SDK's environment points at the session's fake."""

from __future__ import annotations

import os

import pytest

# Looks like a real key; never sent anywhere, never recorded, back in the environment at the end.
REAL_LOOKING_KEY = "KEY0190AB3C4D5E6F708192A3B4C5D6E7F8_aB1cD2eF3gH4iJ5kL6mN7oP8"

CONFTEST = """
import telnyx

CONFTEST_CLIENT = telnyx.Telnyx()  # made when pytest imports this file, before any fixture
"""

TESTS = """
import os

import pytest
import telnyx

from conftest import CONFTEST_CLIENT

MODULE_CLIENT = telnyx.Telnyx()  # made at import time, as workers often do


@pytest.fixture(scope="session")
def session_client():
    return telnyx.Telnyx()


def _get_first_run(client, fake):
    run = fake.runs[0]
    return client.ai.missions.runs.retrieve(run.run_id, mission_id=run.mission_id)


@pytest.mark.parametrize("made", ["conftest", "module", "session fixture"])
def test_clients_made_early_reach_the_fake(
    telnyx_missions, telnyx_missions_server, session_client, made
):
    client = {
        "conftest": CONFTEST_CLIENT, "module": MODULE_CLIENT, "session fixture": session_client
    }[made]

    assert _get_first_run(client, telnyx_missions).data.run_id == telnyx_missions.runs[0].run_id

    [entry] = telnyx_missions.requests
    assert entry.headers["authorization"] == f"Bearer {telnyx_missions.api_key}"
    # Made before any test: the session's address, tied to no test (README: Pointing...).
    assert str(client.base_url) == f"{telnyx_missions_server.base_url}/"


def test_the_environment_is_the_fakes_for_the_whole_session(telnyx_missions_server):
    assert os.environ["TELNYX_BASE_URL"] == telnyx_missions_server.base_url
    assert os.environ["TELNYX_API_KEY"] == telnyx_missions_server.api_key
"""


@pytest.fixture
def real_looking_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELNYX_API_KEY", REAL_LOOKING_KEY)
    monkeypatch.delenv("TELNYX_BASE_URL", raising=False)


@pytest.mark.usefixtures("real_looking_environment")
def test_clients_made_at_import_time_reach_the_fake_and_never_the_real_key(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_workers=TESTS)

    result = pytester.runpytest_subprocess("-v", "-p", "no:randomly", "-p", "no:cacheprovider")

    result.assert_outcomes(passed=4)
    assert REAL_LOOKING_KEY not in result.stdout.str() + result.stderr.str()


@pytest.mark.usefixtures("real_looking_environment")
def test_the_environment_is_given_back_when_the_session_ends(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import os

        def test_key(telnyx_missions):
            assert os.environ["TELNYX_API_KEY"] == telnyx_missions.api_key
        """
    )

    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")

    result.assert_outcomes(passed=1)
    assert os.environ["TELNYX_API_KEY"] == REAL_LOOKING_KEY
    assert "TELNYX_BASE_URL" not in os.environ
