"""Handlers for runs."""

from __future__ import annotations

from typing import Any

from .._app import Call


def get_run(call: Call) -> dict[str, Any]:
    run = call.store.run(call.path["mission_id"], call.path["run_id"])
    return {"data": run.model_dump(mode="json")}


def update_run(call: Call) -> dict[str, Any]:
    assert call.body is not None
    run = call.store.run(call.path["mission_id"], call.path["run_id"])
    changes = call.body.model_dump(mode="json", exclude_unset=True)
    return {"data": call.store.update_run(run, changes).model_dump(mode="json")}
