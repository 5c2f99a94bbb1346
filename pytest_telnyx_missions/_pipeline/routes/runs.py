"""Handlers for runs."""

from __future__ import annotations

from typing import Any

from ..._api.models import CreateMissionRunRequest, MissionRun, RunsQuery, UpdateMissionRunRequest
from ..operations import Call
from ._paging import Answer, data, page


def list_recent_runs(call: Call) -> Answer:
    # Newest first; the status filter is a plain string, so an unknown one finds nothing.
    query = call.query_as(RunsQuery)
    return page(call.store.runs_listed(None, query.status), query)


def list_runs(call: Call) -> Answer:
    mission = call.store.mission(call.path["mission_id"])
    query = call.query_as(RunsQuery)
    return page(call.store.runs_listed(mission.mission_id, query.status), query)


def create_run(call: Call) -> Answer:
    mission = call.store.mission(call.path["mission_id"])
    sent = call.body if isinstance(call.body, CreateMissionRunRequest) else None
    now = call.store.now()
    run = MissionRun(
        run_id=call.store.new_id(),
        mission_id=mission.mission_id,
        status="pending",
        input=sent.input if sent and sent.input is not None else {},
        metadata=sent.metadata if sent else None,
        started_at=now,
        updated_at=now,
    )
    return data(call.store.put_run(run))


def get_run(call: Call) -> Answer:
    return data(call.store.run(call.path["mission_id"], call.path["run_id"]))


def update_run(call: Call) -> Answer:
    run = call.store.run(call.path["mission_id"], call.path["run_id"])
    changes = call.changes_as(UpdateMissionRunRequest)
    return data(call.store.update_run(run, changes))


def _set_status(action: str, status: str) -> Any:
    def handler(call: Call) -> Answer:
        run = call.store.run(call.path["mission_id"], call.path["run_id"])
        return data(call.store.update_run(run, {"status": status}, action=action))

    handler.__name__ = f"{action}_run"
    return handler


cancel_run = _set_status("cancel", "cancelled")
pause_run = _set_status("pause", "paused")
resume_run = _set_status("resume", "running")
