"""The clock's wording, held to what happens: with a fixed clock "every change ticks it one
second" (every create, update, status change, plan creation, step added, link, unlink and
delete), and a read ticks nothing. Each operation of the route table is tried in turn."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from pytest_telnyx_missions import FakeMissions
from pytest_telnyx_missions._pipeline.routes import OPERATIONS

from .helpers import doc_section

CLOCK = datetime(2025, 6, 1, tzinfo=timezone.utc)
AUTH = {"Authorization": "Bearer k"}
STEP = {"step_id": "a", "description": "A", "sequence": 1}

# Each changing operation in an order where every one finds what it needs, with its body.
CHANGES: list[tuple[str, Any]] = [
    ("create_mission", {"name": "Ticks"}),
    ("update_mission", {"name": "Ticks again"}),
    ("clone_mission", None),
    ("create_knowledge_base", {"name": "kb"}),
    ("update_knowledge_base", {"name": "kb2"}),
    ("delete_knowledge_base", None),
    ("create_mcp_server", {"name": "m"}),
    ("update_mcp_server", {"name": "m2"}),
    ("delete_mcp_server", None),
    ("create_tool", {"name": "t"}),
    ("update_tool", {"name": "t2"}),
    ("delete_tool", None),
    ("create_run", {"input": {"n": 1}}),
    ("update_run", {"metadata": {"n": 2}}),
    ("pause_run", None),
    ("resume_run", None),
    ("log_event", {"type": "custom", "summary": "s"}),
    ("create_plan", {"steps": [STEP]}),
    ("add_plan_steps", {"steps": [{**STEP, "step_id": "b", "sequence": 2}]}),
    ("update_plan_step", {"status": "completed"}),
    ("link_telnyx_agent", {"telnyx_agent_id": "agent"}),
    ("unlink_telnyx_agent", None),
    ("cancel_run", None),
    ("delete_mission", None),
]


def _ids(fake: FakeMissions) -> dict[str, str]:
    run = fake.runs[0]
    return {
        "mission_id": run.mission_id,
        "run_id": run.run_id,
        "knowledge_base_id": "kb",
        "mcp_server_id": "mcp",
        "tool_id": "tool",
        "step_id": "a",
        "telnyx_agent_id": "agent",
        "event_id": "none",
    }


def _now(fake: FakeMissions) -> datetime:
    """The clock as the next change reads it (arranging a mission is a change: one tick)."""
    return fake.add_mission().created_at


def test_the_docs_say_what_ticks_the_clock() -> None:
    section = " ".join(doc_section("Deterministic ids and time").split())
    assert (
        "every change after it ticks one second: every create, update, status change, plan "
        "creation, step added, link, unlink and delete, through the API or the `add_*` methods"
    ) in section


def test_every_change_ticks_the_clock_and_no_read_does() -> None:
    fake = FakeMissions(clock=CLOCK)
    ids = _ids(fake)
    rows = {operation.name: operation for operation in OPERATIONS}
    assert {name for name, _ in CHANGES} == {o.name for o in OPERATIONS if o.method != "GET"}
    client = httpx.Client(transport=fake.httpx_transport(), base_url="http://fake", headers=AUTH)
    untouched = []
    for name, body in CHANGES:
        operation = rows[name]
        if name == "delete_mission":
            ids["mission_id"] = fake.add_mission().mission_id  # not the one the runs are in
        path = "/v2" + operation.path.format(**ids)
        before = _now(fake)
        answer = client.request(operation.method, path, json=body)
        assert answer.is_success, (name, answer.text)
        for key in ("knowledge_base_id", "mcp_server_id", "tool_id"):
            if name.startswith("create_") and key in answer.json()["data"]:
                ids[key] = answer.json()["data"][key]  # the id the fake made
        if _now(fake) - before < timedelta(seconds=2):
            untouched.append(name)
    assert untouched == []
    ids = _ids(fake)
    for operation in OPERATIONS:
        if operation.method == "GET":
            before = _now(fake)
            client.get("/v2" + operation.path.format(**ids))
            assert _now(fake) - before == timedelta(seconds=1), operation.name


def _arranging(fake: FakeMissions) -> dict[str, Callable[[], object]]:
    """Each arranging method, called once with what it needs."""
    run = fake.runs[0]
    mission = run.mission_id
    return {
        "add_mission": fake.add_mission,
        "add_run": fake.add_run,
        "add_event": lambda: fake.add_event(run_id=run.run_id),
        "add_plan_step": lambda: fake.add_plan_step(
            run_id=run.run_id, step_id="z", description="Z", sequence=9
        ),
        "link_agent": lambda: fake.link_agent(run_id=run.run_id, telnyx_agent_id="agent"),
        "add_knowledge_base": lambda: fake.add_knowledge_base(mission_id=mission, name="kb"),
        "add_mcp_server": lambda: fake.add_mcp_server(mission_id=mission, name="m"),
        "add_tool": lambda: fake.add_tool(mission_id=mission, name="t"),
    }


@pytest.mark.parametrize("arrange", list(_arranging(FakeMissions(runs=1))))
def test_arranging_ticks_the_clock_too(arrange: str) -> None:
    fake = FakeMissions(clock=CLOCK)
    before = _now(fake)
    _arranging(fake)[arrange]()
    assert _now(fake) - before == timedelta(seconds=2)


def test_every_arranging_method_is_tried() -> None:
    from pytest_telnyx_missions._serving.control_arranging import ARRANGING_METHODS

    assert set(_arranging(FakeMissions(runs=1))) == set(ARRANGING_METHODS.values())
