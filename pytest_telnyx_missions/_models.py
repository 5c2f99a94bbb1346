"""Pydantic models of the Missions API schemas, shaped as the real FastAPI service declares them.

The request models keep the real service's quirks on purpose (every PATCH field is ``X | None``,
``RunStatus`` is an ``Enum``), because the 422 bodies the fake returns are produced by validating
against these very models.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class RunStatus(str, Enum):
    pending = "pending"
    running = "running"
    paused = "paused"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"


RunStatusName = Literal["pending", "running", "paused", "succeeded", "failed", "cancelled"]
TERMINAL_RUN_STATUSES: frozenset[str] = frozenset({"succeeded", "failed", "cancelled"})


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
