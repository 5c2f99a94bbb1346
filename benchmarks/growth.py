"""How the fake's costs grow with the state: one table row per operation, one column per N.

Each column loads a state document of N runs (N / 100 missions, at least one; one event and
one plan step for every tenth run), then times, in-process (no socket: the state's cost, not
the network's): a reset after one change, GET of a run, PATCH of a run, the first and the last
page of 20 of ``GET /ai/missions/runs``, ``run_updates(run_id)`` with N requests in the journal,
``load_state`` and ``dump_state`` (whole, and per run: the document's time over its runs; the
goal of 5 µs per run at 50,000 runs is judged here, on the issue's own table and document, runs
with a few other items; the documents rows of ``run.py`` load a seeded document, seven items a
run, and give its time per item too). A number is the median over rounds; the ratio is to
N = 100.
"""

from __future__ import annotations

import functools
import gc
import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from pytest_telnyx_missions import FakeMissions, RecordedRequest

SIZES = (100, 1_000, 10_000, 50_000)
QUICK_SIZES = (10, 100)
START = datetime(2025, 3, 1, tzinfo=timezone.utc)
CLOCK = "2026-01-01T00:00:00Z"
PATCH_BODY = {"status": "running", "result_summary": "step 3 of 5"}


def _uuid(kind: int, n: int) -> str:
    return f"00000000-0000-4000-{8000 + kind:04x}-{n:012x}"


def _when(n: int) -> str:
    return (START + timedelta(seconds=n * 37)).isoformat().replace("+00:00", "Z")


