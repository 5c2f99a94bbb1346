"""The in-memory store: every resource by id, guarded by one lock shared with the journal.

Stored objects are frozen; a change replaces them. So a snapshot is a set of tuples, and
restoring one is a handful of dict builds, whatever happened in the test before.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any

from ._errors import NO_RETRY, telnyx_error
from ._models import (
    FINISHED_STEP_STATUSES,
    TERMINAL_RUN_STATUSES,
    Event,
    Mission,
    MissionRun,
    PlanStep,
    TelnyxAgent,
)

_ONE_MICROSECOND = timedelta(microseconds=1)
# The documented transitions ("cancel a running or paused run", "pause a running run", "resume a
# paused run"), enforced only with strict_transitions; the answer to a breach is the fake's guess.
_ACTIONS_FROM: dict[str, frozenset[str]] = {
    "cancel": frozenset({"running", "paused"}),
    "pause": frozenset({"running"}),
    "resume": frozenset({"paused"}),
}

AttachmentKey = tuple[str, str, str]
"""(kind, mission_id, id): a knowledge base, MCP server or tool attached to a mission."""


@dataclass(frozen=True)
class Snapshot:
    """Immutable contents of a store."""

    missions: tuple[Mission, ...] = ()
    runs: tuple[MissionRun, ...] = ()
    events: tuple[Event, ...] = ()
    steps: tuple[PlanStep, ...] = ()


class Store:
    """Missions, runs, events, plan steps, linked agents and mission attachments."""

    def __init__(self, lock: threading.RLock) -> None:
        self.lock = lock
        self.missions: dict[str, Mission] = {}
        self.runs: dict[str, MissionRun] = {}
        self.events: dict[str, Event] = {}
        self.steps: dict[tuple[str, str], PlanStep] = {}
        self.agents: dict[tuple[str, str], TelnyxAgent] = {}
        self.attachments: dict[AttachmentKey, MappingProxyType[str, Any]] = {}
        self.strict_transitions = False
        self._last_tick = datetime.min.replace(tzinfo=timezone.utc)

    def restore(self, snapshot: Snapshot) -> None:
        with self.lock:
            self.missions = {m.mission_id: m for m in snapshot.missions}
            self.runs = {r.run_id: r for r in snapshot.runs}
            self.events = {e.event_id: e for e in snapshot.events}
            self.steps = {(s.run_id, s.step_id): s for s in snapshot.steps}
            self.agents = {}
            self.attachments = {}

    def now(self) -> datetime:
        """The UTC time, strictly later than any earlier answer, so every change moves it."""
        with self.lock:
            now = datetime.now(timezone.utc)
            self._last_tick = max(now, self._last_tick + _ONE_MICROSECOND)
            return self._last_tick

    # -- lookups: a miss is the Telnyx 404 ---------------------------------------------------
    def mission(self, mission_id: str) -> Mission:
        try:
            return self.missions[mission_id]
        except KeyError:
            raise telnyx_error(404, f"Mission {mission_id} not found.") from None

    def run(self, mission_id: str, run_id: str) -> MissionRun:
        self.mission(mission_id)
        found = self.runs.get(run_id)
        if found is None or found.mission_id != mission_id:
            raise telnyx_error(404, f"Run {run_id} not found in mission {mission_id}.")
        return found

    def event(self, run: MissionRun, event_id: str) -> Event:
        found = self.events.get(event_id)
        if found is None or found.run_id != run.run_id:
            raise telnyx_error(404, f"Event {event_id} not found in run {run.run_id}.")
        return found

    def step(self, run: MissionRun, step_id: str) -> PlanStep:
        try:
            return self.steps[(run.run_id, step_id)]
        except KeyError:
            raise telnyx_error(404, f"Step {step_id} not found in run {run.run_id}.") from None

    def attachment(self, key: AttachmentKey) -> MappingProxyType[str, Any]:
        try:
            return self.attachments[key]
        except KeyError:
            kind, mission_id, item_id = key
            raise telnyx_error(
                404, f"{kind} {item_id} not found in mission {mission_id}."
            ) from None

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
                raise telnyx_error(
                    409,
                    f"Cannot {action} run {run.run_id}: it is {run.status}, and {action} needs "
                    f"{' or '.join(sorted(allowed))} (strict transitions).",
                    headers=NO_RETRY,
                )
        elif run.status in TERMINAL_RUN_STATUSES and status != run.status:
            raise telnyx_error(
                409,
                f"Run {run.run_id} is {run.status}, a final status: it cannot become {status} "
                "(strict transitions).",
                headers=NO_RETRY,
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
