"""Tests of the example worker, using the plugin's fixture as any user would."""

from __future__ import annotations

from typing import Any

from pytest_telnyx_missions import FakeMissions

from .agent_worker import AgentWorker


def count_records(results: dict[str, Any]) -> dict[str, Any]:
    return {"records": 42}


def explode(results: dict[str, Any]) -> dict[str, Any]:
    raise RuntimeError("CRM unreachable")


def test_successful_job_reports_running_then_succeeded(telnyx_missions: FakeMissions) -> None:
    run = telnyx_missions.runs[0]

    outcome = AgentWorker().run(run.mission_id, run.run_id, [count_records])

    assert outcome.report_errors == []
    assert [u.status for u in telnyx_missions.run_updates(run.run_id)] == ["running", "succeeded"]
    stored = telnyx_missions.get_run(run.run_id)
    assert stored.status == "succeeded"
    assert stored.result_payload == {"records": 42}
    assert stored.finished_at is not None


def test_failing_step_reports_the_error(telnyx_missions: FakeMissions) -> None:
    run = telnyx_missions.add_run(status="pending")

    outcome = AgentWorker().run(run.mission_id, run.run_id, [count_records, explode])

    assert outcome.status == "failed"
    last = telnyx_missions.run_updates(run.run_id)[-1]
    assert last.fields == {"status": "failed", "error": "CRM unreachable"}
    assert telnyx_missions.get_run(run.run_id).error == "CRM unreachable"


def test_unknown_run_is_reported_not_raised(telnyx_missions: FakeMissions) -> None:
    mission_id = telnyx_missions.runs[0].mission_id
    missing = "00000000-0000-4000-8000-000000000000"

    outcome = AgentWorker().run(mission_id, missing, [count_records])

    assert outcome.status == "succeeded"
    assert [e.split(":")[0] for e in outcome.report_errors] == ["404", "404"]
