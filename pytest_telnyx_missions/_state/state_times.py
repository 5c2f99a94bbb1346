"""The times a state holds, which every reading of the clock must follow."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from datetime import datetime
from itertools import compress, groupby, repeat
from operator import attrgetter, is_, itemgetter
from typing import Any, get_args

from .._api.models import (
    FINISHED_STEP_STATUSES,
    TERMINAL_RUN_STATUSES,
    RunStatusName,
    StepStatusName,
)
from .snapshot import Snapshot

__all__ = [
    "DOCUMENT_KEYS",
    "TIME_FIELDS",
    "fill_left_out",
    "latest_time",
    "times_of",
    "unreached_times",
]

TIME_FIELDS: dict[str, tuple[str, ...]] = {
    "missions": ("created_at", "updated_at"),
    "runs": ("started_at", "finished_at", "updated_at"),
    "events": ("timestamp",),
    "steps": ("started_at", "completed_at"),
    "agents": ("created_at",),
}
DOCUMENT_KEYS: dict[str, str] = {
    "missions": "missions",
    "runs": "runs",
    "events": "events",
    "steps": "plan_steps",
    "agents": "telnyx_agents",
}
"""Each kind of :data:`TIME_FIELDS` by its key in a state document."""
STARTED_STEP_STATUSES = frozenset({"in_progress", "completed", "failed"})
"""A step in these has started (a skipped one never did, though it is finished)."""


def unreached_times(kind: str, status: str) -> frozenset[str]:
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
_NULLABLE = {kind: frozenset().union(*by_status.values()) for kind, by_status in _UNREACHED.items()}
"""Each kind's times that may be null: those some status never reaches."""


def fill_left_out(
    kind: str, items: Sequence[dict[str, Any]], gave: Sequence[AbstractSet[str]], filled: datetime
) -> None:
    """Fill the times of :data:`TIME_FIELDS` ``[kind]`` that ``items`` left out (those not among
    the fields ``gave`` says each gave): None for those an item's status says it never reached
    (a run not finished), else the latest time the item gives, or ``filled`` if it gives none.

    A group at a time, each a column at a time in C: the items that gave the same fields, and
    the same of them as null, are filled alike (a document's items, many or few, fall in a few
    such groups, most often one)."""
    if not items:
        return
    nullable = [name for name in TIME_FIELDS[kind] if name in _NULLABLE.get(kind, ())]
    if gave.count(gave[0]) == len(gave):  # one group, unless some give as null what others give
        nullable = [name for name in nullable if name in gave[0]]
        if not nullable:
            _fill_alike(kind, items, gave[0], set(), filled)
            return
    nulls = [list(map(is_, map(itemgetter(name), items), repeat(None))) for name in nullable]
    shapes = list(zip(map(id, gave), *nulls, strict=True))
    if shapes.count(shapes[0]) == len(shapes):
        _fill_alike(kind, items, gave[0], set(compress(nullable, shapes[0][1:])), filled)
        return
    order = sorted(range(len(items)), key=shapes.__getitem__)
    for (_, *null), places in groupby(order, shapes.__getitem__):
        at = list(places)
        group = list(map(items.__getitem__, at))
        _fill_alike(kind, group, gave[at[0]], set(compress(nullable, null)), filled)


def _fill_alike(
    kind: str,
    items: Sequence[dict[str, Any]],
    gave: AbstractSet[str],
    null: AbstractSet[str],
    filled: datetime,
) -> None:
    """:func:`fill_left_out` for items that all gave the fields ``gave``, those of ``null`` as
    null."""
    names = TIME_FIELDS[kind]
    missing = [name for name in names if name not in gave]
    if not missing:
        return
    given = [list(map(itemgetter(n), items)) for n in names if n in gave and n not in null]
    latest = list(map(max, *given)) if len(given) > 1 else given[0] if given else None
    statuses = list(map(itemgetter("status"), items)) if kind in _UNREACHED else []
    distinct = set(statuses)
    for name in missing:
        values = repeat(filled) if latest is None else latest
        deque(map(dict.__setitem__, items, repeat(name), values), 0)
        never = {status for status in distinct if name in unreached_times(kind, status)}
        if never:
            unreached = compress(items, map(never.__contains__, statuses))
            deque(map(dict.__setitem__, unreached, repeat(name), repeat(None)), 0)


def times_of(snapshot: Snapshot) -> Iterator[tuple[str, int, str, datetime]]:
    """(document key, index, field, time) of every time the snapshot holds."""
    for attribute, names in TIME_FIELDS.items():
        key = DOCUMENT_KEYS[attribute]
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
