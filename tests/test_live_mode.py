"""When a live run is on, and what a test may do in one: the flag, the key and the marker.

Every session here runs against a loopback stand-in (``live_standin``), never the network.
"""

from __future__ import annotations

import os
import textwrap
from dataclasses import replace
from typing import Any

import pytest

from .live_standin import CANARY_KEY, StandIn, run_live

KEY = "TELNYX_MISSIONS_LIVE_API_KEY"

_ONE_LIVE_TEST = """
    import os

    import pytest
    import telnyx


    @pytest.mark.telnyx_missions(live=True)
    def test_live(telnyx_missions):
        client = telnyx.Telnyx()
        client.ai.missions.list()


    def test_offline(telnyx_missions):
        assert telnyx_missions.runs
"""


def test_the_flag_without_the_key_is_a_usage_error_naming_the_variable(
    pytester: pytest.Pytester, upstream: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY, raising=False)
    monkeypatch.setenv("TELNYX_API_KEY", "KEY_a_real_looking_one")  # never read for it
    result = run_live(pytester, upstream, _ONE_LIVE_TEST)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*--telnyx-missions-live needs the live API key in the environment variable "
         "TELNYX_MISSIONS_LIVE_API_KEY (TELNYX_API_KEY is never used for it)*"]
    )  # fmt: skip
    assert upstream.count == 0


def test_the_key_without_the_flag_changes_nothing(
    pytester: pytest.Pytester, upstream: StandIn, live_key: str
) -> None:
    tests = """
        import pytest


        @pytest.mark.telnyx_missions(live=True)
        def test_portable(telnyx_missions):
            assert len(telnyx_missions.runs) == 3  # seeded, as in any test
            telnyx_missions.add_run()  # arranging is allowed outside a live run


        def test_other(telnyx_missions):
            assert telnyx_missions.runs
    """
    result = run_live(pytester, upstream, tests, flag=False)
    result.assert_outcomes(passed=2)
    assert upstream.count == 0
    assert "live run" not in result.stdout.str()


def test_the_flag_from_an_ini_file_is_refused(
    pytester: pytest.Pytester, upstream: StandIn, live_key: str
) -> None:
    pytester.makeini("[pytest]\naddopts = --telnyx-missions-live\n")
    result = run_live(pytester, upstream, _ONE_LIVE_TEST, flag=False)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*--telnyx-missions-live must be given on the command line itself, not through "
         "addopts in an ini file*"]
    )  # fmt: skip
    assert upstream.count == 0


def test_the_flag_from_pytest_addopts_is_refused(
    pytester: pytest.Pytester, upstream: StandIn, live_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:randomly --telnyx-missions-live")
    result = run_live(pytester, upstream, _ONE_LIVE_TEST, flag=False)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert upstream.count == 0


def test_plain_http_only_to_a_loopback_host(
    pytester: pytest.Pytester, live_key: str, upstream: StandIn
) -> None:
    pytester.makepyfile(test_inner=textwrap.dedent(_ONE_LIVE_TEST))
    result = pytester.runpytest_inprocess(
        "--telnyx-missions-live", "--telnyx-missions-live-url", "http://api.telnyx.com/v2"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*plain http:// to a host that is not loopback*"])


def test_only_marked_tests_take_part_and_the_key_leaves_the_environment(
    pytester: pytest.Pytester, upstream: StandIn, live_key: str
) -> None:
    tests = f"""
        import os

        import pytest
        import telnyx


        @pytest.mark.telnyx_missions(live=True)
        def test_live(telnyx_missions):
            assert {KEY!r} not in os.environ
            assert os.environ["TELNYX_API_KEY"] == telnyx_missions.api_key
            assert telnyx_missions.runs == []  # an empty fake
            telnyx.Telnyx().ai.missions.list()
            [listed] = telnyx_missions.calls("list_missions")
            assert listed.request.headers["authorization"] == f"Bearer {{telnyx_missions.api_key}}"


        def test_offline(telnyx_missions):
            raise AssertionError("a live run skips it")
    """
    result = run_live(pytester, upstream, tests, "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(
        ["*SKIPPED*a live run runs only tests marked @pytest.mark.telnyx_missions(live=True)*"]
    )
    assert os.environ[KEY] == CANARY_KEY  # given back when the session ended
    # the stand-in saw the live key, never the fake's
    assert {seen.authorization for seen in upstream.requests()} == {f"Bearer {CANARY_KEY}"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("telnyx_missions.add_run()", "telnyx_missions.add_run() arranges state*"),
        ("telnyx_missions.add_mission(name='x')", "telnyx_missions.add_mission() arranges state*"),
        ("telnyx_missions.fail_next('get_run', status=500)", "*fail_next() adds a fault rule*"),
        ("telnyx_missions.advance(timedelta(seconds=1))", "*advance() moves the fake's clock*"),
        ("telnyx_missions.load_state({})", "*load_state() loads a state document*"),
    ],
)
def test_arranging_faults_and_the_clock_raise_a_clear_error(
    pytester: pytest.Pytester, upstream: StandIn, live_key: str, body: str, expected: str
) -> None:
    tests = f"""
        from datetime import timedelta

        import pytest


        @pytest.mark.telnyx_missions(live=True)
        def test_live(telnyx_missions):
            {body}
    """
    result = run_live(pytester, upstream, tests)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"*LiveRunError: {expected}starts from an empty fake*"])


