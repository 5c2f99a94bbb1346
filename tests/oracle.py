"""Test-only oracle: a FastAPI 0.128.0 app for the whole Missions API, built by hand from the spec.

Written from ``pytest_telnyx_missions/spec/missions.openapi.yaml`` (and ``api-surface.md``),
independently of the fake's models on purpose: it judges them. Every path is under ``/v2``, in the
order FastAPI needs (``/ai/missions/events`` and ``/runs`` before ``/ai/missions/{mission_id}``).
Path parameters the spec gives ``format: uuid`` are ``UUID``; the others stay ``str``. Query
parameters are declared one by one, in the spec's order. Its answers for valid input are
placeholders with the spec's success status; only its validation (status and body) is compared.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from enum import Enum
from typing import Any
from uuid import UUID

import httpx
from fastapi import FastAPI, Query
from fastapi.testclient import TestClient
from pydantic import BaseModel


# -- enums -------------------------------------------------------------------------------------
class RunStatus(str, Enum):
    pending = "pending"
    running = "running"
    paused = "paused"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"


class StepStatus(str, Enum):
    pending = "pending"
    in_progress = "in_progress"
    completed = "completed"
    skipped = "skipped"
    failed = "failed"


class EventType(str, Enum):
    status_change = "status_change"
    step_started = "step_started"
    step_completed = "step_completed"
    step_failed = "step_failed"
    tool_call = "tool_call"
    tool_result = "tool_result"
    message = "message"
    error = "error"
    custom = "custom"


class ExecutionMode(str, Enum):
    external = "external"
    managed = "managed"


# -- request bodies: required fields without a default, optional ones ``X | None = None`` ------
class CreateMissionRequest(BaseModel):
    name: str
    description: str | None = None
    model: str | None = None
    instructions: str | None = None
    execution_mode: ExecutionMode = ExecutionMode.external
    metadata: dict[str, Any] | None = None


class UpdateMissionRequest(BaseModel):
    name: str | None = None
    description: str | None = None
    model: str | None = None
    instructions: str | None = None
    execution_mode: ExecutionMode | None = None
    metadata: dict[str, Any] | None = None


class CreateMissionRunRequest(BaseModel):
    input: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None


class UpdateMissionRunRequest(BaseModel):
    status: RunStatus | None = None
    result_summary: str | None = None
    result_payload: dict[str, Any] | None = None
    error: str | None = None
    metadata: dict[str, Any] | None = None


class CreateEventRequest(BaseModel):
    type: EventType
    summary: str
    step_id: str | None = None
    agent_id: str | None = None
    payload: dict[str, Any] | None = None
    idempotency_key: str | None = None


class CreatePlanStepRequest(BaseModel):
    step_id: str
    description: str
    sequence: int
    parent_step_id: str | None = None
    metadata: dict[str, Any] | None = None


class CreatePlanRequest(BaseModel):
    steps: list[CreatePlanStepRequest]


class AddPlanStepsRequest(BaseModel):
    steps: list[CreatePlanStepRequest]


class UpdatePlanStepRequest(BaseModel):
    status: StepStatus | None = None
    metadata: dict[str, Any] | None = None


class LinkTelnyxAgentRequest(BaseModel):
    telnyx_agent_id: str


Placeholder = dict[str, Any]
OK: Placeholder = {"data": {}}
MISSIONS = "/v2/ai/missions"
MISSION = f"{MISSIONS}/{{mission_id}}"
RUN = f"{MISSION}/runs/{{run_id}}"


def build_app() -> FastAPI:
    app = FastAPI()
    _missions(app)
    _attachments(app)
    _runs(app)
    _events_plan_agents(app)
    return app


def _missions(app: FastAPI) -> None:
    @app.get(MISSIONS)
    def get_public_missions_missions(
        page_number: int = Query(1, alias="page[number]", ge=1),
        page_size: int = Query(20, alias="page[size]", gt=0, le=1000),
    ) -> Placeholder:
        return OK

    @app.post(MISSIONS, status_code=201)
    def post_public_missions_missions(body: CreateMissionRequest) -> Placeholder:
        return OK

    @app.get(f"{MISSIONS}/events")
    def get_public_missions_missions_events(
        type: str | None = None,
        page_number: int = Query(1, alias="page[number]", ge=1),
        page_size: int = Query(50, alias="page[size]", gt=0, le=1000),
    ) -> Placeholder:
        return OK

    @app.get(f"{MISSIONS}/runs")
    def get_public_missions_missions_runs(
        status: str | None = None,
        page_number: int = Query(1, alias="page[number]", ge=1),
        page_size: int = Query(20, alias="page[size]", gt=0, le=1000),
    ) -> Placeholder:
        return OK

    @app.get(MISSION)
    def get_public_missions_missions_mission_id(mission_id: UUID) -> Placeholder:
        return OK

    @app.put(MISSION)
    def put_public_missions_missions_mission_id(
        mission_id: UUID, body: UpdateMissionRequest
    ) -> Placeholder:
        return OK

    @app.delete(MISSION, status_code=204)
    def delete_public_missions_missions_mission_id(mission_id: UUID) -> None:
        return None

    @app.post(f"{MISSION}/clone", status_code=201)
    def post_public_missions_missions_mission_id_clone(mission_id: str) -> Placeholder:
        return OK


def _attachments(app: FastAPI) -> None:
    """Knowledge bases, MCP servers, tools: every id a plain string, no declared body."""
    for kind, id_name in (
        ("knowledge-bases", "knowledge_base_id"),
        ("mcp-servers", "mcp_server_id"),
        ("tools", "tool_id"),
    ):
        many, one = f"{MISSION}/{kind}", f"{MISSION}/{kind}/{{{id_name}}}"
        app.add_api_route(many, _handler(), methods=["GET"])
        app.add_api_route(many, _handler(), methods=["POST"], status_code=201)
        app.add_api_route(one, _handler(id_name), methods=["GET"])
        app.add_api_route(one, _handler(id_name), methods=["PUT"])
        app.add_api_route(one, _handler(id_name, None), methods=["DELETE"], status_code=204)


def _handler(id_name: str | None = None, answer: Placeholder | None = OK) -> Callable[..., Any]:
    """A handler of ``(mission_id: str[, <id_name>: str])``: FastAPI reads the signature."""

    def handler(**path: str) -> Placeholder | None:
        return answer

    names = ["mission_id"] if id_name is None else ["mission_id", id_name]
    handler.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=str) for name in names],
        return_annotation=None if answer is None else Placeholder,
    )
    return handler


def _runs(app: FastAPI) -> None:
    @app.get(f"{MISSION}/runs")
    def get_public_missions_missions_mission_id_runs(
        mission_id: UUID,
        status: str | None = None,
        page_number: int = Query(1, alias="page[number]", ge=1),
        page_size: int = Query(20, alias="page[size]", gt=0, le=1000),
    ) -> Placeholder:
        return OK

    @app.post(f"{MISSION}/runs", status_code=201)
    def post_public_missions_missions_mission_id_runs(
        mission_id: UUID, body: CreateMissionRunRequest | None = None
    ) -> Placeholder:
        return OK

    @app.get(RUN)
    def get_public_missions_missions_mission_id_runs_run_id(
        mission_id: UUID, run_id: UUID
    ) -> Placeholder:
        return OK

    @app.patch(RUN)
    def patch_public_missions_missions_mission_id_runs_run_id(
        mission_id: UUID, run_id: UUID, body: UpdateMissionRunRequest
    ) -> Placeholder:
        return {"data": body.model_dump(mode="json", exclude_unset=True)}

    @app.post(f"{RUN}/cancel")
    def post_public_missions_missions_mission_id_runs_run_id_cancel(
        mission_id: UUID, run_id: UUID
    ) -> Placeholder:
        return OK

    @app.post(f"{RUN}/pause")
    def post_public_missions_missions_mission_id_runs_run_id_pause(
        mission_id: UUID, run_id: UUID
    ) -> Placeholder:
        return OK

    @app.post(f"{RUN}/resume")
    def post_public_missions_missions_mission_id_runs_run_id_resume(
        mission_id: UUID, run_id: UUID
    ) -> Placeholder:
        return OK


def _events_plan_agents(app: FastAPI) -> None:
    @app.get(f"{RUN}/events")
    def get_public_missions_missions_mission_id_runs_run_id_events(
        mission_id: UUID,
        run_id: UUID,
        type: str | None = None,
        step_id: str | None = None,
        agent_id: str | None = None,
        page_number: int = Query(1, alias="page[number]", ge=1),
        page_size: int = Query(50, alias="page[size]", gt=0, le=1000),
    ) -> Placeholder:
        return OK

    @app.post(f"{RUN}/events", status_code=201)
    def post_public_missions_missions_mission_id_runs_run_id_events(
        mission_id: UUID, run_id: UUID, body: CreateEventRequest
    ) -> Placeholder:
        return OK

    @app.get(f"{RUN}/events/{{event_id}}")
    def get_public_missions_missions_mission_id_runs_run_id_events_event_id(
        mission_id: UUID, run_id: UUID, event_id: str
    ) -> Placeholder:
        return OK

    @app.get(f"{RUN}/plan")
    def get_public_missions_missions_mission_id_runs_run_id_plan(
        mission_id: UUID, run_id: UUID
    ) -> Placeholder:
        return OK

    @app.post(f"{RUN}/plan", status_code=201)
    def post_public_missions_missions_mission_id_runs_run_id_plan(
        mission_id: UUID, run_id: UUID, body: CreatePlanRequest
    ) -> Placeholder:
        return OK

    @app.post(f"{RUN}/plan/steps", status_code=201)
    def post_public_missions_missions_mission_id_runs_run_id_plan_steps(
        mission_id: UUID, run_id: UUID, body: AddPlanStepsRequest
    ) -> Placeholder:
        return OK

    @app.get(f"{RUN}/plan/steps/{{step_id}}")
    def get_public_missions_missions_mission_id_runs_run_id_plan_steps_step_id(
        mission_id: UUID, run_id: UUID, step_id: str
    ) -> Placeholder:
        return OK

    @app.patch(f"{RUN}/plan/steps/{{step_id}}")
    def patch_public_missions_missions_mission_id_runs_run_id_plan_steps_step_id(
        mission_id: UUID, run_id: UUID, step_id: str, body: UpdatePlanStepRequest
    ) -> Placeholder:
        return OK

    @app.get(f"{RUN}/telnyx-agents")
    def get_public_missions_missions_mission_id_runs_run_id_telnyx_agents(
        mission_id: UUID, run_id: UUID
    ) -> Placeholder:
        return OK

    @app.post(f"{RUN}/telnyx-agents", status_code=201)
    def post_public_missions_missions_mission_id_runs_run_id_telnyx_agents(
        mission_id: UUID, run_id: UUID, body: LinkTelnyxAgentRequest
    ) -> Placeholder:
        return OK

    @app.delete(f"{RUN}/telnyx-agents/{{telnyx_agent_id}}", status_code=204)
    def delete_public_missions_missions_mission_id_runs_run_id_telnyx_agents_telnyx_agent_id(
        mission_id: UUID, run_id: UUID, telnyx_agent_id: str
    ) -> None:
        return None


class Oracle:
    """Sends raw requests to the FastAPI app in-process and returns (status, JSON body)."""

    def __init__(self) -> None:
        self.app = build_app()
        self._client = TestClient(self.app, raise_server_exceptions=False)

    def raw(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """The oracle's own response, redirects not followed."""
        return self._client.request(
            method, path, content=body, headers=headers, follow_redirects=False
        )

    def send(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, Any]:
        """``path`` may carry a query string; it is sent as given."""
        response = self._client.request(method, path, content=body, headers=headers)
        if not response.content:
            return response.status_code, None
        if response.headers.get("content-type") != "application/json":
            return response.status_code, response.text or None
        return response.status_code, response.json()
