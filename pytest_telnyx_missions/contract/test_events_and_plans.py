"""Events, plans and linked agents of a run."""

from __future__ import annotations

from typing import Any

import pytest

telnyx = pytest.importorskip("telnyx")

pytestmark = pytest.mark.telnyx_missions(live=True)


def test_events(client: Any, mission: Any, run: Any) -> None:
    events = client.ai.missions.runs.events
    logged = events.log(
        run.run_id,
        mission_id=mission.mission_id,
        type="tool_call",
        summary="Looked up CRM",
        payload={"tool": "crm"},
        idempotency_key="contract-1",
    ).data
    again = events.log(
        run.run_id,
        mission_id=mission.mission_id,
        type="tool_call",
        summary="retried",
        idempotency_key="contract-1",
    ).data
    assert again.event_id == logged.event_id  # idempotent
    events.log(run.run_id, mission_id=mission.mission_id, type="message", summary="Hello")
    got = events.get_event_details(
        logged.event_id, mission_id=mission.mission_id, run_id=run.run_id
    ).data
    assert got.event_id == logged.event_id
    listed = [e.summary for e in events.list(run.run_id, mission_id=mission.mission_id)]
    assert sorted(listed) == ["Hello", "Looked up CRM"]
    recent = [e.event_id for e in client.ai.missions.list_events(page_size=50)]
    assert logged.event_id in recent


def test_plan(client: Any, mission: Any, run: Any) -> None:
    plan = client.ai.missions.runs.plan
    steps = [
        {"step_id": "fetch", "description": "Fetch invoices", "sequence": 1},
        {"step_id": "call", "description": "Call customers", "sequence": 2},
    ]
    created = plan.create(run.run_id, steps=steps, mission_id=mission.mission_id).data
    assert [s.step_id for s in created] == ["fetch", "call"]
    plan.add_steps_to_plan(
        run.run_id,
        steps=[{"step_id": "report", "description": "Report", "sequence": 3}],
        mission_id=mission.mission_id,
    )
    started = plan.update_step(
        "fetch", run_id=run.run_id, status="in_progress", mission_id=mission.mission_id
    ).data
    assert started.status == "in_progress"
    done = plan.update_step(
        "fetch", run_id=run.run_id, status="completed", mission_id=mission.mission_id
    ).data
    assert done.status == "completed"
    step = plan.get_step_details("fetch", run_id=run.run_id, mission_id=mission.mission_id)
    assert step.data.step_id == "fetch"
    whole = plan.retrieve(run.run_id, mission_id=mission.mission_id).data
    assert [s.step_id for s in whole] == ["fetch", "call", "report"]


def test_telnyx_agents(client: Any, mission: Any, run: Any) -> None:
    agents = client.ai.missions.runs.telnyx_agents
    linked = agents.link(
        run.run_id, telnyx_agent_id="contract-agent", mission_id=mission.mission_id
    ).data
    assert linked.telnyx_agent_id == "contract-agent"
    listed = agents.list(run.run_id, mission_id=mission.mission_id).data
    assert [a.telnyx_agent_id for a in listed] == ["contract-agent"]
    agents.unlink("contract-agent", run_id=run.run_id, mission_id=mission.mission_id)
    assert agents.list(run.run_id, mission_id=mission.mission_id).data == []
