"""The rules of a change: what a run or a plan step becomes when a request updates it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from .._api.models import FINISHED_STEP_STATUSES, TERMINAL_RUN_STATUSES, MissionRun, PlanStep

_M = TypeVar("_M", bound=BaseModel)
_set = object.__setattr__

# The documented transitions ("cancel a running or paused run", "pause a running run", "resume a
# paused run"), enforced only with strict_transitions; the answer to a breach is the fake's guess.
_ACTIONS_FROM: dict[str, frozenset[str]] = {
    "cancel": frozenset({"running", "paused"}),
    "pause": frozenset({"running"}),
    "resume": frozenset({"paused"}),
}


class Conflict(Exception):
    """The store's state refuses the change (strict transitions; the API's 409 is a guess)."""


def updated_run(run: MissionRun, changes: dict[str, Any], now: datetime) -> MissionRun:
    """``run`` after a partial update (status null: unchanged; ``finished_at`` follows it)."""
    new: dict[str, Any] = {k: v for k, v in changes.items() if k != "status"}
    status = changes.get("status")
    if status is not None:
        new["status"] = status
        if status in TERMINAL_RUN_STATUSES:
            if status != run.status or run.finished_at is None:
                new["finished_at"] = now
        else:
            new["finished_at"] = None
    new["updated_at"] = now
    return replaced(run, new)


def check_transition(run: MissionRun, status: str | None, action: str | None) -> None:
    """Raise :class:`Conflict` when strict transitions refuse ``status`` (or ``action``)."""
    if status is None:
        return
    if action is not None:
        allowed = _ACTIONS_FROM[action]
        if run.status not in allowed:
            raise Conflict(
                f"Cannot {action} run {run.run_id}: it is {run.status}, and {action} needs "
                f"{' or '.join(sorted(allowed))} (strict transitions)."
            )
    elif run.status in TERMINAL_RUN_STATUSES and status != run.status:
        raise Conflict(
            f"Run {run.run_id} is {run.status}, a final status: it cannot become {status} "
            "(strict transitions)."
        )


def updated_step(step: PlanStep, changes: dict[str, Any], now: datetime) -> PlanStep:
    """``step`` after a partial update; ``started_at`` / ``completed_at`` follow the status."""
    new: dict[str, Any] = {k: v for k, v in changes.items() if k != "status"}
    status = changes.get("status")
    if status is not None and status != step.status:
        new["status"] = status
        if status == "in_progress":
            new["started_at"] = step.started_at or now
            new["completed_at"] = None
        elif status in FINISHED_STEP_STATUSES:
            new["completed_at"] = now
        else:
            new["started_at"] = new["completed_at"] = None
    return replaced(step, new)


def replaced(model: _M, changes: dict[str, Any]) -> _M:
    """``model.model_copy(update=changes)`` for the store's models (frozen, no extra fields, no
    private attributes) in about half its time: the new ``__dict__`` is made in one merge
    instead of a copy and an update, and nothing is looked up for extras or private values."""
    cls = type(model)
    copied = cls.__new__(cls)
    _set(copied, "__dict__", {**model.__dict__, **changes})
    _set(copied, "__pydantic_extra__", None)
    _set(copied, "__pydantic_fields_set__", model.__pydantic_fields_set__ | changes.keys())
    _set(copied, "__pydantic_private__", None)
    return copied
