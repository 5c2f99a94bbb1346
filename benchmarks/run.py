"""Benchmarks that compare: the fake against what users would otherwise run, side by side.

Run: ``python benchmarks/run.py`` (one to two minutes; loopback only), or
``python benchmarks/run.py --quick`` (a few seconds: a smoke run, numbers not meaningful).

Everything runs in this one process, each pair interleaved round by round so that a busy
machine slows both sides alike; a number is the median over rounds of the mean time per call,
and the ratio is the fake's time over the other one's.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import logging
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import growth
import httpx
import memory
import pytest
import requests
import respx
import telnyx
from pytest_httpserver import HTTPServer

from pytest_telnyx_missions import FakeMissions, MissionRun, RecordedRequest
from pytest_telnyx_missions._serving.http import KeepAliveServer
from pytest_telnyx_missions._serving.inprocess import _environ as in_process_environ


@dataclass(frozen=True)
class Settings:
    calls: int
    rounds: int
    fixture_tests: int
    file_tests: int
    pytest_rounds: int
    journal: int
    starts: int
    growth_rounds: int


FULL = Settings(
    calls=50,
    rounds=31,
    fixture_tests=300,
    file_tests=200,
    pytest_rounds=3,
    journal=100_000,
    starts=5,
    growth_rounds=15,
)
QUICK = Settings(
    calls=5,
    rounds=2,
    fixture_tests=5,
    file_tests=5,
    pytest_rounds=1,
    journal=1_000,
    starts=1,
    growth_rounds=2,
)
BODY = {"status": "running", "result_summary": "step 3 of 5", "metadata": {"step": 3}}


@dataclass(frozen=True)
class Row:
    what: str
    fake_us: float
    other: str
    other_us: float

    @property
    def ratio(self) -> float:
        return self.fake_us / self.other_us


def _sdk_update(client: telnyx.Telnyx, run: MissionRun) -> None:
    """The SDK's call for BODY."""
    client.ai.missions.runs.update(
        run.run_id,
        mission_id=run.mission_id,
        status="running",
        result_summary="step 3 of 5",
        metadata={"step": 3},
    )


def per_call_us(action: Callable[[], object], calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        action()
    return (time.perf_counter() - started) / calls * 1e6


def compare(
    what: str,
    fake: Callable[[], object],
    other_name: str,
    other: Callable[[], object],
    settings: Settings,
    after_round: Callable[[], object] = lambda: None,
) -> Row:
    """Both sides, round after round, alternating which goes first."""
    # Warm, unrecorded: connections opened, code paths loaded and specialised.
    per_call_us(fake, settings.calls)
    per_call_us(other, settings.calls)
    after_round()
    ours: list[float] = []
    theirs: list[float] = []
    for round_number in range(settings.rounds):
        sides = [(ours, fake), (theirs, other)]
        for results, action in sides if round_number % 2 == 0 else reversed(sides):
            results.append(per_call_us(action, settings.calls))
        after_round()
    return Row(what, statistics.median(ours), other_name, statistics.median(theirs))


def _trivial_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    environ["wsgi.input"].read()
    body = b'{"data":{}}'
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "11")])
    return [body]


