"""Without fault rules and strict transitions, every answer's status is one the spec declares.

Each operation of the route table is sent valid requests (once and twice: re-creating, linking
or deleting again), unknown ids, ids the path refuses, bad bodies and queries, and no key; every
status answered must be in the operation's ``responses`` in the shipped spec.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest
import yaml
from werkzeug.test import Client

from pytest_telnyx_missions import FakeMissions
from pytest_telnyx_missions._pipeline.operations import Operation
from pytest_telnyx_missions._pipeline.routes import OPERATIONS

MISSION = "2f1e0c52-3c1a-4d0e-9a51-5c8e8d4b2f10"
RUN = "9b0a7a7e-0d7e-4f55-8f8e-6b7d3c1a2b3c"
UNKNOWN_UUID = "5d1b6f7e-8a9b-4c0d-9e1f-2a3b4c5d6e7f"
KNOWN = {
    "mission_id": MISSION,
    "run_id": RUN,
    "event_id": "ev",
    "step_id": "st",
    "telnyx_agent_id": "ag",
    "knowledge_base_id": "kb",
    "mcp_server_id": "mcp",
    "tool_id": "tool",
}
STEP = {"step_id": "a", "description": "A", "sequence": 1}
VALID_BODIES: dict[str, Any] = {
    "create_mission": {"name": "New"},
    "update_mission": {"name": "Renamed"},
    "create_run": {"input": {}},
    "update_run": {"status": "running"},
    "log_event": {"type": "message", "summary": "s"},
    "create_plan": {"steps": [STEP]},
    "add_plan_steps": {"steps": [{**STEP, "step_id": "b"}]},
    "update_plan_step": {"status": "completed"},
    "link_telnyx_agent": {"telnyx_agent_id": "ag2"},
}


def _declared() -> dict[tuple[str, str], set[int]]:
    spec = resources.files("pytest_telnyx_missions") / "spec" / "missions.openapi.yaml"
    doc = yaml.safe_load(spec.read_text(encoding="utf-8"))
    return {
        (method.upper(), path): {int(code) for code in operation["responses"]}
        for path, operations in doc["paths"].items()
        for method, operation in operations.items()
        if method != "parameters"
    }


DECLARED = _declared()


@pytest.fixture(scope="module")
def fake() -> FakeMissions:
    return FakeMissions()


@pytest.fixture
def client(fake: FakeMissions) -> Client:
    fake.configure()
    fake.add_mission(mission_id=MISSION)
    fake.add_run(mission_id=MISSION, run_id=RUN)
    fake.add_event(run_id=RUN, event_id="ev")
    fake.add_plan_step(run_id=RUN, step_id="st", description="x", sequence=1)
    fake.link_agent(run_id=RUN, telnyx_agent_id="ag")
    fake.add_knowledge_base(mission_id=MISSION, knowledge_base_id="kb")
    fake.add_mcp_server(mission_id=MISSION, mcp_server_id="mcp")
    fake.add_tool(mission_id=MISSION, tool_id="tool")
    return Client(fake.wsgi_app())


def _send(
    client: Client,
    operation: Operation,
    ids: dict[str, str],
    *,
    body: bytes | None = None,
    query: str = "",
    key: bool = True,
) -> int:
    path = "/v2" + operation.path.format(**ids)
    headers = {"content-type": "application/json"}
    if key:
        headers["authorization"] = "Bearer k"
    if body is None and operation.name in VALID_BODIES:
        body = json.dumps(VALID_BODIES[operation.name]).encode()
    answer = client.open(
        path, method=operation.method, data=body, headers=headers, query_string=query
    )
    return answer.status_code


def _scenarios(operation: Operation) -> Iterator[tuple[str, dict[str, Any]]]:
    params = [name for name in KNOWN if f"{{{name}}}" in operation.path]
    yield "valid", {}
    yield "valid again", {}
    for name in params:
        unknown = UNKNOWN_UUID if name in operation.uuid_params else "unknown"
        yield f"unknown {name}", {"ids": {name: unknown}}
        if name in operation.uuid_params:
            yield f"{name} not a UUID", {"ids": {name: "not-a-uuid"}}
    if operation.body is not None or operation.any_json:
        yield "invalid JSON", {"body": b"{"}
        yield "wrong body", {"body": b'{"steps": 1, "status": 2, "name": []}'}
        yield "empty body", {"body": b""}
    if operation.query is not None:
        yield "bad page", {"query": "page[size]=0&page[number]=x"}
    yield "no key", {"key": False}


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.name)
def test_every_answer_has_a_declared_status(client: Client, operation: Operation) -> None:
    declared = DECLARED[(operation.method, operation.path)]
    answered = {}
    for name, scenario in _scenarios(operation):
        ids = {**KNOWN, **scenario.get("ids", {})}
        answered[name] = _send(
            client,
            operation,
            ids,
            body=scenario.get("body"),
            query=scenario.get("query", ""),
            key=scenario.get("key", True),
        )
    undeclared = {name: status for name, status in answered.items() if status not in declared}
    assert undeclared == {}, f"declared: {sorted(declared)}; answered: {answered}"
    assert answered["valid"] == operation.success_status
    assert answered["no key"] == 401


def test_every_operation_of_the_spec_is_in_the_route_table() -> None:
    assert {(op.method, op.path) for op in OPERATIONS} == set(DECLARED)
