"""The standalone server, run as users run it: ``python -m pytest_telnyx_missions``."""

from __future__ import annotations

import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
import telnyx

from .helpers import doc_blocks

LINE = re.compile(r"export TELNYX_BASE_URL=(?P<base_url>\S+) TELNYX_API_KEY=(?P<api_key>\S+)$")
COMMAND = [sys.executable, "-m", "pytest_telnyx_missions"]
HANG = 60.0
"""Seconds only a hung server would take: Python starting under load can take several."""


@dataclass
class Served:
    process: subprocess.Popen[str]
    line: str
    base_url: str
    api_key: str

    @property
    def control(self) -> str:
        return self.base_url.removesuffix("/v2") + "/_fake"

    def get(self, path: str, **params: Any) -> Any:
        response = httpx.get(self.control + path, params=params)
        assert response.status_code == 200, response.text
        return response.json()["data"]

    def sdk(self, **options: Any) -> telnyx.Telnyx:
        return telnyx.Telnyx(base_url=self.base_url, api_key=self.api_key, **options)


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*COMMAND, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )


def _kill(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
    process.communicate(timeout=HANG)


def _first_line(stream: IO[str], timeout: float) -> str:
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    try:
        return lines.get(timeout=timeout)
    except queue.Empty:
        pytest.fail(f"the server printed nothing within {timeout} s")


@contextmanager
def serve(*args: str) -> Iterator[Served]:
    process = _start("--port", "0", *args)
    try:
        assert process.stdout is not None
        line = _first_line(process.stdout, HANG).rstrip("\n")
        match = LINE.search(line)
        assert match, f"unexpected first line {line!r}; stderr: {process.stderr}"
        yield Served(process, line, match["base_url"], match["api_key"])
    finally:
        _kill(process)


def _exit_of(*args: str) -> tuple[int, str]:
    """Run the CLI to its end (it must end by itself): its exit code and stderr."""
    process = _start(*args)
    try:
        _, stderr = process.communicate(timeout=HANG)
        return process.returncode, stderr
    finally:
        _kill(process)


def test_prints_the_url_and_the_env_to_export() -> None:
    with serve() as served:
        assert re.fullmatch(
            r"telnyx-missions-fake: serving http://127\.0\.0\.1:(\d+) \(seed 0, 3 runs; "
            r"control API http://127\.0\.0\.1:\1/_fake/; Ctrl\+C stops\) -- export "
            r"TELNYX_BASE_URL=http://127\.0\.0\.1:\1/v2 TELNYX_API_KEY=KEY_pytest_telnyx_missions",
            served.line,
        ), served.line
        assert served.base_url.rsplit(":", 1)[1] != "0/v2"  # the real port
        assert httpx.get(served.control + "/health").json() == {"status": "ok"}


def test_sdk_update_shows_in_run_updates() -> None:
    with serve() as served:
        run = served.get("/runs")[0]
        served.sdk().ai.missions.runs.update(
            run["run_id"], mission_id=run["mission_id"], status="succeeded"
        )

        [update] = served.get("/run-updates", run_id=run["run_id"])
        assert update == {
            "mission_id": run["mission_id"],
            "run_id": run["run_id"],
            "fields": {"status": "succeeded"},
            "status_code": 200,
            "applied": True,
            "fault": None,
        }
        assert served.get("/runs")[0]["status"] == "succeeded"
        # the control requests themselves are not in the journal
        [entry] = served.get("/requests")
        assert (entry["method"], entry["operation"], entry["status_code"]) == (
            "PATCH",
            "update_run",
            200,
        )


def test_fault_rule_answers_the_next_update_then_it_works() -> None:
    with serve() as served:
        run = served.get("/runs")[0]
        rule = {
            "operation": "update_run",
            "times": 1,
            "run_id": None,
            "faults": [{"status": 503, "retry_after_ms": 1}],
        }
        added = httpx.post(served.control + "/faults", json=rule)
        assert added.status_code == 201, added.text
        runs = served.sdk(max_retries=0).ai.missions.runs

        with pytest.raises(telnyx.InternalServerError) as failed:
            runs.update(run["run_id"], mission_id=run["mission_id"], status="failed")
        assert failed.value.status_code == 503
        runs.update(run["run_id"], mission_id=run["mission_id"], status="failed")

        updates = served.get("/run-updates", run_id=run["run_id"])
        assert [(u["status_code"], u["applied"]) for u in updates] == [(503, False), (200, True)]
        assert updates[0]["fault"].startswith("fault rule #1 on update_run, answer 1 of 1: 503")


def test_reset_restores_the_seed() -> None:
    with serve("--seed", "7", "--runs", "2") as served:
        seeded = served.get("/runs")
        run = seeded[0]
        served.sdk().ai.missions.runs.update(
            run["run_id"], mission_id=run["mission_id"], status="paused"
        )
        assert served.get("/runs") != seeded

        assert httpx.post(served.control + "/reset").status_code == 204
        assert served.get("/runs") == seeded
        assert served.get("/requests") == []

        other = httpx.post(served.control + "/reset", json={"seed": 1, "runs": 5})
        assert other.status_code == 204
        assert len(served.get("/runs")) == 5


def test_strict_transitions_flag() -> None:
    with serve("--strict-transitions") as served:
        run = next(r for r in served.get("/runs") if r["status"] == "succeeded")
        with pytest.raises(telnyx.ConflictError):
            served.sdk().ai.missions.runs.pause_run(run["run_id"], mission_id=run["mission_id"])
        assert httpx.post(served.control + "/reset").status_code == 204  # keeps the flag
        with pytest.raises(telnyx.ConflictError):
            served.sdk().ai.missions.runs.pause_run(run["run_id"], mission_id=run["mission_id"])


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_stops_it_cleanly(signum: signal.Signals) -> None:
    with serve() as served:
        served.process.send_signal(signum)
        _, stderr = served.process.communicate(timeout=HANG)  # a hang fails, slowness does not
        assert served.process.returncode == 0, stderr
        assert stderr == "telnyx-missions-fake: stopped\n"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_ends_a_pending_latency_fault_at_once(signum: signal.Signals) -> None:
    with serve() as served:
        rule = {"operation": "list_missions", "faults": [{"delay": 300}]}  # longer than HANG
        assert httpx.post(served.control + "/faults", json=rule).status_code == 201
        auth = {"authorization": f"Bearer {served.api_key}"}
        delayed = threading.Thread(
            target=lambda: httpx.get(f"{served.base_url}/ai/missions", headers=auth, timeout=600),
            daemon=True,
        )
        delayed.start()
        for _ in range(int(HANG / 0.05)):  # until the request is recorded, then delayed
            if served.get("/requests"):
                break
            time.sleep(0.05)
        assert served.get("/requests"), "the delayed request was never recorded"

        served.process.send_signal(signum)
        _, stderr = served.process.communicate(timeout=HANG)  # waiting 300 s fails here
        assert served.process.returncode == 0, stderr
        delayed.join(HANG)


# Documentation addresses (RFC 5737, RFC 3849): nothing here can bind them even if the check failed.
@pytest.mark.parametrize("host", ["192.0.2.1", "2001:db8::1"])
def test_non_loopback_host_needs_allow_remote(host: str) -> None:
    code, stderr = _exit_of("--host", host, "--port", "0")
    assert code == 2
    assert f"--host {host} is not a loopback address" in stderr
    assert "Pass --allow-remote" in stderr


def test_busy_port_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, stderr = _exit_of("--port", str(port))
    assert code == 2
    assert stderr.startswith(f"telnyx-missions-fake: error: cannot listen on 127.0.0.1:{port}: ")
    assert "in use" in stderr, stderr
    assert "--port 0" in stderr


def test_the_docs_show_the_line_printed_and_working_curl_commands() -> None:
    [line] = doc_blocks("Standalone server", "text")
    commands = "".join(b for b in doc_blocks("Standalone server", "bash") if b.startswith("curl"))
    with serve() as served:
        port = served.base_url.rsplit(":", 1)[1].removesuffix("/v2")
        assert served.line == line.strip().replace(":4010", f":{port}")
        for command in commands.replace("\\\n", " ").splitlines():
            method = "POST" if " -X POST " in command else "GET"
            url = re.search(r"http://\S+", command)
            body = re.search(r"-d '(.*)'", command)
            assert url, command
            answer = httpx.request(
                method,
                url[0].replace(":4010", f":{port}"),
                content=body[1] if body else None,
                headers={"content-type": "application/x-www-form-urlencoded"},  # as curl -d
            )
            assert answer.is_success, (command, answer.text)


def test_allow_remote_warns_what_anyone_reaching_the_port_can_do() -> None:
    # On loopback: the warning is printed whenever the flag is given, and nothing is exposed here.
    process = _start("--port", "0", "--allow-remote")
    try:
        assert process.stdout is not None
        line = _first_line(process.stdout, HANG)
        process.terminate()
        _, stderr = process.communicate(timeout=HANG)
    finally:
        _kill(process)
    url = re.search(r"serving (http://\S+) ", line)
    assert url, line
    assert stderr.splitlines()[0] == (
        f"telnyx-missions-fake: warning: --allow-remote: the Telnyx Missions fake at {url[1]} is "
        "not limited to this machine. Anyone who can reach that port can send it API requests "
        "with any key, reading and changing its missions, runs, events and plans; and through "
        "the control API (/_fake/, no key needed) read every recorded request with its headers "
        "and body, reset the fake and add fault rules."
    )


EXAMPLE_STATE = str(Path(__file__).parent.parent / "examples" / "state.json")
SDK_ID = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"


def test_state_file_and_fixed_clock() -> None:
    with serve("--state", EXAMPLE_STATE, "--clock", "2025-06-01T00:00:00Z") as served:
        assert [run["run_id"] for run in served.get("/runs")] == [SDK_ID]
        created = served.sdk().ai.missions.create(name="Later")
        assert created.data.created_at.isoformat() == "2025-06-01T00:00:00+00:00"
        assert httpx.post(served.control + "/reset").status_code == 204
        assert [run["run_id"] for run in served.get("/runs")] == [SDK_ID]


def test_auto_create() -> None:
    with serve("--auto-create") as served:
        run = served.sdk().ai.missions.runs.retrieve(SDK_ID, mission_id=SDK_ID).data
        assert run.status == "running"
        [entry] = served.get("/requests")
        assert entry["auto_created"] == [f"mission {SDK_ID}", f"run {SDK_ID}"]


def test_a_bad_state_file_or_clock_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"runs": [{"run_id": "x"}]}')
    code, stderr = _exit_of("--port", "0", "--state", str(bad))
    assert code == 2
    assert "runs[0].mission_id: Field required" in stderr
    code, stderr = _exit_of("--clock", "soon")
    assert code == 2
    assert "is not an ISO 8601 time" in stderr
