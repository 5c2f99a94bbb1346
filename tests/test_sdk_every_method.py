"""Every Missions method of the official SDK, against the fake: none fails, each does its job."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import pytest
import telnyx
import yaml

from pytest_telnyx_missions import FakeMissions
from pytest_telnyx_missions._pipeline.routes import OPERATIONS

SPEC: dict[str, Any] = yaml.safe_load(
    files("pytest_telnyx_missions").joinpath("spec/missions.openapi.yaml").read_text("utf-8")
)


@pytest.fixture
def client(telnyx_missions: FakeMissions) -> telnyx.Telnyx:
    return telnyx.Telnyx(max_retries=0)


def test_route_table_covers_the_spec() -> None:
    spec = {
        (method.upper(), path)
        for path, item in SPEC["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    ours = {(op.method, op.path) for op in OPERATIONS}
    assert ours == spec
    assert len(ours) == len(OPERATIONS)  # one row per operation, none twice


def test_missions(telnyx_missions: FakeMissions, client: telnyx.Telnyx) -> None:
    missions = client.ai.missions
    created = missions.create(name="Collections", description="Chase invoices", model="m1").data
    assert created.execution_mode == "external"
    assert missions.retrieve(created.mission_id).data == created

    changed = missions.update_mission(created.mission_id, instructions="Be polite").data
    assert (changed.name, changed.instructions) == ("Collections", "Be polite")
    assert changed.updated_at > created.updated_at

    clone = missions.clone_mission(created.mission_id)
    assert isinstance(clone, dict)
    assert clone["data"]["name"] == "Collections"
    assert clone["data"]["mission_id"] != created.mission_id

    names = [m.name for m in missions.list()]
    assert names.count("Collections") == 2
    assert len(names) == len(telnyx_missions.missions)

    missions.delete_mission(created.mission_id)
    with pytest.raises(telnyx.NotFoundError):
        missions.retrieve(created.mission_id)


def test_list_pages_through_everything(
    telnyx_missions: FakeMissions, client: telnyx.Telnyx
) -> None:
    for n in range(45):
        client.ai.missions.create(name=f"m{n}")
    first = client.ai.missions.list(page_size=20)
    assert len(first.data) == 20
    assert first.meta is not None
    assert (first.meta.page_number, first.meta.total_pages) == (1, 3)
    assert telnyx_missions.requests[-1].response["meta"] == {
        "total_pages": 3,
        "total_results": 47,
        "page_number": 1,
        "page_size": 20,
    }
    assert len(list(client.ai.missions.list(page_size=20))) == 47
    listed = [r.path for r in telnyx_missions.requests if r.operation == "list_missions"]
    assert len(listed) == 1 + 3  # the first page above, then three pages auto-paginated


def test_runs(telnyx_missions: FakeMissions, client: telnyx.Telnyx) -> None:
    mission = telnyx_missions.missions[0]
    runs = client.ai.missions.runs
    run = runs.create(mission.mission_id, input={"task": "call"}, metadata={"k": 1}).data
    assert (run.status, run.input, run.metadata) == ("pending", {"task": "call"}, {"k": 1})
    assert runs.create(mission.mission_id).data.input == {}

    updated = runs.update(run.run_id, mission_id=mission.mission_id, status="running").data
    assert updated.status == "running"
    assert runs.pause_run(run.run_id, mission_id=mission.mission_id).data.status == "paused"
    assert runs.resume_run(run.run_id, mission_id=mission.mission_id).data.status == "running"
    cancelled = runs.cancel_run(run.run_id, mission_id=mission.mission_id).data
    assert cancelled.status == "cancelled"
    assert cancelled.finished_at is not None

    mine = [r.run_id for r in runs.list(mission.mission_id)]
    assert run.run_id in mine
    assert all(telnyx_missions.get_run(r).mission_id == mission.mission_id for r in mine)
    recent = list(runs.list_runs(status="cancelled"))
    assert [r.run_id for r in recent] == [run.run_id]
    assert runs.retrieve(run.run_id, mission_id=mission.mission_id).data.status == "cancelled"


def test_events(telnyx_missions: FakeMissions, client: telnyx.Telnyx) -> None:
    run = telnyx_missions.runs[0]
    events = client.ai.missions.runs.events
    logged = events.log(
        run.run_id,
        mission_id=run.mission_id,
        type="tool_call",
        summary="Looked up CRM",
        step_id="s1",
        agent_id="a1",
        payload={"tool": "crm"},
        idempotency_key="k-1",
    ).data
    again = events.log(
        run.run_id,
        mission_id=run.mission_id,
        type="tool_call",
        summary="retry",
        idempotency_key="k-1",
    ).data
    assert again == logged
    events.log(run.run_id, mission_id=run.mission_id, type="message", summary="Hello")

    got = events.get_event_details(
        logged.event_id, mission_id=run.mission_id, run_id=run.run_id
    ).data
    assert got == logged
    listed = list(events.list(run.run_id, mission_id=run.mission_id))
    assert [e.summary for e in listed][-2:] == ["Looked up CRM", "Hello"]
    assert [
        e.summary for e in events.list(run.run_id, mission_id=run.mission_id, step_id="s1")
    ] == ["Looked up CRM"]
    recent = list(client.ai.missions.list_events(type="message"))
    assert recent[0].summary == "Hello"
    assert all(e.type == "message" for e in recent)


def test_plan(telnyx_missions: FakeMissions, client: telnyx.Telnyx) -> None:
    run = telnyx_missions.add_run()
    plan = client.ai.missions.runs.plan
    created = plan.create(
        run.run_id,
        steps=[
            {"step_id": "fetch", "description": "Fetch invoices", "sequence": 1},
            {"step_id": "call", "description": "Call customers", "sequence": 2},
        ],
        mission_id=run.mission_id,
    ).data
    assert [s.status for s in created] == ["pending", "pending"]
    plan.add_steps_to_plan(
        run.run_id,
        steps=[
            {"step_id": "report", "description": "Report", "sequence": 3, "parent_step_id": "call"}
        ],
        mission_id=run.mission_id,
    )
    with pytest.raises(telnyx.UnprocessableEntityError) as taken:
        plan.add_steps_to_plan(
            run.run_id,
            steps=[{"step_id": "call", "description": "Again", "sequence": 4}],
            mission_id=run.mission_id,
        )
    assert taken.value.body == {
        "detail": [
            {
                "type": "value_error",
                "loc": ["body", "steps", 0, "step_id"],
                "msg": f"Value error, step id 'call' is already used in run {run.run_id}",
                "input": "call",
                "ctx": {"error": {}},
            }
        ]
    }

    step = plan.update_step(
        "fetch", run_id=run.run_id, status="in_progress", mission_id=run.mission_id
    ).data
    assert step.started_at is not None
    assert step.completed_at is None
    done = plan.update_step(
        "fetch", run_id=run.run_id, status="completed", mission_id=run.mission_id
    ).data
    assert done.completed_at is not None
    assert plan.get_step_details("fetch", run_id=run.run_id, mission_id=run.mission_id).data == done
    assert [s.step_id for s in plan.retrieve(run.run_id, mission_id=run.mission_id).data] == [
        "fetch",
        "call",
        "report",
    ]
    # Creating a plan again replaces it (the spec declares no 409 for it).
    plan.create(
        run.run_id,
        steps=[{"step_id": "x", "description": "x", "sequence": 1}],
        mission_id=run.mission_id,
    )
    assert [s.step_id for s in plan.retrieve(run.run_id, mission_id=run.mission_id).data] == ["x"]


def test_telnyx_agents(telnyx_missions: FakeMissions, client: telnyx.Telnyx) -> None:
    run = telnyx_missions.runs[0]
    agents = client.ai.missions.runs.telnyx_agents
    linked = agents.link(run.run_id, telnyx_agent_id="assistant-1", mission_id=run.mission_id).data
    assert (linked.run_id, linked.telnyx_agent_id) == (run.run_id, "assistant-1")
    assert [a.telnyx_agent_id for a in agents.list(run.run_id, mission_id=run.mission_id).data] == [
        "assistant-1"
    ]
    agents.unlink("assistant-1", run_id=run.run_id, mission_id=run.mission_id)
    assert agents.list(run.run_id, mission_id=run.mission_id).data == []
    with pytest.raises(telnyx.NotFoundError):
        agents.unlink("assistant-1", run_id=run.run_id, mission_id=run.mission_id)


@pytest.mark.parametrize(
    ("resource", "noun", "id_name"),
    [
        ("knowledge_bases", "knowledge_base", "knowledge_base_id"),
        ("mcp_servers", "mcp_server", "mcp_server_id"),
        ("tools", "tool", "tool_id"),
    ],
)
def test_mission_attachments(
    telnyx_missions: FakeMissions, client: telnyx.Telnyx, resource: str, noun: str, id_name: str
) -> None:
    mission_id = telnyx_missions.missions[0].mission_id
    api = getattr(client.ai.missions, resource)
    plural = resource
    created = getattr(api, f"create_{noun}")(mission_id, extra_body={"name": "CRM"})["data"]
    item_id = created[id_name]
    assert created["name"] == "CRM"
    assert created["mission_id"] == mission_id
    got = getattr(api, f"get_{noun}")(item_id, mission_id=mission_id)
    assert got["data"] == created
    updated = getattr(api, f"update_{noun}")(
        item_id, mission_id=mission_id, extra_body={"url": "u"}
    )
    assert (updated["data"]["name"], updated["data"]["url"]) == ("CRM", "u")
    listed = getattr(api, f"list_{plural}")(mission_id)["data"]
    assert [item[id_name] for item in listed] == [item_id]
    getattr(api, f"delete_{noun}")(item_id, mission_id=mission_id)
    with pytest.raises(telnyx.NotFoundError):
        getattr(api, f"get_{noun}")(item_id, mission_id=mission_id)


def test_every_operation_is_exercised_above(
    telnyx_missions: FakeMissions, client: telnyx.Telnyx
) -> None:
    answered: set[str] = set()
    scenarios: list[tuple[Any, ...]] = [
        (test_missions,),
        (test_list_pages_through_everything,),
        (test_runs,),
        (test_events,),
        (test_plan,),
        (test_telnyx_agents,),
        (test_mission_attachments, "knowledge_bases", "knowledge_base", "knowledge_base_id"),
        (test_mission_attachments, "mcp_servers", "mcp_server", "mcp_server_id"),
        (test_mission_attachments, "tools", "tool", "tool_id"),
    ]
    for scenario, *args in scenarios:
        telnyx_missions.reset()
        scenario(telnyx_missions, client, *args)
        answered |= {r.operation for r in telnyx_missions.requests if r.applied and r.operation}
    assert answered == {op.name for op in OPERATIONS}
