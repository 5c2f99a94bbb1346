"""A snapshot of the store, and the tables a store restores from it (built once, then shared).

A ``Snapshot`` is plain data: tuples of frozen models, in insertion order, as state documents and
seeding make them. The first restore of a snapshot builds its :class:`LoadedTables` (every row
by key; each list's order sorted when first read) and keeps them on the snapshot; every later
restore of the same snapshot, i.e. every reset, only puts empty overlays over them.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from operator import attrgetter
from typing import Any, TypeVar

from .._api.models import Event, Mission, MissionRun, PlanStep, TelnyxAgent
from .clock import microseconds
from .overlay import Loaded, Order

_R = TypeVar("_R")
AttachmentKey = tuple[str, str, str]
"""(kind, mission_id, id): a knowledge base, MCP server or tool attached to a mission."""


@dataclass(frozen=True)
class AttachmentKind:
    """One kind of mission attachment: its URL segment, singular name and the name of its id."""

    kind: str  # "knowledge-bases"
    singular: str  # "knowledge_base"

    @property
    def id_name(self) -> str:
        return f"{self.singular}_id"

    @property
    def plural(self) -> str:
        return self.kind.replace("-", "_")


ATTACHMENT_KINDS: dict[str, AttachmentKind] = {
    kind.kind: kind
    for kind in (
        AttachmentKind("knowledge-bases", "knowledge_base"),
        AttachmentKind("mcp-servers", "mcp_server"),
        AttachmentKind("tools", "tool"),
    )
}


LISTED = "listed"
"""The order every table keeps: its list endpoints' order, or insertion order."""
RECENT = "recent"
"""Events newest first, for ``GET /ai/missions/events``."""


def _run_groups(_: str, run: MissionRun) -> Iterable[Hashable]:
    # (mission or None, status or None): list_runs and list_recent_runs, with or without status
    return ((None, None), (None, run.status), (run.mission_id, None), (run.mission_id, run.status))


def _event_groups(_: str, event: Event) -> Iterable[Hashable]:
    # (run, type, step, agent), None where list_events does not filter by it
    return (
        (event.run_id, kind, step, agent)
        for kind in (None, event.type)
        for step in {None, event.step_id}
        for agent in {None, event.agent_id}
    )


def _attachment_groups(key: AttachmentKey, _: Mapping[str, Any]) -> Iterable[Hashable]:
    kind, mission_id, item_id = key
    return (("listed", kind, mission_id), ("mission", mission_id), ("id", item_id))


MISSION_ORDERS: Mapping[str, Order[Mission]] = {LISTED: Order(lambda _key, _row: (None,))}
RUN_ORDERS: Mapping[str, Order[MissionRun]] = {
    # newest first
    LISTED: Order(
        _run_groups,
        lambda run: -microseconds(run.started_at),
        ("mission_id", "status", "started_at"),
    )
}
EVENT_ORDERS: Mapping[str, Order[Event]] = {
    # oldest first: the order things happened
    LISTED: Order(_event_groups, reads=("run_id", "type", "step_id", "agent_id")),
    RECENT: Order(
        lambda _, event: (None, event.type),
        lambda event: -microseconds(event.timestamp),
        ("type", "timestamp"),
    ),
}
STEP_ORDERS: Mapping[str, Order[PlanStep]] = {
    LISTED: Order(lambda key, _: key[:1], lambda step: step.sequence, ("sequence",))
}
AGENT_ORDERS: Mapping[str, Order[TelnyxAgent]] = {LISTED: Order(lambda key, _: key[:1])}
ATTACHMENT_ORDERS: Mapping[str, Order[Mapping[str, Any]]] = {LISTED: Order(_attachment_groups)}


@dataclass(frozen=True)
class Snapshot:
    """Immutable contents of a store."""

    missions: tuple[Mission, ...] = ()
    runs: tuple[MissionRun, ...] = ()
    events: tuple[Event, ...] = ()
    steps: tuple[PlanStep, ...] = ()
    agents: tuple[TelnyxAgent, ...] = ()
    attachments: tuple[tuple[AttachmentKey, Mapping[str, Any]], ...] = ()
    latest: datetime | None = None
    """The latest time the contents hold: the clock's readings come after it."""

    @cached_property
    def loaded(self) -> LoadedTables:
        """The tables a store restores from this snapshot, built on first use."""
        return LoadedTables(self)


class LoadedTables:
    """Every kind of resource of one snapshot as a :class:`Loaded` table."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.missions = Loaded(_keyed(snapshot.missions, "mission_id"), MISSION_ORDERS)
        self.runs = Loaded(_keyed(snapshot.runs, "run_id"), RUN_ORDERS)
        self.events = Loaded(_keyed(snapshot.events, "event_id"), EVENT_ORDERS)
        self.steps = Loaded(_keyed(snapshot.steps, "run_id", "step_id"), STEP_ORDERS)
        self.agents = Loaded(_keyed(snapshot.agents, "run_id", "telnyx_agent_id"), AGENT_ORDERS)
        self.attachments = Loaded(snapshot.attachments, ATTACHMENT_ORDERS)


def _keyed(rows: tuple[_R, ...], *names: str) -> Iterable[tuple[Any, _R]]:
    """(key, row) for each row, its key the attribute named (or a tuple of those named), made
    in C: this runs over every row of a loaded document."""
    return zip(map(attrgetter(*names), rows), rows, strict=True)
