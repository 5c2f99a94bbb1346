"""The in-memory store: every resource by id, guarded by one lock shared with the journal.

Stored objects are frozen; a change replaces them. The tables and their reads are
:class:`~.tables.StoreTables`' (copy-on-write over a snapshot, so a restore costs the same at
any size); here are the lookups the API's 404s come from and every change.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Container, Iterable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from .._api.models import Event, Mission, MissionRun, PlanStep, TelnyxAgent
from .._config import FakeConfig
from .clock import Clock, IdMaker, json_time
from .rules import Conflict, check_transition, updated_run, updated_step
from .snapshot import ATTACHMENT_KINDS, LISTED, AttachmentKey, AttachmentKind, Snapshot
from .tables import StoreTables

__all__ = [
    "ATTACHMENT_KINDS",
    "AttachmentKey",
    "AttachmentKind",
    "Conflict",
    "NotFound",
    "Snapshot",
    "Store",
    "json_time",
]


class NotFound(LookupError):
    """The request named a resource the store does not have (the API's 404)."""


class Store(StoreTables):
    """Missions, runs, events, plan steps, linked agents and mission attachments.

    Every change of its tables happens here; elsewhere they are read-only mappings. With
    ``auto_create``, a lookup that misses creates what it looked for (the ids of a request it
    did not know); :meth:`take_auto_created` tells the pipeline which, for the journal.
    """

    def __init__(self, lock: threading.RLock) -> None:
        super().__init__(lock)
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
            self._tables_from(snapshot)
            self.ids = IdMaker(config.seed)
            self.clock = Clock(config.clock, after=snapshot.latest)
            self.strict_transitions = config.strict_transitions
            self.auto_create = config.auto_create
            self._auto_created = []

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
        """The mission with this id; on a miss, ``NotFound``, or with ``auto_create`` a
        placeholder made on the spot (the lookups below do the same for their resource)."""
        with self.lock:
            found = self.missions.get(mission_id)
            if found is None:
                if not self._made_on_demand(f"mission {mission_id}"):
                    raise NotFound(f"Mission {mission_id} not found.")
                found = self.put_mission(_placeholder_mission(mission_id, self.now()))
            return found

    def run(self, mission_id: str, run_id: str) -> MissionRun:
        with self.lock:
            mission = self.missions.get(mission_id)
            if mission is None:  # a 404, or a mission made on demand
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
            self.missions.put(mission.mission_id, mission)
        return mission

    def put_run(self, run: MissionRun) -> MissionRun:
        with self.lock:
            self.runs.put(run.run_id, run)
        return run

    def put_event(self, event: Event) -> Event:
        with self.lock:
            self.events.put(event.event_id, event)
        return event

    def put_step(self, step: PlanStep) -> PlanStep:
        with self.lock:
            self.steps.put((step.run_id, step.step_id), step)
        return step

    def replace_plan(self, run: MissionRun, steps: Iterable[PlanStep]) -> list[PlanStep]:
        with self.lock:
            for old in self.plan_of(run.run_id):
                self.steps.delete((old.run_id, old.step_id))
            self.now()  # every change ticks the clock, though a step records no creation time
            return [self.put_step(step) for step in steps]

    def add_steps(self, steps: Iterable[PlanStep]) -> list[PlanStep]:
        with self.lock:
            self.now()
            return [self.put_step(step) for step in steps]

    def link_agent(self, run: MissionRun, telnyx_agent_id: str) -> TelnyxAgent:
        """Link an agent; linking twice is harmless: the first link stands."""
        with self.lock:
            key = (run.run_id, telnyx_agent_id)
            linked = self.agents.get(key)
            if linked is None:
                linked = TelnyxAgent(
                    run_id=run.run_id, telnyx_agent_id=telnyx_agent_id, created_at=self.now()
                )
                self.agents.put(key, linked)
            return linked

    def unlink_agent(self, run: MissionRun, telnyx_agent_id: str) -> None:
        with self.lock:
            self.agent(run, telnyx_agent_id)
            self.agents.delete((run.run_id, telnyx_agent_id))
            self.now()

    def put_attachment(self, key: AttachmentKey, item: Mapping[str, Any]) -> Mapping[str, Any]:
        with self.lock:
            self.attachments.put(key, stored := MappingProxyType(dict(item)))
        return stored

    def delete_attachment(self, key: AttachmentKey) -> None:
        with self.lock:
            self.attachment(key)
            self.attachments.delete(key)
            self.now()

    def update_run(
        self, run: MissionRun, changes: dict[str, Any], *, action: str | None = None
    ) -> MissionRun:
        """Apply a partial update with the README's semantics (status null: unchanged).

        ``action`` names the endpoint that asked (``cancel``, ``pause``, ``resume``), for the
        strict transition rules.
        """
        with self.lock:
            if self.strict_transitions:
                check_transition(run, changes.get("status"), action)
            # What now() and put_run() do, the lock held already: a run is updated so often.
            updated = updated_run(run, changes, self.clock.now())
            self.runs.put(updated.run_id, updated)
            return updated

    def update_step(self, step: PlanStep, changes: dict[str, Any]) -> PlanStep:
        """Partial update; ``started_at`` / ``completed_at`` follow the status (README)."""
        with self.lock:
            return self.put_step(updated_step(step, changes, self.now()))

    def delete_mission(self, mission_id: str) -> None:
        """Remove a mission and everything under it."""
        with self.lock:
            self.mission(mission_id)
            self.missions.delete(mission_id)
            self.now()
            for run in self.runs.listing(LISTED, (mission_id, None)):
                self.runs.delete(run.run_id)
                for event in self.events_of(run.run_id):
                    self.events.delete(event.event_id)
                for step in self.plan_of(run.run_id):
                    self.steps.delete((step.run_id, step.step_id))
                for agent in self.agents_of(run.run_id):
                    self.agents.delete((agent.run_id, agent.telnyx_agent_id))
            for key in self.attachments.listing(LISTED, ("mission", mission_id)).row_keys():
                self.attachments.delete(key)


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
            or (isinstance(item, str) and store.attachment_id_taken(item))
        )


def _placeholder_mission(mission_id: str, now: datetime) -> Mission:
    return Mission(
        mission_id=mission_id,
        name="Auto-created mission",
        description="Made by the fake for a request that named it (auto_create)",
        created_at=now,
        updated_at=now,
    )
