"""The benchmark script runs (a smoke run: tiny counts, numbers not checked)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


def test_the_benchmark_script_runs_and_prints_its_table(tmp_path: Path) -> None:
    chart = tmp_path / "growth.png"
    plotting = importlib.util.find_spec("matplotlib") is not None  # the bench extra
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", *(["--plot", str(chart)] if plotting else [])],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:2] == ["what", "fake"]
    for row in (
        "PATCH over a socket, httpx (keep-alive)",
        "floor: a trivial WSGI app on the fake's server, httpx",
        "runs.update over a socket, official SDK",
        "PATCH in-process, httpx",
        "run_updates(run_id) after 1,000 requests",
        "load_state per run, 1,000 seeded runs (",
        "dump_state per run, 1,000 seeded runs (",
        "µs per item)",
        "standalone server: start to first 2xx",
        "the telnyx_missions fixture, per test",
        "one PATCH per test, whole run",
        "pytest-httpserver canned (fixture)",
        "pytest-httpserver threaded=True",
        "with N runs loaded (in-process)",
        "reset after one change",
        "list runs, last page of 20",
        "journal query (N requests)",
        "load_state",
        "dump_state",
        "load_state per run (1.2 items/run)",
        "dump_state per run (1.2 items/run)",
        "goal: reset after one change, 1,000 runs / 10 runs",
        "goal: load_state per run, 100 runs of 1.2 items: ",
        "goal: dump_state per run, 100 runs of 1.2 items: ",
        "goal: list runs, last page of 20",
        "journal: bytes kept per recorded PATCH",
        "journal: bytes its budget counts per recorded PATCH",
        "journal after 12 PATCHes of 2 MiB: held (10 kept)",  # 6 MiB counted each
        "standalone server, default journal: RSS over",
        "one pytest session: RSS from test",
    ):
        assert any(row in line for line in lines), f"no row {row!r} in:\n{done.stdout}"
    if plotting:
        assert chart.read_bytes().startswith(b"\x89PNG")