@contextlib.contextmanager
def canned_server(path: str, answer: Any, *, threaded: bool = False) -> Iterator[HTTPServer]:
    """pytest-httpserver answering ``answer`` to every PATCH of ``path``: by default as its
    ``httpserver`` fixture starts it (one thread, HTTP/1.0: a connection per request)."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=threaded)
    server.expect_request(path, method="PATCH").respond_with_json(answer)
    with server:
        yield server


def socket_rows(fake: FakeMissions, settings: Settings) -> list[Row]:
    """Over loopback against pytest-httpserver as its fixture starts it; the same server started
    ``threaded=True`` beside it (slower per request: a thread per connection), and the floor:
    a trivial WSGI app on the fake's own server."""
    run = fake.runs[0]
    path = f"/v2/ai/missions/{run.mission_id}/runs/{run.run_id}"
    auth = {"authorization": f"Bearer {fake.api_key}"}
    answer = {"data": fake.get_run(run.run_id).model_dump(mode="json")}
    canned_name = "pytest-httpserver canned (fixture)"
    rows = []
    trivial = KeepAliveServer(_trivial_app, "127.0.0.1", 0)
    trivial.start()
    try:
        with (
            canned_server(path, answer) as canned,
            canned_server(path, answer, threaded=True) as threaded,
        ):
            canned_url = canned.url_for(path)
            with httpx.Client(headers=auth) as ours, httpx.Client(headers=auth) as theirs:
                rows.append(
                    compare(
                        "PATCH over a socket, httpx (keep-alive)",
                        lambda: ours.patch(fake.url + path, json=BODY),
                        canned_name,
                        lambda: theirs.patch(canned_url, json=BODY),
                        settings,
                        fake.reset,
                    )
                )
                rows.append(
                    compare(
                        "  the same",
                        lambda: ours.patch(fake.url + path, json=BODY),
                        "pytest-httpserver threaded=True",
                        lambda: theirs.patch(threaded.url_for(path), json=BODY),
                        settings,
                        fake.reset,
                    )
                )
                floor = f"http://127.0.0.1:{trivial.port}{path}"
                rows.append(
                    compare(
                        "  floor: a trivial WSGI app on the fake's server, httpx",
                        lambda: ours.patch(floor, json=BODY),
                        canned_name,
                        lambda: theirs.patch(canned_url, json=BODY),
                        settings,
                    )
                )
            with requests.Session() as ours_r, requests.Session() as theirs_r:
                ours_r.headers.update(auth)
                theirs_r.headers.update(auth)
                rows.append(
                    compare(
                        "PATCH over a socket, requests (Session)",
                        lambda: ours_r.patch(fake.url + path, json=BODY),
                        canned_name,
                        lambda: theirs_r.patch(canned_url, json=BODY),
                        settings,
                        fake.reset,
                    )
                )
            sdk_ours = telnyx.Telnyx(api_key=fake.api_key, base_url=fake.base_url, max_retries=0)
            sdk_theirs = telnyx.Telnyx(
                api_key=fake.api_key, base_url=canned.url_for("/v2"), max_retries=0
            )
            rows.append(
                compare(
                    "runs.update over a socket, official SDK",
                    lambda: _sdk_update(sdk_ours, run),
                    canned_name,
                    lambda: _sdk_update(sdk_theirs, run),
                    settings,
                    fake.reset,
                )
            )
    finally:
        trivial.stop()
    return rows


def in_process_rows(fake: FakeMissions, settings: Settings) -> list[Row]:
    """The fake's in-process transport against a canned respx route: first as respx's docs set
    it up (``respx.mock`` or the ``respx_mock`` fixture, which patch httpx's own transport),
    then respx's router served bare by ``httpx.MockTransport`` (no patching at all)."""
    run = fake.runs[0]
    base = "http://fake.invalid/v2"
    path = f"/ai/missions/{run.mission_id}/runs/{run.run_id}"
    answer = {"data": fake.get_run(run.run_id).model_dump(mode="json")}
    auth = {"authorization": f"Bearer {fake.api_key}"}
    ours = httpx.Client(transport=fake.httpx_transport(), base_url=base, headers=auth)

    def against(other_name: str, theirs: httpx.Client, indent: str = "") -> list[Row]:
        """httpx's PATCH, then the SDK's runs.update, each through ``ours`` and ``theirs``."""
        sdks = [
            telnyx.Telnyx(api_key="k", base_url=base, max_retries=0, http_client=client)
            for client in (ours, theirs)
        ]
        return [
            compare(
                f"{indent}{what}",
                functools.partial(call, ours, sdks[0]),
                other_name,
                functools.partial(call, theirs, sdks[1]),
                settings,
                fake.reset,
            )
            for what, call in (
                ("PATCH in-process, httpx", lambda client, _: client.patch(path, json=BODY)),
                ("runs.update in-process, official SDK", lambda _, sdk: _sdk_update(sdk, run)),
            )
        ]

    # respx.mock() patches httpx's transport class; the fake's transport is not that class, so
    # it is untouched while the mock is on.
    with respx.mock(base_url=base, assert_all_called=False) as mocked:
        mocked.patch(path).respond(json=answer)
        rows = against("respx route (respx.mock)", httpx.Client(base_url=base, headers=auth))
    router = respx.Router(base_url=base, assert_all_called=False)
    router.patch(path).respond(json=answer)
    bare = httpx.Client(transport=httpx.MockTransport(router.handler), base_url=base, headers=auth)
    return rows + against("bare respx router (MockTransport)", bare, indent="  ")


