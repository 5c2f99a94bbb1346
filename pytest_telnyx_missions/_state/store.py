"""The in-memory store: every resource by id, guarded by one lock shared with the journal.

Stored objects are frozen; a change replaces them. So a snapshot is a set of tuples, and
restoring one is a handful of dict builds, whatever happened in the test before.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections import deque
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any

from .._api.models import (
    FINISHED_STEP_STATUSES,
    TERMINAL_RUN_STATUSES,
    Event,
    Mission,
    MissionRun,
    PlanStep,
    TelnyxAgent,
    canonical_id,
)
from .._config import FakeConfig

_ONE_MICROSECOND = timedelta(microseconds=1)
CLOCK_STEP = timedelta(seconds=1)
"""How far a fixed clock moves at every change."""
# The documented transitions ("cancel a running or paused run", "pause a running run", "resume a
# paused run"), enforced only with strict_transitions; the answer to a breach is the fake's guess.
_ACTIONS_FROM: dict[str, frozenset[str]] = {
    "cancel": frozenset({"running", "paused"}),
    "pause": frozenset({"running"}),
    "resume": frozenset({"paused"}),
}

AttachmentKey = tuple[str, str, str]
"""(kind, mission_id, id): a knowledge base, MCP server or tool attached to a mission."""


class NotFound(LookupError):
    """The request named a resource the store does not have (the API's 404)."""


class Conflict(Exception):
    """The store's state refuses the change (strict transitions; the API's 409 is a guess)."""


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


@dataclass(frozen=True)
class Snapshot:
    """Immutable contents of a store."""

    missions: tuple[Mission, ...] = ()
    runs: tuple[MissionRun, ...] = ()
    events: tuple[Event, ...] = ()
    steps: tuple[PlanStep, ...] = ()
    agents: tuple[TelnyxAgent, ...] = ()
    attachments: tuple[tuple[AttachmentKey, Mapping[str, Any]], ...] = ()


class Clock:
    """The store's time: real UTC time, or a fixed start that every reading ticks by a second.

    Either way each reading is strictly later than the one before, so every change moves it,
    and :meth:`advance` moves it on by hand.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._start = start
        self._offset = timedelta(0)
        self._last = datetime.min.replace(tzinfo=timezone.utc)

    def now(self) -> datetime:
        if self._start is None:
            candidate = datetime.now(timezone.utc) + self._offset
            self._last = max(candidate, self._last + _ONE_MICROSECOND)
        else:
            first = self._last == datetime.min.replace(tzinfo=timezone.utc)
            self._last = self._start + self._offset if first else self._last + CLOCK_STEP
        return self._last

    def advance(self, by: timedelta) -> None:
        if by < timedelta(0):
            raise ValueError(f"the clock only moves forward (got {by})")
        self._offset += by
        if self._start is not None and self._last != datetime.min.replace(tzinfo=timezone.utc):
            self._last += by


class IdMaker:
    """UUIDs from a seed and a counter: the same test makes the same ids on every run.

    Pinned ids come first: a live run's fake mints the ids the real API answered, a replay the
    ids of its recording.
    """

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._count = 0
        self.pinned: deque[str] = deque()

    def new(self, taken: Container[str] = ()) -> str:
        while self.pinned:
            made = self.pinned.popleft()
            if made not in taken:
                return made
        while True:
            self._count += 1
            digest = hashlib.blake2b(f"{self._seed}:{self._count}".encode(), digest_size=16)
            made = str(uuid.UUID(bytes=digest.digest(), version=4))
            if made not in taken:
                return made


class Store:
    """Missions, runs, events, plan steps, linked agents and mission attachments.

    Every change of its dicts happens here. With ``auto_create``, a lookup that misses creates
    what it looked for (the ids of a request it did not know); :meth:`take_auto_created` tells
    the pipeline which, for the journal.
    """

    def __init__(self, lock: threading.RLock) -> None:
        self.lock = lock
        self.missions: dict[str, Mission] = {}
        self.runs: dict[str, MissionRun] = {}
        self.events: dict[str, Event] = {}
        self.steps: dict[tuple[str, str], PlanStep] = {}
        self.agents: dict[tuple[str, str], TelnyxAgent] = {}
        self.attachments: dict[AttachmentKey, Mapping[str, Any]] = {}
        self.strict_transitions = False
        self.auto_create = False
        self.clock = Clock()
        self.ids = IdMaker(0)
        self._auto_created: list[str] = []

    def restore(
        self,
        snapshot: Snapshot,
        config: FakeConfig,
    ) -> None:
        """Hold ``snapshot``'s data, with ``config``'s seed, clock and switches."""
        with self.lock:
            self.missions = {m.mission_id: m for m in snapshot.missions}
            self.runs = {r.run_id: r for r in snapshot.runs}
            self.events = {e.event_id: e for e in snapshot.events}
            self.steps = {(s.run_id, s.step_id): s for s in snapshot.steps}
            self.agents = {(a.run_id, a.telnyx_agent_id): a for a in snapshot.agents}
            self.attachments = dict(snapshot.attachments)
            self.ids = IdMaker(config.seed)
            self.clock = Clock(config.clock)
            self.strict_transitions = config.strict_transitions
            self.auto_create = config.auto_create
            self._auto_created = []

    def snapshot(self) -> Snapshot:
        with self.lock:
            return Snapshot(
                missions=tuple(self.missions.values()),
                runs=tuple(self.runs.values()),
                events=tuple(self.events.values()),
                steps=tuple(self.steps.values()),
                agents=tuple(self.agents.values()),
                attachments=tuple(self.attachments.items()),
            )

    def run_ids(self) -> list[str]:
        """Every run's id, in the order the runs were stored."""
        with self.lock:
            return list(self.runs)

    def run_statuses(self) -> dict[str, str]:
        """Each run's status now, cheaply (no copies)."""
        with self.lock:
            return {run_id: run.status for run_id, run in self.runs.items()}

    def existing_run(self, run_id: str) -> MissionRun:
        """The run with this id (in any case); ``LookupError`` naming the known runs if none."""
        with self.lock:
            run = self.runs.get(canonical_id(str(run_id)))
            if run is None:
                known = ", ".join(self.runs) or "none"
                raise LookupError(f"The fake has no run {run_id!r}. Known runs: {known}.")
            return run

    def now(self) -> datetime:
        """The store's time, strictly later than any earlier answer, so every change moves it."""
        with self.lock:
            return self.clock.now()

    def new_id(self) -> str:
        with self.lock:
            return self.ids.new(_AllIds(self))

    def pin_ids(self, ids: Iterable[str]) -> None:
        """Mint these ids first, in order (one already taken is skipped), replacing any pinned
        before; ``()`` drops those left."""
        with self.lock:
            self.ids.pinned = deque(ids)

    def take_auto_created(self) -> list[str]:
        """What lookups created since the last call (``"run <id>"``), and forget it."""
        with self.lock:
            made, self._auto_created = self._auto_created, []
            return made

    def _made_on_demand(self, what: str) -> bool:
        """True when a missing ``what`` is to be created (``auto_create``), noting it."""
        if self.auto_create:
            self._auto_created.append(what)
        return self.auto_create

    # -- lookups: a miss is the Telnyx 404, or with auto_create a new resource ----------------
    def mission(self, mission_id: str) -> Mission:
        with self.lock:
            found = self.missions.get(mission_id)
            if found is None:
                if not self._made_on_demand(f"mission {mission_id}"):
                    raise NotFound(f"Mission {mission_id} not found.")
                found = self.put_mission(_placeholder_mission(mission_id, self.now()))
            return found

    def run(self, mission_id: str, run_id: str) -> MissionRun:
        with self.lock:
            mission = self.mission(mission_id)
            found = self.runs.get(run_id)
            if found is None and self._made_on_demand(f"run {run_id}"):
                now = self.now()
                found = self.put_run(
                    MissionRun(
                        run_id=run_id,
                        mission_id=mission.mission_id,
                        status="running",
                        input={},
                        started_at=now,
                        updated_at=now,
                    )
                )
            if found is None or found.mission_id != mission_id:
                raise NotFound(f"Run {run_id} not found in mission {mission_id}.")
            return found

    def event(self, run: MissionRun, event_id: str) -> Event:
        with self.lock:
            found = self.events.get(event_id)
            if found is None and self._made_on_demand(f"event {event_id}"):
                found = self.put_event(
                    Event(
                        event_id=event_id,
                        run_id=run.run_id,
                        type="custom",
                        summary="Made by the fake for a request that named it (auto_create)",
                        timestamp=self.now(),
                    )
                )
            if found is None or found.run_id != run.run_id:
                raise NotFound(f"Event {event_id} not found in run {run.run_id}.")
            return found

    def step(self, run: MissionRun, step_id: str) -> PlanStep:
        with self.lock:
            found = self.steps.get((run.run_id, step_id))
            if found is None:
                if not self._made_on_demand(f"plan step {step_id}"):
                    raise NotFound(f"Step {step_id} not found in run {run.run_id}.")
                sequence = max((s.sequence for s in self.plan_of(run.run_id)), default=0) + 1
                found = self.put_step(
                    PlanStep(
                        step_id=step_id,
                        run_id=run.run_id,
                        sequence=sequence,
                        description="Made by the fake for a request that named it (auto_create)",
                    )
                )
            return found

    def agent(self, run: MissionRun, telnyx_agent_id: str) -> TelnyxAgent:
        with self.lock:
            found = self.agents.get((run.run_id, telnyx_agent_id))
            if found is None:
                if not self._made_on_demand(f"telnyx agent {telnyx_agent_id}"):
                    raise NotFound(
                        f"Telnyx agent {telnyx_agent_id} is not linked to run {run.run_id}."
                    )
                found = self.link_agent(run, telnyx_agent_id)
            return found

    def attachment(self, key: AttachmentKey) -> Mapping[str, Any]:
        with self.lock:
            found = self.attachments.get(key)
            if found is None:
                kind, mission_id, item_id = key
                if not self._made_on_demand(f"{ATTACHMENT_KINDS[kind].singular} {item_id}"):
                    raise NotFound(f"{kind} {item_id} not found in mission {mission_id}.")
                now = json_time(self.now())
                found = self.put_attachment(
                    key,
                    {
                        ATTACHMENT_KINDS[kind].id_name: item_id,
                        "mission_id": mission_id,
                        "name": f"Auto-created {ATTACHMENT_KINDS[kind].singular.replace('_', ' ')}",
                        "created_at": now,
                        "updated_at": now,
                    },
                )
            return found

    # -- changes ------------------------------------------------------------------------------
    def put_mission(self, mission: Mission) -> Mission:
        with self.lock:
            self.missions[mission.mission_id] = mission
        return mission

    def put_run(self, run: MissionRun) -> MissionRun:
        with self.lock:
            self.runs[run.run_id] = run
        return run

    def put_event(self, event: Event) -> Event:
        with self.lock:
            self.events[event.event_id] = event
        return event

    def put_step(self, step: PlanStep) -> PlanStep:
        with self.lock:
            self.steps[(step.run_id, step.step_id)] = step
        return step

    def replace_plan(self, run: MissionRun, steps: Iterable[PlanStep]) -> list[PlanStep]:
        with self.lock:
            self.steps = {k: v for k, v in self.steps.items() if k[0] != run.run_id}
            return [self.put_step(step) for step in steps]

    def link_agent(self, run: MissionRun, telnyx_agent_id: str) -> TelnyxAgent:
        """Link an agent; linking twice is harmless: the first link stands."""
        with self.lock:
            key = (run.run_id, telnyx_agent_id)
            linked = self.agents.get(key)
            if linked is None:
                linked = self.agents[key] = TelnyxAgent(
                    run_id=run.run_id, telnyx_agent_id=telnyx_agent_id, created_at=self.now()
                )
            return linked

    def unlink_agent(self, run: MissionRun, telnyx_agent_id: str) -> None:
        with self.lock:
            self.agent(run, telnyx_agent_id)
            del self.agents[(run.run_id, telnyx_agent_id)]

    def put_attachment(self, key: AttachmentKey, item: Mapping[str, Any]) -> Mapping[str, Any]:
        with self.lock:
            self.attachments[key] = stored = MappingProxyType(dict(item))
        return stored

    def delete_attachment(self, key: AttachmentKey) -> None:
        with self.lock:
            self.attachment(key)
            del self.attachments[key]

    def update_run(
        self, run: MissionRun, changes: dict[str, Any], *, action: str | None = None
    ) -> MissionRun:
        """Apply a partial update with the README's semantics (status null: unchanged).

        ``action`` names the endpoint that asked (``cancel``, ``pause``, ``resume``), for the
        strict transition rules.
        """
        self._check_transition(run, changes.get("status"), action)
        now = self.now()
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
        return self.put_run(run.model_copy(update=new))

    def _check_transition(self, run: MissionRun, status: str | None, action: str | None) -> None:
        if not self.strict_transitions or status is None:
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

    def update_step(self, step: PlanStep, changes: dict[str, Any]) -> PlanStep:
        """Partial update; ``started_at`` / ``completed_at`` follow the status (README)."""
        now = self.now()
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
        return self.put_step(step.model_copy(update=new))

    def delete_mission(self, mission_id: str) -> None:
        """Remove a mission and everything under it."""
        with self.lock:
            self.mission(mission_id)
            del self.missions[mission_id]
            gone = {run_id for run_id, run in self.runs.items() if run.mission_id == mission_id}
            self.runs = {k: v for k, v in self.runs.items() if k not in gone}
            self.events = {k: v for k, v in self.events.items() if v.run_id not in gone}
            self.steps = {k: v for k, v in self.steps.items() if k[0] not in gone}
            self.agents = {k: v for k, v in self.agents.items() if k[0] not in gone}
            self.attachments = {k: v for k, v in self.attachments.items() if k[1] != mission_id}

    # -- queries ------------------------------------------------------------------------------
    def runs_of(self, mission_ids: Iterable[str] | None = None) -> list[MissionRun]:
        with self.lock:
            if mission_ids is None:
                return list(self.runs.values())
            wanted = set(mission_ids)
            return [r for r in self.runs.values() if r.mission_id in wanted]

    def events_of(self, run_id: str | None = None) -> list[Event]:
        with self.lock:
            return [e for e in self.events.values() if run_id is None or e.run_id == run_id]

    def plan_of(self, run_id: str) -> list[PlanStep]:
        with self.lock:
            steps = [s for (owner, _), s in self.steps.items() if owner == run_id]
        return sorted(steps, key=lambda s: s.sequence)

    def agents_of(self, run_id: str) -> list[TelnyxAgent]:
        with self.lock:
            return [a for (owner, _), a in self.agents.items() if owner == run_id]

    def attachments_of(self, kind: str, mission_id: str) -> list[Mapping[str, Any]]:
        with self.lock:
            return [v for (k, m, _), v in self.attachments.items() if (k, m) == (kind, mission_id)]


class _AllIds(Container[str]):
    """Every id in a store, for the id maker to step over (a made id never shadows one)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def __contains__(self, item: object) -> bool:
        store = self._store
        return (
            item in store.missions
            or item in store.runs
            or item in store.events
            or any(key[2] == item for key in store.attachments)
        )


def _placeholder_mission(mission_id: str, now: datetime) -> Mission:
    return Mission(
        mission_id=mission_id,
        name="Auto-created mission",
        description="Made by the fake for a request that named it (auto_create)",
        created_at=now,
        updated_at=now,
    )


def json_time(moment: datetime) -> str:
    """A time as the API writes it in JSON: ISO 8601 with ``Z``."""
    return moment.isoformat().replace("+00:00", "Z")
