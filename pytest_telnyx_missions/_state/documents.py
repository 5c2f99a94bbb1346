"""State documents: the whole store as JSON-ready lists, in the shapes the API answers with.

``dump`` turns a snapshot into a document in one serializer pass. ``load`` validates the whole
document in one pydantic pass (:mod:`.document_model`), then checks what needs the whole of it
(ids a path can carry, references, duplicates: :mod:`.document_loader`, in bulk; times before a
fixed clock) and fills the times an item left out. A bad document raises one ``ValueError``
naming every bad item and field (``runs[2].status: ...``), never twice for one mistake; nothing
is half-loaded.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError
from typing_extensions import TypedDict

from .._api.models import Event, Mission, MissionRun, PlanStep, TelnyxAgent
from .clock import json_time
from .document_loader import Loader, construct, validated
from .document_model import DOC_KEYS
from .snapshot import ATTACHMENT_KINDS, Snapshot
from .state_times import latest_time, times_of

__all__ = ["DOC_KEYS", "construct", "dump", "load"]

_MAX_PROBLEMS = 20


class _Dumped(TypedDict):
    missions: tuple[Mission, ...]
    runs: tuple[MissionRun, ...]
    events: tuple[Event, ...]
    plan_steps: tuple[PlanStep, ...]
    telnyx_agents: tuple[TelnyxAgent, ...]


_DUMP: TypeAdapter[_Dumped] = TypeAdapter(_Dumped)


def dump(snapshot: Snapshot) -> dict[str, list[dict[str, Any]]]:
    with _collector_paused():
        doc: dict[str, list[dict[str, Any]]] = _DUMP.dump_python(
            {
                "missions": snapshot.missions,
                "runs": snapshot.runs,
                "events": snapshot.events,
                "plan_steps": snapshot.steps,
                "telnyx_agents": snapshot.agents,
            },
            mode="json",
        )
    for kind in ATTACHMENT_KINDS.values():
        doc[kind.plural] = [dict(v) for (k, _, _), v in snapshot.attachments if k == kind.kind]
    return doc


def load(doc: object, *, clock: datetime | None = None) -> Snapshot:
    """The snapshot a document describes, or a ``ValueError`` naming every problem in it.

    ``clock`` is the fake's fixed clock, if it has one: every time in the document must lie
    before it, and a time left out is one tick before it (with real time: the moment of the
    load), or the latest time its item gives.
    """
    if not isinstance(doc, Mapping):
        raise ValueError(f"a state document is an object with the keys {', '.join(DOC_KEYS)}")
    with _collector_paused():
        try:
            loader = Loader(validated(doc), clock)
        except ValidationError as error:
            loader = Loader.of_valid_part(doc, error, clock)
        snapshot = _snapshot(loader, clock)
    if loader.problems:
        shown = loader.problems[:_MAX_PROBLEMS]
        more = len(loader.problems) - len(shown)
        tail = [f"... and {more} more"] if more else []
        raise ValueError("\n".join(["Invalid state document:", *shown, *tail]))
    return snapshot


def _snapshot(loader: Loader, clock: datetime | None) -> Snapshot:
    missions = loader.missions()
    runs = loader.runs(missions)
    snapshot = Snapshot(
        missions=tuple(missions.values()),
        runs=tuple(runs.values()),
        events=tuple(loader.events(runs).values()),
        steps=tuple(loader.steps(runs).values()),
        agents=tuple(loader.agents(runs).values()),
        attachments=tuple(loader.attachments(missions).items()),
    )
    latest = latest_time(snapshot)
    # Checked once the rest holds, when the snapshot's items are the document's, in order.
    if not loader.problems and clock is not None and latest and latest >= clock:
        loader.problems.extend(_after_the_clock(snapshot, clock, loader.where))
    snapshot = replace(snapshot, latest=latest)
    if not loader.problems:
        snapshot.loaded  # noqa: B018 -- the tables every restore reads, made with the rest
    return snapshot


def _after_the_clock(
    snapshot: Snapshot, clock: datetime, where: Callable[[str, int], str]
) -> Iterator[str]:
    for key, index, name, moment in times_of(snapshot):
        if moment >= clock:
            yield (
                f"{where(key, index)}.{name}: {json_time(moment)} is not before the fixed clock "
                f"{json_time(clock)} (a document is the state before the test's first change: "
                "move the clock on, or the time back)"
            )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No garbage collection while a document's many small objects are made: they hold no
    cycles, and collections triggered by their count alone would scan them again and again.

    Made, they go to the oldest generation at once (as two scans of the young ones would put
    them), moved there in one step by freezing and unfreezing everything the collector tracks;
    not when something is frozen already, which unfreezing would let go."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if was_enabled:
            gc.enable()
