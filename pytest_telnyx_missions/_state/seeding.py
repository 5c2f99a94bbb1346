"""Deterministic, realistic seed data made by faker from a seed.

Timestamps are drawn from a fixed window in the past (not from "now"), so the same seed gives the
same data in every test and on every day.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

from faker import Faker
from pydantic import BaseModel

from .._api.models import (
    TERMINAL_RUN_STATUSES,
    Event,
    Mission,
    MissionRun,
    PlanStep,
    RunStatusName,
    StepStatusName,
)
from .cache import Lru
from .documents import construct
from .snapshot import Snapshot
from .state_times import TIME_FIELDS, latest_time, unreached_times

_M = TypeVar("_M", bound=BaseModel)

_WINDOW_START = datetime(2025, 1, 1, tzinfo=timezone.utc)
_WINDOW_END = datetime(2025, 12, 31, tzinfo=timezone.utc)
# The first run is "running" so that the most common test (report progress, then finish) works on
# runs[0]; the rest cycle through every status.
_STATUS_CYCLE: tuple[RunStatusName, ...] = (
    "running",
    "pending",
    "succeeded",
    "failed",
    "paused",
    "running",
    "cancelled",
)
_TASKS = (
    "Reconcile last month's invoices",
    "Call back customers with open tickets",
    "Summarise the support inbox",
    "Book follow-up appointments",
    "Verify phone numbers for the new campaign",
    "Draft replies to billing questions",
)
_MODELS = ("openai/gpt-4o", "anthropic/claude-sonnet-4", "meta-llama/Llama-3.3-70B-Instruct")


SEEDED_SNAPSHOTS_KEPT = 16
"""Seeded snapshots cached (LRU): a suite usually resets to one or two; a test seeded per node
id builds its own again after 16 others (a few milliseconds)."""


class Seeder:
    """Builds and caches snapshots; safe when several threads reset at once.

    Each build gets a faker of its own (about a millisecond to make), so two builds never draw
    from one generator, and the cache is filled under a lock, so a snapshot is built once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: Lru[tuple[int, int, int], Snapshot] = Lru(SEEDED_SNAPSHOTS_KEPT)
        # (seed, runs, missions, days moved back) -> the seeded data before a fixed clock
        self._shifted: Lru[tuple[int, int, int, int], Snapshot] = Lru(SEEDED_SNAPSHOTS_KEPT)

    def snapshot(
        self, *, seed: int, runs: int, missions: int, clock: datetime | None = None
    ) -> Snapshot:
        """The seeded data; with a fixed ``clock``, moved back by whole days to lie before it."""
        seeded = self._seeded(seed=seed, runs=runs, missions=missions)
        if clock is None or seeded.latest is None or seeded.latest < clock:
            return seeded
        days = (seeded.latest - clock).days + 1
        key = (seed, runs, missions, days)
        with self._lock:
            cached = self._shifted.get(key)
            if cached is None:
                cached = _moved_back(seeded, timedelta(days=days))
                self._shifted.put(key, cached)
        return cached

    def _seeded(self, *, seed: int, runs: int, missions: int) -> Snapshot:
        if runs < 0 or missions < 0:
            raise ValueError(f"runs and missions cannot be negative (got {runs=}, {missions=})")
        key = (seed, runs, missions)
        with self._lock:
            cached = self._cache.get(key)
            if cached is None:
                faker = Faker()
                faker.seed_instance(seed)
                cached = _build(faker, runs=runs, missions=missions)
                self._cache.put(key, cached)
        return cached


def _build(fake: Faker, *, runs: int, missions: int) -> Snapshot:
    made_missions = tuple(make_mission(fake) for _ in range(max(missions, 1 if runs else 0)))
    made_runs = tuple(
        make_run(fake, made_missions[i % len(made_missions)], _STATUS_CYCLE[i % len(_STATUS_CYCLE)])
        for i in range(runs)
    )
    # Plans and events come after every run, so adding them left the runs of a seed unchanged.
    steps = tuple(step for run in made_runs for step in _plan(fake, run))
    events = tuple(event for run in made_runs for event in _events(fake, run))
    made = Snapshot(missions=made_missions, runs=made_runs, events=events, steps=steps)
    return replace(made, latest=latest_time(made))


