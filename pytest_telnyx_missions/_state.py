"""The in-memory store: missions and runs, guarded by one lock shared with the journal."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from ._errors import telnyx_error
from ._models import TERMINAL_RUN_STATUSES, Mission, MissionRun

_ONE_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class Snapshot:
    """Immutable contents of a store; restoring one is a couple of dict copies."""

    missions: tuple[Mission, ...] = ()
    runs: tuple[MissionRun, ...] = ()


class Store:
    """Missions and runs by id. Stored objects are frozen; a change replaces them."""

    def __init__(self, lock: threading.RLock) -> None:
        self.lock = lock
        self.missions: dict[str, Mission] = {}
        self.runs: dict[str, MissionRun] = {}
        self._last_tick = datetime.min.replace(tzinfo=timezone.utc)

    def restore(self, snapshot: Snapshot) -> None:
        with self.lock:
            self.missions = {m.mission_id: m for m in snapshot.missions}
            self.runs = {r.run_id: r for r in snapshot.runs}

    def now(self) -> datetime:
        """The UTC time, strictly later than any earlier answer, so every change moves it."""
        with self.lock:
            now = datetime.now(timezone.utc)
            self._last_tick = max(now, self._last_tick + _ONE_MICROSECOND)
            return self._last_tick

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

    def put_mission(self, mission: Mission) -> Mission:
        with self.lock:
            self.missions[mission.mission_id] = mission
        return mission

    def put_run(self, run: MissionRun) -> MissionRun:
        with self.lock:
            self.runs[run.run_id] = run
        return run

    def update_run(self, run: MissionRun, changes: dict[str, Any]) -> MissionRun:
        """Apply a partial update with the README's semantics (status null: unchanged)."""
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

    def runs_of(self, mission_ids: Iterable[str] | None = None) -> list[MissionRun]:
        with self.lock:
            if mission_ids is None:
                return list(self.runs.values())
            wanted = set(mission_ids)
            return [r for r in self.runs.values() if r.mission_id in wanted]
