"""Memory rows: what a journal entry costs, and whether a long-lived fake's memory stays flat.

- bytes per journal entry: ``tracemalloc`` around K in-process PATCHes (no reset between), and
  what the journal's byte budget counts for each (``RecordedRequest.size``);
- the journal after twelve PATCHes of 8 MiB: what ``tracemalloc`` sees it hold, against its
  default 64 MiB budget;
- the standalone server with its default journal limit: its RSS after a warm-up, then after
  200,000 more requests on one keep-alive connection (goal: within +20 MB);
- one pytest session of 5,000 tests using the fixture, one PATCH each: the session's RSS after
  its first 500 tests, then at its end (goal: within +20 MB).

RSS is read from ``/proc/<pid>/status`` (Linux); elsewhere the rows say so and are skipped.
"""

from __future__ import annotations

import gc
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import tracemalloc
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from pytest_telnyx_missions import FakeMissions

BODY = json.dumps({"status": "running", "result_summary": "step 3 of 5", "metadata": {"s": 3}})
MB = 1024 * 1024
PYTEST = (sys.executable, "-m", "pytest", "-q", "-p", "no:randomly")


@dataclass(frozen=True)
class Sizes:
    journal_entries: int
    server_warm: int
    server_requests: int
    session_warm: int
    session_tests: int
    large_body: int
    """Bytes of each of the twelve large PATCH bodies."""


FULL = Sizes(10_000, 20_000, 200_000, 500, 5_000, 8 * MB)
QUICK = Sizes(200, 200, 1_000, 20, 60, 2 * MB)  # quick: 2 MiB bodies, all twelve kept


@dataclass(frozen=True)
class MemoryRow:
    what: str
    value: str
    goal: str


def rss_bytes(pid: int | str = "self") -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(found[1]) * 1024 if found else None


def journal_entry_bytes(entries: int) -> tuple[float, float]:
    """Bytes allocated and kept per recorded PATCH (the journal keeps every one here), and
    bytes the journal's budget counts per entry."""
    fake = FakeMissions()
    run = fake.runs[0]
    path = f"/ai/missions/{run.mission_id}/runs/{run.run_id}"
    with httpx.Client(
        transport=fake.httpx_transport(),
        base_url="http://fake.invalid/v2",
        headers={"authorization": "Bearer k", "content-type": "application/json"},
    ) as client:
        for _ in range(100):  # warm: caches filled, code paths specialised
            client.patch(path, content=BODY)
        fake.reset()
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        for _ in range(entries):
            client.patch(path, content=BODY)
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    assert len(fake.requests) == entries
    return grown / entries, fake.journal_bytes / entries


def large_bodies_journal_bytes(count: int = 12, body_bytes: int = 8 * MB) -> tuple[int, int, int]:
    """``(bytes held, entries kept, budget)`` after ``count`` PATCHes of ``body_bytes``: what
    clearing the journal frees, as ``tracemalloc`` sees it (not the state, which keeps the
    last body as the run's metadata)."""
    fake = FakeMissions()
    run = fake.runs[0]
    path = f"/ai/missions/{run.mission_id}/runs/{run.run_id}"
    tracemalloc.start()
    try:
        with httpx.Client(
            transport=fake.httpx_transport(),
            base_url="http://fake.invalid/v2",
            headers={"authorization": "Bearer k", "content-type": "application/json"},
        ) as client:
            for number in range(count):
                body = json.dumps({"metadata": {"n": number, "blob": "x" * body_bytes}})
                client.patch(path, content=body)
            del body
        gc.collect()
        held = tracemalloc.get_traced_memory()[0]
        kept = len(fake.requests)
        fake._journal.clear()  # the journal alone: a reset would free the run's last body too
        gc.collect()
        held -= tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return held, kept, fake._journal.limits.max_bytes or 0


