"""The route table: every operation the fake serves, one row each."""

from __future__ import annotations

from .._app import Operation
from .._journal import UPDATE_RUN
from .._models import UpdateMissionRunRequest
from . import runs

RUN_PATH = "/ai/missions/{mission_id}/runs/{run_id}"

OPERATIONS: tuple[Operation, ...] = (
    Operation("get_run", "GET", RUN_PATH, runs.get_run),
    Operation(
        UPDATE_RUN,
        "PATCH",
        RUN_PATH,
        runs.update_run,
        body=UpdateMissionRunRequest,
        body_required=True,
    ),
)