def _moved_back(snapshot: Snapshot, by: timedelta) -> Snapshot:
    """The same data, every time ``by`` earlier."""

    def moved(items: tuple[_M, ...], names: tuple[str, ...]) -> tuple[_M, ...]:
        made = []
        for item in items:
            values = dict(item.__dict__)
            for name in names:
                if values[name] is not None:
                    values[name] -= by
            made.append(construct(type(item), values, set(item.__pydantic_fields_set__)))
        return tuple(made)

    return replace(
        snapshot,
        missions=moved(snapshot.missions, TIME_FIELDS["missions"]),
        runs=moved(snapshot.runs, TIME_FIELDS["runs"]),
        events=moved(snapshot.events, TIME_FIELDS["events"]),
        steps=moved(snapshot.steps, TIME_FIELDS["steps"]),
        agents=moved(snapshot.agents, TIME_FIELDS["agents"]),
        latest=None if snapshot.latest is None else snapshot.latest - by,
    )


def _moment(fake: Faker, start: datetime = _WINDOW_START) -> datetime:
    return fake.date_time_between(start_date=start, end_date=_WINDOW_END, tzinfo=timezone.utc)


def make_mission(fake: Faker) -> Mission:
    created = _moment(fake)
    return Mission(
        mission_id=fake.uuid4(),
        name=f"{fake.catch_phrase()} mission",
        execution_mode="external",
        created_at=created,
        updated_at=created,
        description=fake.sentence(nb_words=10),
        model=fake.random_element(_MODELS),
        instructions=fake.paragraph(nb_sentences=2),
        metadata={"team": fake.job(), "owner": fake.email()},
    )


def make_run(fake: Faker, mission: Mission, status: RunStatusName) -> MissionRun:
    started = _moment(fake, mission.created_at)
    finished = started + timedelta(minutes=fake.random_int(1, 240))
    terminal = "finished_at" not in unreached_times("runs", status)
    fields: dict[str, Any] = {}
    if status == "succeeded":
        fields["result_summary"] = fake.sentence(nb_words=8)
        fields["result_payload"] = {
            "records_processed": fake.random_int(1, 500),
            "report_url": fake.url(),
        }
    elif status == "failed":
        fields["result_summary"] = "Stopped after an unrecoverable error."
        fields["error"] = f"{fake.random_element(('Timeout', 'HTTP 502', 'Quota exceeded'))}: " + (
            fake.sentence(nb_words=6)
        )
    return MissionRun(
        run_id=fake.uuid4(),
        mission_id=mission.mission_id,
        status=status,
        input={
            "task": fake.random_element(_TASKS),
            "customer": fake.company(),
            "priority": fake.random_int(1, 5),
        },
        started_at=started,
        finished_at=finished if terminal else None,
        metadata={"agent": fake.user_name(), "attempt": 1},
        updated_at=finished if terminal else started + timedelta(seconds=fake.random_int(1, 600)),
        **fields,
    )


# How far a run's three-step plan got, by the run's status.
_STEPS_DONE: dict[str, tuple[StepStatusName, StepStatusName, StepStatusName]] = {
    "pending": ("pending", "pending", "pending"),
    "running": ("completed", "in_progress", "pending"),
    "paused": ("completed", "in_progress", "pending"),
    "succeeded": ("completed", "completed", "completed"),
    "failed": ("completed", "failed", "skipped"),
    "cancelled": ("completed", "skipped", "skipped"),
}
_STEP_NAMES = ("Gather the records", "Contact the customers", "Write the report")


def _plan(fake: Faker, run: MissionRun) -> list[PlanStep]:
    clock = run.started_at
    steps = []
    for sequence, (name, status) in enumerate(
        zip(_STEP_NAMES, _STEPS_DONE[run.status], strict=True), 1
    ):
        unreached = unreached_times("steps", status)
        started = clock
        clock += timedelta(seconds=fake.random_int(5, 300))
        steps.append(
            PlanStep(
                step_id=f"step-{sequence}",
                run_id=run.run_id,
                sequence=sequence,
                description=name,
                status=status,
                started_at=None if "started_at" in unreached else started,
                completed_at=None if "completed_at" in unreached else clock,
            )
        )
    return steps


def _events(fake: Faker, run: MissionRun) -> list[Event]:
    span = max((run.updated_at - run.started_at).total_seconds(), 1.0)
    summaries: list[tuple[str, str, str | None]] = [("status_change", "Run started", None)]
    if run.status != "pending":
        summaries.append(
            ("tool_call", f"Looked up {run.input and run.input.get('customer')}", "step-1")
        )
        summaries.append(("message", fake.sentence(nb_words=7), "step-2"))
    if run.status in TERMINAL_RUN_STATUSES:
        summaries.append(("status_change", f"Run {run.status}", None))
    return [
        Event(
            event_id=fake.uuid4(),
            run_id=run.run_id,
            type=kind,
            summary=summary,
            step_id=step_id,
            timestamp=run.started_at + timedelta(seconds=span * n / len(summaries)),
        )
        for n, (kind, summary, step_id) in enumerate(summaries)
    ]