def state_document(runs: int) -> dict[str, list[dict[str, Any]]]:
    """A valid state document with ``runs`` runs, made without faker (fast at any size)."""
    missions = max(1, runs // 100)
    statuses = ("running", "pending", "succeeded", "failed", "paused", "cancelled")
    return {
        "missions": [
            {"mission_id": _uuid(1, m), "name": f"M{m}", "created_at": _when(m)}
            | {"updated_at": _when(m)}
            for m in range(missions)
        ],
        "runs": [
            {
                "run_id": _uuid(2, n),
                "mission_id": _uuid(1, n % missions),
                "status": statuses[n % len(statuses)],
                "input": {"n": n},
                "started_at": _when(n),
                "updated_at": _when(n),
            }
            for n in range(runs)
        ],
        "events": [
            {"event_id": f"e{n}", "run_id": _uuid(2, n), "type": "custom", "summary": "s"}
            | {"timestamp": _when(n)}
            for n in range(0, runs, 10)
        ],
        "plan_steps": [
            {"step_id": "s1", "run_id": _uuid(2, n), "sequence": 1, "description": "d"}
            for n in range(0, runs, 10)
        ],
    }


def items_per_run(doc: dict[str, list[Any]]) -> float:
    return sum(map(len, doc.values())) / len(doc["runs"])


def document_costs_us(doc: dict[str, list[Any]], rounds: int) -> tuple[float, float]:
    """The median time of ``load_state(doc)`` into a new fake and of ``dump_state()`` after it,
    in µs, for the whole document.

    Each round loads a new document object into a new fake (a fake keeps the snapshots of the
    last few document objects it loaded, and would grow with the rounds), after collecting the
    round before's garbage, untimed; a collection the round's own objects set off is timed."""
    loads: list[float] = []
    dumps: list[float] = []
    for _ in range(rounds):
        fake = FakeMissions(runs=0, clock=CLOCK)
        copy = dict(doc)
        gc.collect()
        started = time.perf_counter()
        fake.load_state(copy)
        loads.append((time.perf_counter() - started) * 1e6)
        started = time.perf_counter()
        fake.dump_state()
        dumps.append((time.perf_counter() - started) * 1e6)
        del fake, copy
    return statistics.median(loads), statistics.median(dumps)


@dataclass
class Column:
    """One N's timings, in microseconds, by row name."""

    runs: int
    us: dict[str, float] = field(default_factory=dict)
    items_per_run: float = 0.0


def _median_us(action: Callable[[], object], calls: int, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(calls):
            action()
        times.append((time.perf_counter() - started) / calls * 1e6)
    return statistics.median(times)


def _reset_after_one_change_us(fake: FakeMissions, http: httpx.Client, path: str) -> float:
    """The reset alone, each after one PATCH (the PATCH is not timed)."""
    times = []
    for _ in range(51):
        http.patch(path, json=PATCH_BODY)
        started = time.perf_counter()
        fake.reset()
        times.append((time.perf_counter() - started) * 1e6)
    return statistics.median(times)


def _journal_query_us(fake: FakeMissions, runs: int, rounds: int) -> float:
    """``run_updates(run_id)`` with ``runs`` PATCHes recorded, one per run."""
    fake.reset()
    now = datetime.now(timezone.utc)
    for n in range(runs):
        run_id = _uuid(2, n)
        fake._journal.record(
            RecordedRequest(
                method="PATCH",
                path=f"/v2/ai/missions/m/runs/{run_id}",
                operation="update_run",
                path_params={"mission_id": "m", "run_id": run_id},
                query={},
                headers={},
                body=b"{}",
                json={"status": "running"},
                status_code=200,
                response=None,
                time=now,
            )
        )
    wanted = _uuid(2, runs // 2)
    return _median_us(lambda: fake.run_updates(wanted), 20, rounds)


def measure(runs: int, rounds: int) -> Column:
    doc = state_document(runs)
    column = Column(runs, items_per_run=items_per_run(doc))
    load_us, dump_us = document_costs_us(doc, 3 if runs >= 10_000 else rounds)
    column.us["load_state"], column.us["dump_state"] = load_us, dump_us
    column.us[LOAD_PER_RUN] = load_us / runs
    column.us[DUMP_PER_RUN] = dump_us / runs
    fake = FakeMissions(clock=CLOCK)
    fake.load_state(doc)
    run = doc["runs"][runs // 2]
    path = f"/ai/missions/{run['mission_id']}/runs/{run['run_id']}"
    last = math.ceil(runs / 20)
    with httpx.Client(
        transport=fake.httpx_transport(),
        base_url="http://fake.invalid/v2",
        headers={"authorization": "Bearer k"},
    ) as http:
        column.us["reset after one change"] = _reset_after_one_change_us(fake, http, path)
        column.us["GET a run"] = _median_us(lambda: http.get(path), 50, rounds)
        column.us["PATCH a run"] = _median_us(lambda: http.patch(path, json=PATCH_BODY), 50, rounds)
        fake.reset()
        for name, number in (("first", 1), ("last", last)):
            page = functools.partial(
                http.get, "/ai/missions/runs", params={"page[number]": number, "page[size]": 20}
            )
            column.us[f"list runs, {name} page of 20"] = _median_us(page, 20, rounds)
    column.us["journal query (N requests)"] = _journal_query_us(fake, runs, rounds)
    return column


LOAD_PER_RUN = "load_state per run"
DUMP_PER_RUN = "dump_state per run"
ROWS = (
    "reset after one change",
    "GET a run",
    "PATCH a run",
    "list runs, first page of 20",
    "list runs, last page of 20",
    "journal query (N requests)",
    "load_state",
    "dump_state",
    LOAD_PER_RUN,
    DUMP_PER_RUN,
)
DOCUMENT_GOAL_US = 5.0
"""load_state and dump_state per run at 50,000 runs, in this table (issue 18.3)."""


def reset_goal(rounds: int, small: int = 10, large: int = 10_000) -> tuple[float, float]:
    """The reset after one change with ``small`` and with ``large`` runs loaded, in µs,
    measured round by round alternately (the goal: large within twice small)."""
    sides = []
    for runs in (small, large):
        fake = FakeMissions(clock="2026-01-01T00:00:00Z")
        doc = state_document(runs)
        fake.load_state(doc)
        run = doc["runs"][runs // 2]
        path = f"/ai/missions/{run['mission_id']}/runs/{run['run_id']}"
        client = httpx.Client(
            transport=fake.httpx_transport(),
            base_url="http://fake.invalid/v2",
            headers={"authorization": "Bearer k"},
        )
        sides.append((fake, client, path))
    times: list[list[float]] = [[], []]
    for _ in range(rounds):
        for side, (fake, client, path) in enumerate(sides):
            times[side].append(_reset_after_one_change_us(fake, client, path))
    for _, client, _ in sides:
        client.close()
    return statistics.median(times[0]), statistics.median(times[1])


def _format(us: float) -> str:
    if us < 10:
        return f"{us:.2f} µs"
    if us >= 1e6:
        return f"{us / 1e6:.2f} s"
    return f"{us / 1e3:.1f} ms" if us >= 1e4 else f"{us:,.0f} µs"


def print_goals(columns: Sequence[Column], reset: tuple[float, float], large_runs: int) -> None:
    small, large = reset
    print(
        f"goal: reset after one change, {large_runs:,} runs / 10 runs: "
        f"{large:,.0f} / {small:,.0f} µs = {large / small:.2f} (≤ 2)"
    )
    base, top = columns[0], columns[-1]
    for row in ("list runs, first page of 20", "list runs, last page of 20"):
        print(
            f"goal: {row}, {top.runs:,} runs / {base.runs:,}: "
            f"{top.us[row] / base.us[row]:.2f} (≤ 2)"
        )
    for row in (LOAD_PER_RUN, DUMP_PER_RUN):
        verdict = "met" if top.us[row] <= DOCUMENT_GOAL_US else "not met"
        print(
            f"goal: {row}, {top.runs:,} runs of {top.items_per_run:.1f} items: "
            f"{top.us[row]:.2f} µs (≤ {DOCUMENT_GOAL_US:g} µs: {verdict})"
        )


def print_growth(columns: Sequence[Column]) -> None:
    base = columns[0]
    head = "".join(f"{f'N={c.runs:,}':>12}" for c in columns)
    items = f"{columns[-1].items_per_run:.1f}"
    ratios = "".join(f"{f'{c.runs:,}':>8}" for c in columns[1:])
    print(f"{'with N runs loaded (in-process)':34}{head}   ratio to N={base.runs:,}:{ratios}")
    for row in ROWS:
        cells = "".join(f"{_format(c.us[row]):>12}" for c in columns)
        ratio = "".join(f"{c.us[row] / base.us[row]:>8.2f}" for c in columns[1:])
        label = f"{row} ({items} items/run)" if row in (LOAD_PER_RUN, DUMP_PER_RUN) else row
        print(f"{label:34}{cells}   {'':>17}{ratio}")


def plot_growth(columns: Sequence[Column], path: str) -> None:
    """A PNG chart of the table: time per operation against N, both axes logarithmic."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7.5, 4.5), dpi=100)
    sizes = [c.runs for c in columns]
    for row in ROWS[:-2]:  # the per-run rows are the two above them, divided by N
        axes.plot(sizes, [c.us[row] for c in columns], marker="o", label=row)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("runs loaded (N)")
    axes.set_ylabel("time per operation (µs)")
    axes.set_title("pytest-telnyx-missions: cost against the size of the state")
    axes.grid(True, which="major", alpha=0.3)
    axes.legend(fontsize=7, loc="upper left")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
