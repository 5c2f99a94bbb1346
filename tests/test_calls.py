"""Calls of every operation and their helpers, run as users run them (pytester)."""

from __future__ import annotations

import re
from typing import get_args

import httpx
import pytest

from pytest_telnyx_missions import CallList, FakeMissions, OperationName
from pytest_telnyx_missions._pipeline.routes import OPERATIONS

from .helpers import docs_text, expect_lines, run_inner

PREAMBLE = '''
import httpx
import pytest
from dirty_equals import IsStr


def call(fake, method, path, **kwargs):
    """Send a request as any client would; returns the HTTP status the fake answered."""
    auth = {"Authorization": f"Bearer {fake.api_key}"}
    return httpx.request(method, fake.base_url + path, headers=auth, **kwargs).status_code


def run_path(run):
    return f"/ai/missions/{run.mission_id}/runs/{run.run_id}"
'''


def test_the_operation_names_are_the_route_tables() -> None:
    assert get_args(OperationName) == tuple(operation.name for operation in OPERATIONS)


def test_the_docs_count_the_operations_of_the_route_table() -> None:
    # The route table is the one source of the count; the docs' prose follows it.
    counts = re.findall(r"all (\d+) (?:operations|are served)", docs_text())
    assert len(counts) >= 2
    assert {int(count) for count in counts} == {len(OPERATIONS)}


@pytest.mark.telnyx_missions(check_unhandled=False)  # one request goes nowhere on purpose
def test_calls_are_typed_and_filtered_by_operation_and_path(telnyx_missions: FakeMissions) -> None:
    first, second = telnyx_missions.runs[:2]
    auth = {"Authorization": f"Bearer {telnyx_missions.api_key}"}
    base = telnyx_missions.base_url
    httpx.get(f"{base}/ai/missions/{first.mission_id}/runs/{first.run_id}", headers=auth)
    httpx.post(
        f"{base}/ai/missions/{second.mission_id}/runs/{second.run_id}/events",
        json={"type": "message", "summary": "hello"},
        headers=auth,
    )
    httpx.post(
        f"{base}/ai/missions/{second.mission_id}/runs/{second.run_id}/events",
        json={"type": "nope", "summary": "bad"},
        headers=auth,
    )
    httpx.get(f"{base}/ai/nowhere", headers=auth)  # no route: a request, not a call

    calls = telnyx_missions.calls()
    assert isinstance(calls, CallList)
    assert [c.operation for c in calls] == ["get_run", "log_event", "log_event"]
    assert len(telnyx_missions.requests) == 4
    logged = telnyx_missions.calls("log_event", run_id=second.run_id.upper())
    assert logged.called
    assert logged.call_count == 2
    assert logged[0].fields == {"type": "message", "summary": "hello"}
    assert (logged[0].status_code, logged[0].applied) == (201, True)
    assert (logged.last.status_code, logged.last.applied) == (422, False)
    assert (logged.last.run_id, logged.last.mission_id) == (second.run_id, second.mission_id)
    assert logged.last.duration > 0
    assert not telnyx_missions.calls("log_event", run_id=first.run_id).called
    with pytest.raises(IndexError):
        _ = telnyx_missions.calls("cancel_run").last
    with pytest.raises(
        ValueError, match=r"^unknown operation 'log_events'; did you mean 'log_event'\? "
    ):
        telnyx_missions.calls("log_events")  # type: ignore[arg-type]


def test_assert_called_passes(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        PREAMBLE,
        """
        def test_called(telnyx_missions):
            run, other = telnyx_missions.runs[:2]
            call(telnyx_missions, "POST", "/ai/missions", json={"name": "Collections"})
            call(telnyx_missions, "POST", run_path(run) + "/pause")
            call(telnyx_missions, "POST", run_path(other) + "/pause")
            [created] = telnyx_missions.assert_called("create_mission", name=IsStr)
            assert created.status_code == 201
            telnyx_missions.assert_called("pause_run", times=2)
            telnyx_missions.assert_called("pause_run", times=1, run_id=run.run_id.upper())
            telnyx_missions.assert_not_called("cancel_run")
            telnyx_missions.assert_not_called("create_mission", name="Other")
        """,
    )
    result.assert_outcomes(passed=1)


