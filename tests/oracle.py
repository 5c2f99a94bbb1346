"""Test-only oracle: a FastAPI 0.128.0 app built by hand from the published seed spec.

It is written independently of the fake's models on purpose: it judges them. Its answers for
valid input are placeholders; only its validation (status and body) is compared.
"""

from __future__ import annotations

from enum import Enum
from typing import Any
from uuid import UUID

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel


class RunStatus(str, Enum):
    pending = "pending"
    running = "running"
    paused = "paused"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"


class UpdateMissionRunRequest(BaseModel):
    status: RunStatus | None = None
    result_summary: str | None = None
    result_payload: dict[str, Any] | None = None
    error: str | None = None
    metadata: dict[str, Any] | None = None


def build_app() -> FastAPI:
    app = FastAPI()

    @app.patch("/v2/ai/missions/{mission_id}/runs/{run_id}")
    def patch_public_missions_missions_mission_id_runs_run_id(
        mission_id: UUID, run_id: UUID, body: UpdateMissionRunRequest
    ) -> dict[str, Any]:
        return {"data": body.model_dump(mode="json", exclude_unset=True)}

    return app


class Oracle:
    """Sends raw requests to the FastAPI app in-process and returns (status, JSON body)."""

    def __init__(self) -> None:
        self._client = TestClient(build_app(), raise_server_exceptions=False)

    def send(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, Any]:
        response = self._client.request(method, path, content=body, headers=headers)
        if response.headers.get("content-type") != "application/json":
            return response.status_code, response.text or None
        return response.status_code, response.json()
