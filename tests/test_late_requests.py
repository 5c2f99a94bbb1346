"""A request from a client of an earlier test never changes the current test's state."""

from __future__ import annotations

import httpx
import pytest

from pytest_telnyx_missions import FakeMissions

from .helpers import doc_blocks, expect_lines, run_inner

PREAMBLE = """
import threading

import telnyx

release_the_worker = threading.Event()
worker_done = threading.Event()
answers = []
"""


def test_a_thread_of_test_a_firing_during_test_b_changes_nothing_and_is_reported(
    pytester: pytest.Pytester,
) -> None:
    result = run_inner(
        pytester,
        PREAMBLE,
        """
        def test_a_starts_a_worker_it_never_waits_for(telnyx_missions):
            run = telnyx_missions.runs[0]
            client = telnyx.Telnyx(max_retries=0)  # made from this test's environment

            def worker():
                release_the_worker.wait(60)  # fires only once test B runs
                try:
                    client.ai.missions.runs.cancel_run(run.run_id, mission_id=run.mission_id)
                except telnyx.APIStatusError as exc:
                    answers.append((exc.status_code, exc.response.headers["x-should-retry"]))
                worker_done.set()

            threading.Thread(target=worker, daemon=True).start()

        def test_b_sees_its_own_state(telnyx_missions):
            run = telnyx_missions.runs[0]  # the same seeded run as test A's
            release_the_worker.set()
            assert worker_done.wait(60)

            assert answers == [(410, "false")]
            assert telnyx_missions.get_run(run.run_id).status == "running"  # not cancelled
            assert telnyx_missions.requests == []
        """,
    )

    result.assert_outcomes(passed=2, errors=1)
    [shown] = doc_blocks("Teardown checks", "console")  # the docs show this very message
    expect_lines(
        result,
        [
            "*ERROR at teardown of test_b_sees_its_own_state*",
            *(
                line.replace("<mission>", "*")
                .replace("<run>", "*")
                .replace("test_worker.py::test_a", "test_inner.py::test_a_*")
                for line in shown.splitlines()
            ),
        ],
    )


def test_the_refusal_says_why(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        "import os\n\nimport httpx\n\nEARLIER = []\n",
        """
        def test_a(telnyx_missions):
            EARLIER.append(os.environ["TELNYX_BASE_URL"])

        def test_b(telnyx_missions):
            run = telnyx_missions.runs[0]
            url = f"{EARLIER[0]}/ai/missions/{run.mission_id}/runs/{run.run_id}"
            answer = httpx.get(url, headers={"authorization": "Bearer k"})
            assert (answer.status_code, answer.headers["x-should-retry"]) == (410, "false")
            assert answer.json()["errors"][0]["detail"] == (
                "This request comes from a client made in test_inner.py::test_a, which has "
                "ended; the fake refused it so that it cannot change the state of the test "
                "running now. Stop the test's threads (or wait for them) before it ends."
            )
        """,
    )

    result.assert_outcomes(passed=2, errors=1)
    expect_lines(
        result,
        ["- GET /v2/ai/missions/*/runs/*: sent by a client of test_inner.py::test_a after *"],
    )


def test_requests_without_a_prefix_and_of_the_current_test_are_served() -> None:
    with FakeMissions() as fake:
        app = fake.wsgi_app()
        run = fake.runs[0]
        path = f"/ai/missions/{run.mission_id}/runs/{run.run_id}"
        auth = {"authorization": "Bearer k"}
        first = app.begin_test("test_one")
        second = app.begin_test("test_two")

        assert httpx.get(f"{fake.url}{second}/v2{path}", headers=auth).status_code == 200
        assert httpx.get(f"{fake.url}{second}{path}", headers=auth).status_code == 200
        assert httpx.get(f"{fake.base_url}{path}", headers=auth).status_code == 200
        assert httpx.get(f"{fake.url}{first}/v2{path}", headers=auth).status_code == 410
        # A prefix the fake never gave is an unknown route, as any typo.
        assert httpx.get(f"{fake.url}/_t/abc/v2{path}", headers=auth).status_code == 404
        assert [entry.path for entry in fake.requests] == [
            f"/v2{path}",
            path,
            f"/v2{path}",
            f"/_t/abc/v2{path}",
        ]
        assert app.late_requests() == [
            f"- GET /v2{path}: sent by a client of test_one after that test ended (answered "
            "410, nothing changed)"
        ]