@pytest.mark.parametrize(
    "option", ["state={'missions': []}", "auto_create=True", "clock='2025-01-01T00:00:00Z'"]
)
def test_state_auto_create_and_clock_markers_fail_a_live_test(
    pytester: pytest.Pytester, upstream: StandIn, live_key: str, option: str
) -> None:
    tests = f"""
        import pytest


        @pytest.mark.telnyx_missions(live=True, {option})
        def test_live(telnyx_missions):
            pass
    """
    result = run_live(pytester, upstream, tests)
    result.assert_outcomes(errors=1)
    name = option.partition("=")[0]
    result.stdout.fnmatch_lines([f"*telnyx_missions({name}=...) cannot be used in a live run*"])


def test_the_test_gets_the_upstreams_answer_unchanged(
    pytester: pytest.Pytester, upstream: StandIn, live_key: str
) -> None:
    def upstream_only(sent: Any, answer: Any) -> Any:
        if sent.method == "GET" and isinstance(answer.body, dict):
            headers = {**answer.headers, "x-upstream-only": "yes"}
            return replace(answer, headers=headers, body={**answer.body, "real_only": [1, "two"]})
        return answer

    upstream.mutate = upstream_only
    tests = """
        import pytest


        @pytest.mark.telnyx_missions(live=True)
        def test_reads(telnyx_missions, http):
            made = http.post("ai/missions", json={"name": "as-is"}).json()["data"]
            got = http.get("ai/missions/" + made["mission_id"])
            assert got.headers["x-upstream-only"] == "yes"
            assert got.json()["real_only"] == [1, "two"]
            # the stand-in's clock (2030), not the fake's: the body is the upstream's
            assert got.json()["data"]["created_at"].startswith("2030-01-02T03:04")
            assert telnyx_missions.missions[0].created_at.year != 2030
    """
    result = run_live(pytester, upstream, tests)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*1 x poorer key_only_in_real get_mission $.real_only"])


def test_a_live_run_and_the_checking_proxy_read_the_same_options_with_the_same_defaults(
    pytester: pytest.Pytester,
) -> None:
    from pytest_telnyx_missions import cli
    from pytest_telnyx_missions.live._settings import SHARED_OPTIONS, LiveSettings

    pytest_mode = LiveSettings.read(pytester.parseconfig().option, "--telnyx-missions-live")
    proxy = LiveSettings.read(cli._parser().parse_args([]), "--live")
    assert replace(proxy, flags=pytest_mode.flags) == pytest_mode
    assert (pytest_mode.url, pytest_mode.directory.as_posix()) == (
        "https://api.telnyx.com/v2",
        ".telnyx-live",
    )
    assert (pytest_mode.tag, pytest_mode.max_requests, pytest_mode.rate) == ("ptm-", 500, 2.0)
    assert pytest_mode.record is None
    assert list(SHARED_OPTIONS) == ["url", "dir", "record", "tag", "max-requests", "rate"]