def test_assert_called_fails_with_the_nearest_miss(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        PREAMBLE,
        """
        def test_wrong_name(telnyx_missions):
            call(telnyx_missions, "POST", "/ai/missions", json={"name": "Collection"})
            call(telnyx_missions, "POST", "/ai/missions", json={"name": 3})
            telnyx_missions.assert_called("create_mission", name="Collections")

        def test_too_often(telnyx_missions):
            run = telnyx_missions.runs[0]
            call(telnyx_missions, "POST", run_path(run) + "/pause")
            call(telnyx_missions, "POST", run_path(run) + "/resume")
            call(telnyx_missions, "POST", run_path(run) + "/pause")
            telnyx_missions.assert_called("pause_run", times=1)

        def test_never(telnyx_missions):
            call(telnyx_missions, "GET", run_path(telnyx_missions.runs[0]))
            call(telnyx_missions, "GET", run_path(telnyx_missions.runs[0]))
            telnyx_missions.assert_called("cancel_run")

        def test_not_called(telnyx_missions):
            run = telnyx_missions.runs[0]
            call(telnyx_missions, "POST", run_path(run) + "/cancel")
            telnyx_missions.assert_not_called("cancel_run", run_id=run.run_id)
        """,
    )
    result.assert_outcomes(failed=4)
    expect_lines(
        result,
        [
            "*_ test_wrong_name _*",
            ">*telnyx_missions.assert_called(*",
            "E*AssertionError: assert_called: no applied call of create_mission matched the "
            "expected fields.",
            "E*Expected: name='Collections'",
            "E*Calls of create_mission (2 recorded), nearest miss first:",
            "E*  #1 applied (201): sent {'name': 'Collection'}",
            "E*      name: expected 'Collections', sent 'Collection'",
            "E*  #2 rejected (422): sent {'name': 3}",
            "E*      name: expected 'Collections', sent 3",
            "*_ test_too_often _*",
            "E*assert_called: 2 applied calls of pause_run (#1, #2) matched the expected fields; "
            "expected 1.",
            "E*Expected: (any fields)",
            "E*Calls of pause_run (2 recorded), nearest miss first:",
            "E*  #2 [run_id=*] applied (200): sent no body",
            "*_ test_never _*",
            "E*assert_called: no applied call of cancel_run matched the expected fields.",
            "E*cancel_run was never called (applied or rejected).",
            "E*Operations that were called: get_run (2)",
            "*_ test_not_called _*",
            "E*assert_not_called: expected no applied call of cancel_run matching run_id='*', "
            "but 1 call came:",
            "E*  #1 [run_id=*] applied (200): sent no body",
        ],
    )
    result.stdout.no_fnmatch_line("*_call_assertions.py*")


def test_assert_event_logged(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        PREAMBLE,
        """
        def test_logged(telnyx_missions):
            run = telnyx_missions.runs[0]
            event = {"type": "step_started", "summary": "Calling", "step_id": "step-1"}
            call(telnyx_missions, "POST", run_path(run) + "/events", json=event)
            logged = telnyx_missions.assert_event_logged(
                run.run_id, type="step_started", step_id="step-1"
            )
            assert logged.response["data"]["summary"] == "Calling"

        def test_wrong_type(telnyx_missions):
            run = telnyx_missions.runs[0]
            event = {"type": "step_started", "summary": "Calling", "step_id": "step-1"}
            call(telnyx_missions, "POST", run_path(run) + "/events", json=event)
            telnyx_missions.assert_event_logged(run.run_id, type="step_completed", step_id="step-1")

        def test_other_run(telnyx_missions):
            run, other = telnyx_missions.runs[:2]
            event = {"type": "message", "summary": "hi"}
            call(telnyx_missions, "POST", run_path(other) + "/events", json=event)
            telnyx_missions.assert_event_logged(run.run_id, type="message")
        """,
    )
    result.assert_outcomes(passed=1, failed=2)
    other = FakeMissions().runs[1]  # the same seed gives the same ids
    expect_lines(
        result,
        [
            "*_ test_wrong_type _*",
            "E*assert_event_logged: no applied log_event call of run * matched the expected "
            "fields.",
            "E*Expected: type='step_completed', step_id='step-1'",
            "E*log_event calls of run * (1 recorded), nearest miss first:",
            "E*  #1 applied (201): sent {'type': 'step_started', 'summary': 'Calling', *}",
            "E*      type: expected 'step_completed', sent 'step_started'",
            "E*      step_id: 'step-1' as expected",
            "E*      summary: not expected, sent 'Calling' (extra key)",
            "*_ test_other_run _*",
            "E*Run * got no log_event calls at all (applied or rejected).",
            "E*Runs that did get log_event calls:",
            f"E*  {other.run_id} (mission {other.mission_id}): 1 call, 1 applied, 0 rejected",
        ],
    )


def test_assert_plan_step_updated(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        PREAMBLE,
        """
        def test_updated(telnyx_missions):
            run = telnyx_missions.runs[0]
            call(telnyx_missions, "PATCH", run_path(run) + "/plan/steps/step-1",
                 json={"status": "completed"})
            telnyx_missions.assert_plan_step_updated(run.run_id, "step-1", status="completed")

        def test_wrong_step(telnyx_missions):
            run = telnyx_missions.runs[0]
            call(telnyx_missions, "PATCH", run_path(run) + "/plan/steps/step-2",
                 json={"status": "completed"})
            call(telnyx_missions, "PATCH", run_path(run) + "/plan/steps/step-1",
                 json={"status": "done"})
            telnyx_missions.assert_plan_step_updated(run.run_id, "step-1", status="completed")
        """,
    )
    result.assert_outcomes(passed=1, failed=1)
    expect_lines(
        result,
        [
            "E*assert_plan_step_updated: no applied update_plan_step call of run * matched the "
            "expected fields.",
            "E*Expected: step_id='step-1', status='completed'",
            "E*update_plan_step calls of run * (2 recorded), nearest miss first:",
            "E*  #1 applied (200): sent {'status': 'completed'}",
            "E*      step_id: expected 'step-1', in path 'step-2'",
            "E*      status: 'completed' as expected",
            "E*  #2 rejected (422): sent {'status': 'done'}",
            "E*      step_id: 'step-1' as expected",
            "E*      status: expected 'completed', sent 'done'",
        ],
    )


@pytest.mark.parametrize("action", ["pause", "resume", "cancel"])
def test_the_status_history_says_what_each_action_set(
    telnyx_missions: FakeMissions, action: str
) -> None:
    run = telnyx_missions.runs[0]
    url = f"{telnyx_missions.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}/{action}"
    httpx.post(url, headers={"Authorization": f"Bearer {telnyx_missions.api_key}"})
    [change] = telnyx_missions.status_history(run.run_id)
    assert change.operation == f"{action}_run"
    assert change.status == telnyx_missions.get_run(run.run_id).status
