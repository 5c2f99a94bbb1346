"""A store's tables: every kind of resource as a copy-on-write table, and the reads over them.

Each kind of resource is a :class:`~.overlay.Table` over the snapshot it was restored from, so
a restore (every reset) puts empty overlays over tables built once, whatever the size of the
state or what the test before did; and each list endpoint reads its page from an order the
table keeps sorted. Reads only: every change is :class:`~.store.Store`'s.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from .._api.models import Event, Mission, MissionRun, PlanStep, TelnyxAgent, canonical_id
from .overlay import Listing, Table
from .snapshot import LISTED, RECENT, AttachmentKey, Snapshot

__all__ = ["StoreTables"]


class StoreTables:
    """Missions, runs, events, plan steps, linked agents and attachments, read under ``lock``."""

    def __init__(self, lock: threading.RLock) -> None:
        self.lock = lock
        self._tables_from(Snapshot())

    def _tables_from(self, snapshot: Snapshot) -> None:
        loaded = snapshot.loaded
        self.missions: Table[str, Mission] = Table(loaded.missions)
        self.runs: Table[str, MissionRun] = Table(loaded.runs)
        self.events: Table[str, Event] = Table(loaded.events)
        self.steps: Table[tuple[str, str], PlanStep] = Table(loaded.steps)
        self.agents: Table[tuple[str, str], TelnyxAgent] = Table(loaded.agents)
        self.attachments: Table[AttachmentKey, Mapping[str, Any]] = Table(loaded.attachments)

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

    # -- queries: lists in the order their endpoints answer -------------------------------
    def runs_of(self) -> list[MissionRun]:
        """Every run, in the order it was stored (seeded, loaded, then added)."""
        with self.lock:
            return list(self.runs.values())

    def runs_listed(self, mission_id: str | None, status: str | None) -> Listing[MissionRun]:
        """The runs of a mission (or of all), newest first; only ``status`` ones if given."""
        return self.runs.listing(LISTED, (mission_id, status))

    def missions_listed(self) -> Listing[Mission]:
        return self.missions.listing(LISTED, None)

    def recent_events(self, kind: str | None) -> Listing[Event]:
        """Every run's events (only ``kind`` ones if given), newest first."""
        return self.events.listing(RECENT, kind)

    def events_listed(
        self,
        run_id: str,
        kind: str | None = None,
        step_id: str | None = None,
        agent_id: str | None = None,
    ) -> Listing[Event]:
        """A run's events in the order they were logged; a filter given keeps equal ones."""
        return self.events.listing(LISTED, (run_id, kind, step_id, agent_id))

    def events_of(self, run_id: str | None = None) -> list[Event]:
        with self.lock:
            if run_id is None:
                return list(self.events.values())
            return list(self.events_listed(run_id))

    def plan_of(self, run_id: str) -> list[PlanStep]:
        with self.lock:
            return list(self.steps.listing(LISTED, run_id))

    def agents_of(self, run_id: str) -> list[TelnyxAgent]:
        with self.lock:
            return list(self.agents.listing(LISTED, run_id))

    def attachments_of(self, kind: str, mission_id: str) -> list[Mapping[str, Any]]:
        with self.lock:
            return list(self.attachments.listing(LISTED, ("listed", kind, mission_id)))

    def attachment_id_taken(self, item_id: str) -> bool:
        return len(self.attachments.listing(LISTED, ("id", item_id))) > 0
