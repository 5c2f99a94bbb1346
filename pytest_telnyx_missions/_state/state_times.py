"""The times a state holds, which every reading of the clock must follow."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from operator import attrgetter
from typing import Literal, get_args

from .._api.models import (
    FINISHED_STEP_STATUSES,
    TERMINAL_RUN_STATUSES,
    RunStatusName,
    StepStatusName,
)
from .snapshot import Snapshot

__all__ = ["TIME_FIELDS", "latest_time", "times_of", "unreached_times"]

TIME_FIELDS: dict[str, tuple[str, ...]] = {
    "missions": ("created_at", "updated_at"),
    "runs": ("started_at", "finished_at", "updated_at"),
    "events": ("timestamp",),
    "steps": ("started_at", "completed_at"),
    "agents": ("created_at",),
}
STARTED_STEP_STATUSES = frozenset({"in_progress", "completed", "failed"})
"""A step in these has started (a skipped one never did, though it is finished)."""


def unreached_times(kind: Literal["runs", "steps"], status: str) -> frozenset[str]:
    """The times of :data:`TIME_FIELDS` an item in ``status`` has not reached, null wherever
    the fake makes one (seeded, arranged or loaded): a run not finished has no finish time, a
    pending step neither a start nor a completion. (A status the API has not reaches none.)"""
    known = _UNREACHED[kind].get(status)
    return _unreached(kind, status) if known is None else known


def _unreached(kind: str, status: str) -> frozenset[str]:
    if kind == "runs":
        return frozenset() if status in TERMINAL_RUN_STATUSES else frozenset({"finished_at"})
    return frozenset(
        name
        for name, statuses in (
            ("started_at", STARTED_STEP_STATUSES),
            ("completed_at", FINISHED_STEP_STATUSES),
        )
        if status not in statuses
    )


_UNREACHED: dict[str, dict[str, frozenset[str]]] = {
    "runs": {status: _unreached("runs", status) for status in get_args(RunStatusName)},
    "steps": {status: _unreached("steps", status) for status in get_args(StepStatusName)},
}


def times_of(snapshot: Snapshot) -> Iterator[tuple[str, int, str, datetime]]:
    """(document key, index, field, time) of every time the snapshot holds."""
    for attribute, names in TIME_FIELDS.items():
        key = {"steps": "plan_steps", "agents": "telnyx_agents"}.get(attribute, attribute)
        for index, item in enumerate(getattr(snapshot, attribute)):
            for name in names:
                moment = getattr(item, name)
                if moment is not None:
                    yield key, index, name, moment
    yield from _attachment_times(snapshot)


def _attachment_times(snapshot: Snapshot) -> Iterator[tuple[str, int, str, datetime]]:
    counts: dict[str, int] = {}
    for (kind, _, _), item in snapshot.attachments:
        plural = kind.replace("-", "_")
        index = counts[plural] = counts.get(plural, -1) + 1
        for name in ("created_at", "updated_at"):
            moment = _as_time(item.get(name))
            if moment is not None:
                yield plural, index, name, moment


def _as_time(value: object) -> datetime | None:
    """An attachment's time, when it is written as one with its offset (the fake writes ``Z``)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def latest_time(snapshot: Snapshot) -> datetime | None:
    """The latest time anywhere in the snapshot (what every later change must follow)."""
    # Field by field through C-level iteration: this runs over every item of a big document.
    latest = [
        max(filter(None, map(attrgetter(name), getattr(snapshot, attribute))), default=None)
        for attribute, names in TIME_FIELDS.items()
        for name in names
    ]
    latest.extend(moment for *_, moment in _attachment_times(snapshot))
    return max(filter(None, latest), default=None)