def pipeline_alone_row(fake: FakeMissions, settings: Settings) -> Row:
    """The fake's own cost per PATCH: its dispatch answering a ready environ, no client."""
    run = fake.runs[0]
    request = httpx.Request(
        "PATCH",
        f"http://fake.invalid/v2/ai/missions/{run.mission_id}/runs/{run.run_id}",
        json=BODY,
        headers={"authorization": f"Bearer {fake.api_key}"},
    )
    template = in_process_environ(request)
    body = request.content
    answer = fake._dispatcher.answer

    def one() -> object:
        return answer({**template, "wsgi.input": io.BytesIO(body)})

    times = []
    for _ in range(settings.rounds):
        times.append(per_call_us(one, settings.calls * 4))
        fake.reset()
    return Row(
        "the fake's own cost per PATCH (its dispatch alone)",
        statistics.median(times),
        "(goal: 25 µs)",
        25.0,
    )


def _pytest_seconds(path: Path) -> float:
    args = [str(path), "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-o", "addopts="]
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = pytest.main([*args, "-W", "ignore"])
    elapsed = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"the generated tests in {path.name} failed (exit {code})")
    return elapsed


def pytest_rows(settings: Settings) -> list[Row]:
    """Whole pytest runs, in this process, alternating the two files of each pair."""
    patch = (
        "    response = httpx.patch(base + '/ai/missions/{m}/runs/{r}', json={'status': 'paused'},"
        " headers={'authorization': 'Bearer k'})\n    assert response.status_code == 200\n"
    )
    fake = FakeMissions()
    run = fake.runs[0]
    canned = {"data": fake.get_run(run.run_id).model_dump(mode="json")}
    files = {
        "empty tests": "def test_{n}():\n    pass\n",
        "with the fixture": "def test_{n}(telnyx_missions):\n    pass\n",
        "fixture, one PATCH each": (
            "def test_{n}(telnyx_missions):\n    base = telnyx_missions.base_url\n" + patch
        ),
        "pytest-httpserver, one PATCH each": (
            "def test_{n}(httpserver):\n"
            "    httpserver.expect_request('/v2/ai/missions/{m}/runs/{r}', method='PATCH')"
            f".respond_with_json({canned!r})\n"
            "    base = httpserver.url_for('/v2')\n" + patch
        ),
    }
    counts = {
        "empty tests": settings.fixture_tests,
        "with the fixture": settings.fixture_tests,
        "fixture, one PATCH each": settings.file_tests,
        "pytest-httpserver, one PATCH each": settings.file_tests,
    }
    best = dict.fromkeys(files, float("inf"))
    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for number, (name, template) in enumerate(files.items()):
            paths[name] = Path(folder) / f"test_generated_{number}.py"
            tests = "".join(
                template.replace("{m}", run.mission_id)
                .replace("{r}", run.run_id)
                .replace("{n}", str(n))
                for n in range(counts[name])
            )
            paths[name].write_text("import httpx\n\n" + tests)
        for _ in range(settings.pytest_rounds):
            for name, path in paths.items():
                best[name] = min(best[name], _pytest_seconds(path))
    per_test = {name: best[name] / counts[name] * 1e6 for name in files}
    fixture_cost = per_test["with the fixture"] - per_test["empty tests"]
    return [
        Row(
            f"the telnyx_missions fixture, per test ({settings.fixture_tests} tests)",
            per_test["with the fixture"],
            "an empty test",
            per_test["empty tests"],
        ),
        Row("  the fixture's own cost per test", fixture_cost, "", float("nan")),
        Row(
            f"a {settings.file_tests}-test file, one PATCH per test, whole run",
            best["fixture, one PATCH each"] * 1e6,
            "the same on pytest-httpserver",
            best["pytest-httpserver, one PATCH each"] * 1e6,
        ),
    ]


