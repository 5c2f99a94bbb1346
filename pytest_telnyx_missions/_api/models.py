"""Pydantic models of the Missions API schemas, shaped as the real FastAPI service declares them.

The request models keep the real service's quirks on purpose (every PATCH field is ``X | None``,
``RunStatus`` is an ``Enum``), because the 422 bodies the fake returns are produced by validating
against these very models.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import Enum
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class RunStatus(str, Enum):
    pending = "pending"
    running = "running"
    paused = "paused"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"


RunStatusName = Literal["pending", "running", "paused", "succeeded", "failed", "cancelled"]
TERMINAL_RUN_STATUSES: frozenset[str] = frozenset({"succeeded", "failed", "cancelled"})


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


StepStatusName = Literal["pending", "in_progress", "completed", "skipped", "failed"]
FINISHED_STEP_STATUSES: frozenset[str] = frozenset({"completed", "skipped", "failed"})


# -- requests ------------------------------------------------------------------------------
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


# -- query parameters, in the order the service declares them (the order of their 422s) ----
PageNumber = Annotated[int, Field(alias="page[number]", ge=1)]
PageSize = Annotated[int, Field(alias="page[size]", gt=0, le=1000)]
UUID_ADAPTER: TypeAdapter[UUID] = TypeAdapter(UUID)
"""Validates ids declared ``format: uuid``, as FastAPI validates a ``UUID`` path parameter."""


CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
"""A UUID already in the form ``str(UUID(...))`` writes: parsing it again would change nothing."""


def canonical_id(value: str) -> str:
    """A UUID in canonical lower-case form, as the fake stores it; anything else unchanged."""
    if isinstance(value, str) and CANONICAL_UUID.fullmatch(value):
        return value  # most ids already are (a regex match is a tenth of a UUID's parse)
    try:
        return str(UUID(value.strip()))
    except (ValueError, AttributeError):
        return value


class PageQuery(BaseModel):
    page_number: PageNumber = 1
    page_size: PageSize = 20


class RunsQuery(BaseModel):
    status: str | None = None
    page_number: PageNumber = 1
    page_size: PageSize = 20


class RecentEventsQuery(BaseModel):
    type: str | None = None
    page_number: PageNumber = 1
    page_size: PageSize = 50


class RunEventsQuery(BaseModel):
    type: str | None = None
    step_id: str | None = None
    agent_id: str | None = None
    page_number: PageNumber = 1
    page_size: PageSize = 50


class UpdateMissionRunRequest(BaseModel):
    status: RunStatus | None = None
    result_summary: str | None = None
    result_payload: dict[str, Any] | None = None
    error: str | None = None
    metadata: dict[str, Any] | None = None


class MissionRun(BaseModel):
    """A run as the fake stores and serves it (``MissionRunData`` in the spec).

    Frozen: an update replaces the stored object, so a reset only has to copy a dict of them.
    """

    model_config = ConfigDict(frozen=True)

    run_id: str
    mission_id: str
    status: RunStatusName
    input: dict[str, Any] | None = None
    started_at: datetime
    finished_at: datetime | None = None
    result_summary: str | None = None
    result_payload: dict[str, Any] | None = None
    error: str | None = None
    metadata: dict[str, Any] | None = None
    updated_at: datetime


MissionRunData = MissionRun
"""The spec's name for a run."""


class Mission(BaseModel):
    """A mission (``MissionData`` in the spec)."""

    model_config = ConfigDict(frozen=True)

    mission_id: str
    name: str
    execution_mode: Literal["external", "managed"] = "external"
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    model: str | None = None
    instructions: str | None = None
    metadata: dict[str, Any] | None = None


MissionData = Mission
"""The spec's name for a mission."""


class Event(BaseModel):
    """An event in a run's audit trail (``EventData`` in the spec)."""

    model_config = ConfigDict(frozen=True)

    event_id: str
    run_id: str
    type: str
    summary: str
    timestamp: datetime
    step_id: str | None = None
    agent_id: str | None = None
    payload: dict[str, Any] | None = None
    idempotency_key: str | None = None


class PlanStep(BaseModel):
    """A step of a run's plan (``PlanStepData`` in the spec)."""

    model_config = ConfigDict(frozen=True)

    step_id: str
    run_id: str
    sequence: int
    description: str
    status: StepStatusName = "pending"
    parent_step_id: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    metadata: dict[str, Any] | None = None


class TelnyxAgent(BaseModel):
    """A Telnyx agent linked to a run (``TelnyxAgentData`` in the spec)."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    telnyx_agent_id: str
    created_at: datetime


class MissionRunResponse(BaseModel):
    data: MissionRunData


class ValidationErrorItem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str
    input: Any = None
    ctx: dict[str, Any] | None = None


class HTTPValidationError(BaseModel):
    detail: list[ValidationErrorItem]
