"""A failing test's report shows the fake's journal and each touched run's status timeline."""

from __future__ import annotations

import pytest

from pytest_telnyx_missions import FakeMissions

from .helpers import expect_lines, run_inner

PREAMBLE = """
import httpx
import pytest

from pytest_telnyx_missions import Fault


def send(fake, run, suffix="", method="PATCH", **fields):
    url = f"{fake.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}{suffix}"
    auth = {"Authorization": f"Bearer {fake.api_key}"}
    return httpx.request(method, url, json=fields or None, headers=auth).status_code
"""

SECTION = "*- telnyx_missions journal -*"


def test_a_failing_test_shows_the_journal_and_the_status_timeline(
    pytester: pytest.Pytester,
) -> None:
    result = run_inner(
        pytester,
        PREAMBLE,
        """
        def test_worker(telnyx_missions):
            run, other = telnyx_missions.runs[:2]
            telnyx_missions.add_fault("get_run", Fault(status=503))
            send(telnyx_missions, run, method="GET")
            send(telnyx_missions, run, "/pause", "POST")
            send(telnyx_missions, run, "/resume", "POST")
            send(telnyx_missions, run, status="done")
            send(telnyx_missions, run, status="succeeded")
            send(telnyx_missions, other, method="GET")
            assert telnyx_missions.get_run(run.run_id).status == "failed"

        def test_passes(telnyx_missions):
            send(telnyx_missions, telnyx_missions.runs[0], "/pause", "POST")
        """,
    )
    result.assert_outcomes(passed=1, failed=1)
    run, other = FakeMissions().runs[:2]  # the same seed gives the same ids
    short = f"/v2/ai/missions/{run.mission_id[:8]}…/runs/{run.run_id[:8]}…"
    expect_lines(
        result,
        [
            "*_ test_worker _*",
            SECTION,
            "6 requests to the fake during this test; times from the test's start:",
            "  *time  method  path * operation * status *took",
            f"  +*s  GET     {short} * get_run * 503 * ms  faulted: fault rule #1 on get_run*",
            f"  +*s  POST    {short}/pause * pause_run * 200 * ms",
            f"  +*s  POST    {short}/resume * resume_run * 200 * ms",
            f"  +*s  PATCH   {short} * update_run * 422 * ms  rejected",
            f"  +*s  PATCH   {short} * update_run * 200 * ms",
            "  +*s  GET * get_run * 200 * ms",
            "Status timeline of each run the test touched:",
            f"  {run.run_id}: running → paused (pause_run) → running (resume_run) "
            "→ succeeded (update_run)",
            f"  {other.run_id}: {other.status} (unchanged)",
            "*short test summary info*",
        ],
    )
    assert result.stdout.str().count("telnyx_missions journal") == 1  # not for the passing test


def test_a_teardown_error_shows_the_journal_too(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        PREAMBLE,
        """
        def test_typo(telnyx_missions):
            auth = {"Authorization": f"Bearer {telnyx_missions.api_key}"}
            httpx.get(telnyx_missions.base_url + "/ai/mission", headers=auth)
        """,
    )
    result.assert_outcomes(passed=1, errors=1)
    expect_lines(
        result,
        [
            "*ERROR at teardown of test_typo*",
            "The Telnyx Missions fake received requests it could not serve:",
            SECTION,
            "1 request to the fake during this test; times from the test's start:",
            "  +*s  GET     /v2/ai/mission  (no route) * 404 * ms  rejected",
        ],
    )


def test_a_long_journal_is_cut_with_a_count(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ntelnyx_missions_report_max_rows = 8\n")
    result = run_inner(
        pytester,
        PREAMBLE,
        """
        def test_many(telnyx_missions):
            run = telnyx_missions.runs[0]
            for n in range(30):
                send(telnyx_missions, run, metadata={"n": n})
            assert False
        """,
    )
    result.assert_outcomes(failed=1)
    expect_lines(
        result,
        [
            SECTION,
            "30 requests to the fake during this test; times from the test's start:",
            "  *time  method*",
            "  +*update_run*",
            "  +*update_run*",
            "  ... 22 requests left out ...",
            *["  +*update_run*"] * 6,
            "Status timeline of each run the test touched:",
            "  *: running (unchanged)",
        ],
    )


def test_an_ini_option_turns_the_report_off(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ntelnyx_missions_report = false\n")
    result = run_inner(
        pytester,
        PREAMBLE,
        """
        def test_fails(telnyx_missions):
            send(telnyx_missions, telnyx_missions.runs[0], "/pause", "POST")
            assert False
        """,
    )
    result.assert_outcomes(failed=1)
    result.stdout.no_fnmatch_line("*telnyx_missions journal*")
    result.stdout.no_fnmatch_line("*to the fake during this test*")
