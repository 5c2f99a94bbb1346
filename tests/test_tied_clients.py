"""Every client made in a test belongs to it: the fixture's URLs carry the test's prefix, the
fixture's SDK clients are made from them and closed, and a request admitted for one test is
applied before the next test begins or not at all."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest

from pytest_telnyx_missions import FakeMissions

from .helpers import expect_lines, run_inner

PREAMBLE = """
import asyncio
import os
import threading

import httpx
import telnyx

release_the_worker = threading.Event()
worker_done = threading.Event()
answers = []
AUTH = {"authorization": "Bearer k"}
"""

LATE_HEADER = (
    "The Telnyx Missions fake refused requests from clients of earlier tests (threads still "
    "running after their test ended); they changed nothing here:"
)


def test_clients_made_from_the_fixtures_urls_are_refused_once_their_test_ended(
    pytester: pytest.Pytester,
) -> None:
    result = run_inner(
        pytester,
        PREAMBLE,
        """
        def test_a_makes_clients_from_its_urls(telnyx_missions, telnyx_missions_server):
            run = telnyx_missions.runs[0]
            cancel = f"/ai/missions/{run.mission_id}/runs/{run.run_id}/cancel"
            over_the_socket = httpx.Client(base_url=telnyx_missions.base_url)
            in_process = httpx.Client(
                transport=telnyx_missions.httpx_transport(), base_url=telnyx_missions.url
            )

            def worker():
                release_the_worker.wait(60)  # fires only once test B runs
                answers.append(over_the_socket.post(cancel, headers=AUTH).status_code)
                answers.append(in_process.post(f"/v2{cancel}", headers=AUTH).status_code)
                worker_done.set()

            threading.Thread(target=worker, daemon=True).start()
            assert telnyx_missions.url.startswith(telnyx_missions_server.url + "/_t/")
            assert "/_t/" not in telnyx_missions_server.url  # the session's address
            assert os.environ["TELNYX_BASE_URL"] == telnyx_missions.base_url

        def test_b_sees_its_own_state(telnyx_missions):
            run = telnyx_missions.runs[0]
            release_the_worker.set()
            assert worker_done.wait(60)

            assert answers == [410, 410]
            assert telnyx_missions.get_run(run.run_id).status == "running"  # not cancelled
            assert telnyx_missions.requests == []
        """,
    )

    result.assert_outcomes(passed=2, errors=1)
    expect_lines(
        result,
        [
            "*ERROR at teardown of test_b_sees_its_own_state*",
            LATE_HEADER,
            "- POST /v2/ai/missions/*/runs/*/cancel: sent by a client of "
            "test_inner.py::test_a_makes_clients_from_its_urls after that test ended "
            "(answered 410, nothing changed)",
            "- POST /v2/ai/missions/*/runs/*/cancel: sent by a client of "
            "test_inner.py::test_a_makes_clients_from_its_urls after *",
        ],
    )


def test_the_fixtures_sdk_clients_belong_to_their_test_and_are_closed(
    pytester: pytest.Pytester,
) -> None:
    result = run_inner(
        pytester,
        PREAMBLE,
        """
        KEPT = {}

        def test_a_leaves_a_worker_with_the_async_client(
            telnyx_missions, async_telnyx_client, telnyx_client
        ):
            assert str(async_telnyx_client.base_url) == telnyx_missions.base_url + "/"
            assert str(telnyx_client.base_url) == telnyx_missions.base_url + "/"
            KEPT["async"], KEPT["sync"] = async_telnyx_client, telnyx_client
            run = telnyx_missions.runs[0]
            client = async_telnyx_client.with_options(max_retries=0)

            def worker():
                release_the_worker.wait(60)  # fires only once test B runs
                try:
                    asyncio.run(
                        client.ai.missions.runs.cancel_run(run.run_id, mission_id=run.mission_id)
                    )
                except telnyx.APIError as error:
                    answers.append(type(error).__name__)
                else:
                    answers.append("applied")
                worker_done.set()

            threading.Thread(target=worker, daemon=True).start()

        def test_b_sees_its_own_state(telnyx_missions):
            assert KEPT["async"].is_closed() and KEPT["sync"].is_closed()
            run = telnyx_missions.runs[0]
            release_the_worker.set()
            assert worker_done.wait(60)

            assert answers == ["APIConnectionError"]  # the client was closed: nothing sent
            assert telnyx_missions.get_run(run.run_id).status == "running"  # not failed
            assert telnyx_missions.requests == []
        """,
    )

    result.assert_outcomes(passed=2)


def test_a_request_of_the_earlier_test_during_the_next_ones_reset_is_refused(
    pytester: pytest.Pytester,
) -> None:
    """The fixture begins the next test before resetting the fake: a request of the earlier
    test that comes during the reset is refused, never applied to the fresh state."""
    result = run_inner(
        pytester,
        PREAMBLE,
        """
        def test_a_arranges_a_request_during_the_next_reset(
            telnyx_missions, telnyx_missions_server
        ):
            run = telnyx_missions.runs[0]
            client = httpx.Client(base_url=telnyx_missions.base_url)
            cancel = f"/ai/missions/{run.mission_id}/runs/{run.run_id}/cancel"
            configure = telnyx_missions_server.configure

            def configure_then_a_late_request(**options):
                configure(**options)
                answers.append(client.post(cancel, headers=AUTH).status_code)

            telnyx_missions_server.configure = configure_then_a_late_request

        def test_b_sees_its_own_state(telnyx_missions):
            run = telnyx_missions.runs[0]
            assert answers == [410]
            assert telnyx_missions.get_run(run.run_id).status == "running"
        """,
    )

    result.assert_outcomes(passed=2, errors=1)
    expect_lines(result, [LATE_HEADER, "- POST /v2/ai/missions/*/cancel: sent by a client of *"])


def test_a_request_admitted_before_the_next_test_began_is_refused_not_applied(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with FakeMissions() as fake:
        dispatcher = fake.wsgi_app()
        first = dispatcher.begin_test("test_a")
        run = fake.runs[0]
        pipeline: Any = fake._app
        answer = pipeline.answer

        def next_test_begins_meanwhile(environ: Any) -> Any:
            # Admitted for test_a by dispatch; test_b begins (and resets) before it is applied.
            def switch() -> None:
                dispatcher.begin_test("test_b")
                fake.configure()

            switching = threading.Thread(target=switch)
            switching.start()
            switching.join()
            return answer(environ)

        monkeypatch.setattr(pipeline, "answer", next_test_begins_meanwhile)
        client = httpx.Client(transport=fake.httpx_transport(), base_url=f"{fake.url}{first}/v2")

        refused = client.post(
            f"/ai/missions/{run.mission_id}/runs/{run.run_id}/cancel",
            headers={"authorization": "Bearer k"},
        )

        assert (refused.status_code, refused.headers["x-should-retry"]) == (410, "false")
        assert fake.get_run(run.run_id).status == "running"
        assert fake.requests == []
        assert dispatcher.late_requests() == [
            f"- POST /v2/ai/missions/{run.mission_id}/runs/{run.run_id}/cancel: sent by a "
            "client of test_a after that test ended (answered 410, nothing changed)"
        ]


def test_a_redirect_keeps_the_tests_prefix() -> None:
    """Starlette's trailing-slash redirect names the URL as sent: a client following it stays
    tied to its test."""
    with FakeMissions() as fake:
        prefix = fake.wsgi_app().begin_test("test_a")
        base = f"{fake.url}{prefix}/v2"

        answer = httpx.get(f"{base}/ai/missions/?x=1", headers={"authorization": "Bearer k"})

        assert answer.status_code == 307
        assert answer.headers["location"] == f"{base}/ai/missions?x=1"