def server_growth_bytes(warm: int, requests: int) -> int | None:
    """The standalone server's RSS growth over ``requests`` requests after ``warm`` ones."""
    command = [sys.executable, "-m", "pytest_telnyx_missions", "--port", "0"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        found = re.search(r"http://127\.0\.0\.1:(\d+)", process.stdout.readline())
        if found is None:
            raise SystemExit("the standalone server did not print its address")
        connection = http.client.HTTPConnection("127.0.0.1", int(found[1]), timeout=30)
        headers = {"authorization": "Bearer k", "content-type": "application/json"}
        connection.request("GET", "/v2/ai/missions/runs", headers=headers)
        run = json.loads(connection.getresponse().read())["data"][0]
        path = f"/v2/ai/missions/{run['mission_id']}/runs/{run['run_id']}"

        def send(count: int) -> None:
            for n in range(count):
                if n % 2:
                    connection.request("PATCH", path, body=BODY, headers=headers)
                else:
                    connection.request("GET", path, headers=headers)
                answer = connection.getresponse()
                answer.read()
                if answer.status != 200:
                    raise SystemExit(f"the standalone server answered {answer.status}")

        send(warm)
        before = rss_bytes(process.pid)
        send(requests)
        after = rss_bytes(process.pid)
        connection.close()
        return None if before is None or after is None else after - before
    finally:
        process.terminate()
        process.communicate(timeout=30)


_CONFTEST = """
import json, os, re
from pathlib import Path

_seen = 0
_marks = {}

def _rss():
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"^VmRSS:\\s+(\\d+) kB", status, re.MULTILINE)[1]) * 1024

def pytest_runtest_teardown(item):
    global _seen
    _seen += 1
    if _seen == WARM:
        _marks["warm"] = _rss()

def pytest_sessionfinish(session):
    _marks["end"] = _rss()
    Path(os.environ["MEMORY_MARKS"]).write_text(json.dumps(_marks))
"""

_TEST = """
def test_{n}(telnyx_missions):
    run = telnyx_missions.runs[0]
    answer = httpx.patch(
        f"{{telnyx_missions.base_url}}/ai/missions/{{run.mission_id}}/runs/{{run.run_id}}",
        json={{"status": "paused"}},
        headers={{"authorization": "Bearer k"}},
    )
    assert answer.status_code == 200
"""


def session_growth_bytes(warm: int, tests: int) -> int | None:
    """A pytest session's RSS growth from its ``warm``-th test to its end (``tests`` tests)."""
    if rss_bytes() is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "conftest.py").write_text(_CONFTEST.replace("WARM", str(warm)))
        body = "".join(textwrap.dedent(_TEST.format(n=n)) for n in range(tests))
        (root / "test_many.py").write_text("import httpx\n" + body)
        marks = root / "marks.json"
        done = subprocess.run(
            [*PYTEST, "-p", "no:cacheprovider", "-o", "addopts=", str(root)],
            env={**os.environ, "MEMORY_MARKS": str(marks)},
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"the {tests}-test session failed:\n{done.stdout[-2000:]}")
        found = json.loads(marks.read_text())
        return int(found["end"] - found["warm"])


def memory_rows(sizes: Sizes) -> Iterator[MemoryRow]:
    """The rows, each as soon as it is measured (the last two take minutes)."""
    per_entry, counted = journal_entry_bytes(sizes.journal_entries)
    yield MemoryRow(
        f"journal: bytes kept per recorded PATCH ({sizes.journal_entries:,} kept)",
        f"{per_entry:,.0f} B",
        "(reported)",
    )
    yield MemoryRow(
        "journal: bytes its budget counts per recorded PATCH (bodies, sent twice, + 4 KiB)",
        f"{counted:,.0f} B",
        "(reported)",
    )
    held, kept, budget = large_bodies_journal_bytes(body_bytes=sizes.large_body)
    yield MemoryRow(
        f"journal after 12 PATCHes of {sizes.large_body // MB} MiB: held ({kept} kept)",
        f"{held / MB:.1f} MB",
        f"(goal: <= {budget / MB:.0f} MB budget)",
    )
    server = server_growth_bytes(sizes.server_warm, sizes.server_requests)
    yield MemoryRow(
        f"standalone server, default journal: RSS over {sizes.server_requests:,} requests",
        "no /proc" if server is None else f"{server / MB:+.1f} MB",
        "(goal: +20 MB)",
    )
    session = session_growth_bytes(sizes.session_warm, sizes.session_tests)
    yield MemoryRow(
        f"one pytest session: RSS from test {sizes.session_warm:,} to {sizes.session_tests:,}",
        "no /proc" if session is None else f"{session / MB:+.1f} MB",
        "(goal: +20 MB)",
    )


def print_memory(rows: Iterable[MemoryRow]) -> None:
    print(f"{'memory':78} {'measured':>10}   goal", flush=True)
    for row in rows:
        print(f"{row.what:78} {row.value:>10}   {row.goal}", flush=True)