def journal_rows(settings: Settings) -> list[Row]:
    """The journal's questions about one run after ``settings.journal`` recorded requests over
    1,000 runs (a PATCH, an event and a read of each in turn): answered from its indexes."""
    fake = FakeMissions()
    run_ids = [f"00000000-0000-4000-8000-{n:012d}" for n in range(1000)]
    now = datetime.now(timezone.utc)
    for n in range(settings.journal):
        run_id = run_ids[n % len(run_ids)]
        method, operation = _JOURNAL_MIX[n // len(run_ids) % len(_JOURNAL_MIX)]
        fake._journal.record(
            RecordedRequest(
                method=method,
                path=f"/v2/ai/missions/m/runs/{run_id}",
                operation=operation,
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
    wanted = run_ids[7]
    questions: dict[str, Callable[[], object]] = {
        "run_updates(run_id)": lambda: fake.run_updates(wanted),
        'calls("log_event", run_id=...)': lambda: fake.calls("log_event", run_id=wanted),
        "status_history(run_id)": lambda: fake.status_history(wanted),
    }
    rows = []
    for name, question in questions.items():
        times = [per_call_us(question, 20) for _ in range(settings.rounds)]
        rows.append(
            Row(
                f"{name} after {settings.journal:,} requests",
                statistics.median(times),
                "(goal: 1 ms)",
                1000.0,
            )
        )
    return rows


_JOURNAL_MIX = [("PATCH", "update_run"), ("POST", "log_event"), ("GET", "get_run")]


def _first_2xx_seconds(command: list[str]) -> float:
    """From starting ``command`` to the first 2xx of a Missions API request."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.search(r"http://[\w.\[\]:]+", line)
        if found is None:
            raise SystemExit(f"unexpected first line from {command}: {line!r}")
        url = f"{found[0]}/v2/ai/missions"
        request = urllib.request.Request(url, headers={"Authorization": "Bearer k"})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert 200 <= response.status < 300
        return time.perf_counter() - started
    finally:
        process.terminate()
        process.communicate(timeout=30)


def start_rows(settings: Settings) -> list[Row]:
    command = [sys.executable, "-m", "pytest_telnyx_missions", "--port", "0"]
    ours = [_first_2xx_seconds(command) for _ in range(settings.starts)]
    rows = [
        Row(
            "standalone server: start to first 2xx",
            statistics.median(ours) * 1e6,
            "(goal: 0.4 s)",
            400_000.0,
        )
    ]
    return rows


SPEC = Path(__file__).resolve().parent.parent / "pytest_telnyx_missions" / "spec"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _prism_first_2xx(prism: str, port: int) -> tuple[subprocess.Popen[bytes], float]:
    """Start Prism's mock of the shipped spec; it prints no URL we can wait for, so poll."""
    command = [prism, "mock", str(SPEC / "missions.openapi.yaml"), "-h", "127.0.0.1"]
    started = time.perf_counter()
    process = subprocess.Popen(
        [*command, "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/ai/missions", headers={"Authorization": "Bearer k"}
    )
    deadline = started + 60
    while time.perf_counter() < deadline:
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if 200 <= response.status < 300:
                    return process, time.perf_counter() - started
        except OSError:
            time.sleep(0.02)
    process.terminate()
    raise SystemExit("Prism did not answer within 60 s")


def prism_rows(fake: FakeMissions, settings: Settings, our_start_us: float) -> list[Row]:
    """The fake against Prism (the OpenAPI mock), when ``prism`` is on PATH."""
    prism = shutil.which("prism")
    if prism is None:
        print("prism is not on PATH: its rows are skipped", file=sys.stderr)
        return []
    starts = []
    for _ in range(settings.starts):
        process, seconds = _prism_first_2xx(prism, _free_port())
        starts.append(seconds)
        process.terminate()
        process.wait(timeout=30)
    rows = [
        Row(
            "standalone server: start to first 2xx",
            our_start_us,
            "Prism mock of the same spec",
            statistics.median(starts) * 1e6,
        )
    ]
    process, _ = _prism_first_2xx(prism, port := _free_port())
    try:
        run = fake.runs[0]
        path = f"/ai/missions/{run.mission_id}/runs/{run.run_id}"
        auth = {"authorization": f"Bearer {fake.api_key}"}
        with httpx.Client(headers=auth) as ours, httpx.Client(headers=auth) as theirs:
            rows.append(
                compare(
                    "PATCH over a socket, httpx (keep-alive)",
                    lambda: ours.patch(fake.base_url + path, json=BODY),
                    "Prism mock of the same spec",
                    lambda: theirs.patch(f"http://127.0.0.1:{port}{path}", json=BODY),
                    settings,
                    fake.reset,
                )
            )
    finally:
        process.terminate()
        process.wait(timeout=30)
    return rows


DOCUMENT_SIZES = (100, 1_000, 10_000, 50_000)
"""Runs of seeded data, each run with its plan of three steps and its events: about seven items
a run (the quick run skips 50,000). "Per run" is the whole document's time over its runs, as in
the growth table, whose document (a few other items to a run, like the issue's) the goal of
5 µs per run is judged on; "per item" is its time over all its items."""
SEEDED_RUNS_MAX = 10_000
"""The seeding option's bound: a larger document is made of several seeds' documents."""


def state_document(runs: int) -> dict[str, Any]:
    """The seeded state of ``runs`` runs (each with its plan of three steps and its events)."""
    parts = [
        FakeMissions(seed=seed, runs=size, missions=max(2, size // 500)).dump_state()
        for seed, size in enumerate(_chunks(runs, SEEDED_RUNS_MAX))
    ]
    return {key: [item for part in parts for item in part[key]] for key in parts[0]}


def _chunks(total: int, most: int) -> list[int]:
    return [min(most, total - start) for start in range(0, total, most)]


def document_rows(settings: Settings) -> list[Row]:
    """load_state and dump_state per run and per item, for each N of seeded runs."""
    rows = []
    for runs in DOCUMENT_SIZES if settings is FULL else DOCUMENT_SIZES[:2]:
        doc = state_document(runs)
        items = growth.items_per_run(doc)
        load_us, dump_us = growth.document_costs_us(doc, max(3, settings.rounds // 6))
        del doc
        what = f"{runs:,} seeded runs ({items:.1f} items/run)"
        for name, us in (("load_state", load_us), ("dump_state", dump_us)):
            per_item = f"({us / runs / items:.2f} µs per item)"
            rows.append(Row(f"{name} per run, {what}", us / runs, per_item, float("nan")))
    return rows


def _format(us: float) -> str:
    if us != us:  # NaN: nothing to compare with
        return ""
    if us < 10:
        return f"{us:.2f} µs"
    return f"{us / 1e6:.2f} s" if us >= 100_000 else f"{us:,.0f} µs"


def print_table(rows: list[Row]) -> None:
    print(f"{'what':58} {'fake':>10}   {'against':34} {'other':>10}  {'ratio':>6}")
    for row in rows:
        ratio = "" if row.other_us != row.other_us else f"{row.ratio:.2f}"
        print(
            f"{row.what:58} {_format(row.fake_us):>10}   {row.other:34} "
            f"{_format(row.other_us):>10}  {ratio:>6}"
        )


GROUPS = ("socket", "in-process", "journal", "documents", "start", "pytest", "growth", "memory")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: tiny counts")
    parser.add_argument(
        "--only",
        action="append",
        choices=GROUPS,
        help="run only this group of rows (repeatable); all of them by default",
    )
    parser.add_argument(
        "--plot", metavar="FILE", help="also write the growth table as a PNG chart (matplotlib)"
    )
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    wanted = set(args.only or GROUPS)
    # pytest-httpserver's server logs each request through werkzeug; the fake does not.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    os.environ.setdefault("TELNYX_API_KEY", "KEY_benchmark")
    started = time.perf_counter()
    rows: list[Row] = []
    with FakeMissions() as fake:
        if "socket" in wanted:
            rows += socket_rows(fake, settings)
        if "in-process" in wanted:
            rows.append(pipeline_alone_row(fake, settings))
            rows += in_process_rows(fake, settings)
        if "journal" in wanted:
            rows += journal_rows(settings)
        if "documents" in wanted:
            rows += document_rows(settings)
        if "start" in wanted:
            starts = start_rows(settings)
            rows += starts + prism_rows(fake, settings, starts[-1].fake_us)
    if "pytest" in wanted:
        rows += pytest_rows(settings)
    if rows:
        print_table(rows)
    if "growth" in wanted:
        sizes = growth.QUICK_SIZES if args.quick else growth.SIZES
        columns = [growth.measure(runs, settings.growth_rounds) for runs in sizes]
        growth.print_growth(columns)
        large = 1_000 if args.quick else 10_000
        reset = growth.reset_goal(5 if args.quick else 21, large=large)
        growth.print_goals(columns, reset, large)
        if args.plot:
            growth.plot_growth(columns, args.plot)
    if "memory" in wanted:
        memory.print_memory(memory.memory_rows(memory.QUICK if args.quick else memory.FULL))
    print(f"({threading.active_count()} threads alive; {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
