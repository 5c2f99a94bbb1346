"""POST /_fake/<resource>: one resource arranged over HTTP, with the add_* methods' checks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from pytest_telnyx_missions import FakeMissions
from pytest_telnyx_missions._serving.control_arranging import ARRANGING_METHODS

MISSION = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
RUN = "a3bb189e-8bf9-4888-9912-ace4e6543002"


@pytest.fixture
def fake() -> Iterator[FakeMissions]:
    with FakeMissions(control_api=True, runs=1, missions=1) as served:
        yield served


def _post(fake: FakeMissions, resource: str, body: Any) -> httpx.Response:
    return httpx.post(f"{fake.url}/_fake/{resource}", json=body)


def test_each_resource_is_made_and_answered_201_with_what_the_fake_holds(
    fake: FakeMissions,
) -> None:
    mission = _post(fake, "missions", {"mission_id": MISSION, "name": "Nightly"})
    assert mission.status_code == 201
    assert mission.json()["data"] == fake.missions[-1].model_dump(mode="json")

    run = _post(fake, "runs", {"mission_id": MISSION, "run_id": RUN, "status": "succeeded"})
    assert run.status_code == 201
    assert run.json()["data"] == fake.get_run(RUN).model_dump(mode="json")
    assert run.json()["data"]["finished_at"] is not None  # derived, as add_run derives it

    event = _post(fake, "events", {"run_id": RUN, "event_id": "evt-1", "type": "tool_call"})
    assert event.json()["data"] == fake.events(RUN)[0].model_dump(mode="json")
    step = {"run_id": RUN, "step_id": "fetch", "description": "Fetch", "sequence": 1}
    assert _post(fake, "plan_steps", step).json()["data"]["step_id"] == "fetch"
    assert [s.step_id for s in fake.plan(RUN)] == ["fetch"]
    agent = _post(fake, "agents", {"run_id": RUN, "telnyx_agent_id": "assistant-1"})
    assert agent.json()["data"]["telnyx_agent_id"] == "assistant-1"
    for resource, key in [
        ("knowledge_bases", "knowledge_base_id"),
        ("mcp_servers", "mcp_server_id"),
        ("tools", "tool_id"),
    ]:
        made = _post(fake, resource, {"mission_id": MISSION, key: f"{resource}-1", "name": "x"})
        assert (made.status_code, made.json()["data"][key]) == (201, f"{resource}-1")
    state = fake.dump_state()
    assert len(state["telnyx_agents"]) == len(state["knowledge_bases"]) == 1
    assert len(state["mcp_servers"]) == len(state["tools"]) == 1
    assert fake.requests == []  # control requests are never recorded


def _required(fake: FakeMissions, resource: str) -> dict[str, Any]:
    run = fake.runs[0]
    bodies: dict[str, dict[str, Any]] = {
        "missions": {},
        "runs": {},
        "events": {"run_id": run.run_id},
        "plan_steps": {"run_id": run.run_id, "step_id": "s", "description": "d", "sequence": 9},
        "agents": {"run_id": run.run_id, "telnyx_agent_id": "a"},
    }
    return bodies[resource]


@pytest.mark.parametrize("resource", ["missions", "runs", "events", "plan_steps", "agents"])
def test_an_unknown_field_is_a_400_naming_it(fake: FakeMissions, resource: str) -> None:
    answer = _post(fake, resource, {**_required(fake, resource), "stauts": "failed"})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error.startswith(f"Invalid {ARRANGING_METHODS[resource]} body: ")
    assert "stauts" in error


@pytest.mark.parametrize("resource", ["knowledge_bases", "mcp_servers", "tools"])
def test_an_attachment_without_its_mission_is_a_400_naming_the_field(
    fake: FakeMissions, resource: str
) -> None:
    # An attachment takes any JSON fields (the API gives it no schema): only its mission is due.
    answer = _post(fake, resource, {"name": "x"})
    assert answer.status_code == 400
    assert "missing 1 required keyword-only argument: 'mission_id'" in answer.json()["error"]


@pytest.mark.parametrize(
    ("resource", "body", "message"),
    [
        ("runs", {"status": "finished"}, "status: Input should be 'pending', "),
        ("runs", {"run_id": "not-a-uuid"}, "run_id 'not-a-uuid' is not a UUID"),
        ("runs", {"mission_id": MISSION}, f"no mission '{MISSION}'"),
        ("events", {"type": "custom"}, "missing 1 required keyword-only argument: 'run_id'"),
        ("missions", [1], "body: Input should be an object"),
    ],
)
def test_a_bad_value_gets_the_add_methods_message(
    fake: FakeMissions, resource: str, body: Any, message: str
) -> None:
    answer = _post(fake, resource, body)
    assert answer.status_code == 400
    assert message in answer.json()["error"]
    assert len(fake.runs) == 1  # nothing made


def test_an_id_that_exists_is_refused_not_replaced(fake: FakeMissions) -> None:
    run = fake.runs[0]
    answer = _post(fake, "runs", {"mission_id": run.mission_id, "run_id": run.run_id})
    assert answer.status_code == 400
    assert run.run_id in answer.json()["error"]
    assert fake.get_run(run.run_id) == run


def test_not_json_is_a_400(fake: FakeMissions) -> None:
    answer = httpx.post(f"{fake.url}/_fake/missions", content=b"{nope")
    assert answer.status_code == 400
    assert answer.json()["error"].startswith("Invalid add_mission body: body: Invalid JSON")


def _bad_bodies(fake: FakeMissions) -> dict[str, dict[str, Any]]:
    """One mistake per resource: an unknown field where the method has a schema, a mission the
    fake does not have where it takes any JSON fields (an attachment)."""
    typo = {"stauts": "failed"}
    nowhere = {"mission_id": MISSION, "name": "x"}
    return {
        "missions": {"nmae": "x"},
        "runs": typo,
        "events": {**_required(fake, "events"), "summery": "x"},
        "plan_steps": {**_required(fake, "plan_steps"), **typo},
        "agents": {**_required(fake, "agents"), "telnyx_agnet_id": "b"},
        "knowledge_bases": nowhere,
        "mcp_servers": nowhere,
        "tools": nowhere,
    }


@pytest.mark.parametrize("resource", list(ARRANGING_METHODS))
def test_every_resource_refuses_with_the_add_methods_own_message(
    fake: FakeMissions, resource: str
) -> None:
    method = ARRANGING_METHODS[resource]
    body = _bad_bodies(fake)[resource]
    with pytest.raises((TypeError, ValueError, LookupError)) as raised:
        getattr(fake, method)(**body)
    answer = _post(fake, resource, body)
    assert (answer.status_code, answer.json()) == (
        400,
        # Python names a plain signature's method by its class (Arranger.link_agent()); the
        # control API by the name the caller knows.
        {"error": f"Invalid {method} body: {str(raised.value).removeprefix('Arranger.')}"},
    )


@pytest.mark.parametrize(
    ("resource", "body"),
    [
        ("runs", {"status": "finished", "input": "x"}),
        ("plan_steps", {"step_id": "s", "description": "d", "sequence": "x", "status": "done"}),
        ("events", {"payload": 5, "summary": ["x"]}),
        ("missions", {"name": 5}),
    ],
)
def test_a_value_the_model_refuses_gets_pydantics_message_for_each_field(
    fake: FakeMissions, resource: str, body: dict[str, Any]
) -> None:
    """Python raises the model's ``ValidationError``; the control API answers the same errors,
    each as ``field: message (got value)`` on one line, with no link to pydantic's site."""
    method = ARRANGING_METHODS[resource]
    if resource in ("plan_steps", "events"):
        body = {**body, "run_id": fake.runs[0].run_id}
    with pytest.raises(ValidationError) as raised:
        getattr(fake, method)(**body)
    expected = "; ".join(
        f"{'.'.join(map(str, error['loc']))}: {error['msg']} (got {error['input']!r})"
        for error in raised.value.errors(include_url=False)
    )
    assert len(raised.value.errors()) >= 1
    answer = _post(fake, resource, body)
    assert (answer.status_code, answer.json()) == (
        400,
        {"error": f"Invalid {method} body: {expected}"},
    )
