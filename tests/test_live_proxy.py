"""The checking proxy, ``telnyx-missions-fake --live``, against a loopback stand-in.

Each test starts the command line in a subprocess, pointed at ``live_standin.StandIn`` (a second
fake on 127.0.0.1, another seed and clock, counting what it receives and changing answers on
request), waits for its ``--ready-file``, drives it with the official SDK or httpx, reads
``GET /_fake/live``, and stops it with SIGTERM as a CI job would. Nothing leaves loopback.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from pytest_telnyx_missions import cli
from pytest_telnyx_missions.live import replay
from pytest_telnyx_missions.live._compare import Answer, Sent
from pytest_telnyx_missions.live._safety import Ledger

from .live_pairs import operation_of
from .live_standin import CANARY_KEY, StandIn, files_holding

telnyx = pytest.importorskip("telnyx")

KEY = "TELNYX_MISSIONS_LIVE_API_KEY"
CLIENT_KEY = "KEY_of_the_client_itself"
_HANG = 120.0  # seconds: only to catch a proxy that never serves or never stops
_FRAMING = frozenset({"content-length", "connection", "transfer-encoding"})


@dataclass
class Proxy:
    process: subprocess.Popen[bytes]
    ready: dict[str, Any]
    directory: Path
    """Its --live-dir."""
    errors: Path

    @property
    def url(self) -> str:
        return str(self.ready["url"])

    @property
    def base_url(self) -> str:
        return str(self.ready["base_url"])

    def live(self) -> dict[str, Any]:
        found: dict[str, Any] = httpx.get(f"{self.url}/_fake/live").json()
        return found

    def sdk(self) -> Any:
        return telnyx.Telnyx(api_key=CLIENT_KEY, base_url=self.base_url, max_retries=0)

    def http(self) -> httpx.Client:
        auth = {"Authorization": f"Bearer {CLIENT_KEY}"}
        return httpx.Client(base_url=self.base_url + "/", headers=auth)

    def stop(self, how: signal.Signals = signal.SIGTERM) -> int:
        """SIGTERM, as a CI job ends a service (or SIGINT, Ctrl-C); the exit status."""
        self.process.send_signal(how)
        return self.process.wait(_HANG)

    def stderr(self) -> str:
        return self.errors.read_text(encoding="utf-8", errors="replace")

    def report(self) -> dict[str, Any]:
        report: dict[str, Any] = json.loads((self.directory / "report.json").read_text())
        return report


@contextmanager
def proxy_to(upstream: StandIn, tmp_path: Path, *args: str) -> Iterator[Proxy]:
    """The proxy in front of ``upstream``, serving once its ready file is there."""
    ready_file, errors = tmp_path / "ready.json", tmp_path / "stderr.txt"
    environ = {**os.environ, KEY: CANARY_KEY, "TELNYX_API_KEY": "KEY_never_read_for_it"}
    command = [
        *(sys.executable, "-m", "pytest_telnyx_missions", "--port", "0", "--live"),
        *("--live-url", upstream.base_url, "--live-dir", str(tmp_path / "live")),
        *("--live-rate", "1000", "--ready-file", str(ready_file), *args),
    ]
    with errors.open("wb") as stderr:
        process = subprocess.Popen(
            command, env=environ, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=stderr
        )
    try:
        deadline = time.monotonic() + _HANG
        while not ready_file.exists():  # written whole, then renamed, once it serves
            assert process.poll() is None, errors.read_text()
            assert time.monotonic() < deadline, "the proxy did not serve"
            time.sleep(0.01)
        ready = json.loads(ready_file.read_text())
        yield Proxy(process, ready, tmp_path / "live", errors)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _headers(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {k.lower(): v for k, v in pairs if k.lower() not in _FRAMING}


def _same_as_sent(got: httpx.Response, upstream: StandIn) -> None:
    """``got`` is the stand-in's last answer: status, headers and body bytes."""
    sent = upstream.answered[-1]
    assert (got.status_code, got.content) == (sent.status, sent.body)
    assert _headers(sent.headers).items() <= _headers(got.headers.items()).items()


def _scenario(proxy: Proxy) -> tuple[str, str]:
    """An SDK client's worth of requests: a mission, a run, updates, lists. (mission, run)."""
    with proxy.sdk() as client:
        mission = client.ai.missions.create(name="nightly", description="d").data
        assert mission.name == "ptm-nightly"  # the tag, in front
        runs = client.ai.missions.runs
        run = runs.create(mission.mission_id, input={"task": "call"}).data
        runs.update(run.run_id, mission_id=mission.mission_id, status="running")
        assert run.run_id in [r.run_id for r in runs.list(mission.mission_id)]
        assert mission.mission_id in [m.mission_id for m in client.ai.missions.list()]
        runs.list_runs()
        client.ai.missions.retrieve(mission.mission_id)
    return mission.mission_id, run.run_id


# -- (a) the upstream's answers, unchanged; nothing diverges -------------------------------------
def test_the_client_gets_the_upstreams_exact_answers_and_nothing_diverges(
    upstream: StandIn, tmp_path: Path
) -> None:
    with proxy_to(upstream, tmp_path) as proxy:
        mission_id, run_id = _scenario(proxy)
        raw: list[tuple[str, str, dict[str, Any] | None]] = [
            ("GET", f"ai/missions/{mission_id}", None),
            ("GET", f"ai/missions/{mission_id}/runs/{run_id}", None),
            ("POST", "ai/missions", {}),  # a 422, compared too
            ("GET", "ai/missions/runs", None),
        ]
        with proxy.http() as http:
            for method, path, body in raw:
                _same_as_sent(http.request(method, path, json=body), upstream)
        live = proxy.live()
        journal = httpx.get(f"{proxy.url}/_fake/requests").json()
        arranging = httpx.post(f"{proxy.url}/_fake/reset")
        assert proxy.stop() == 0
    assert live["divergences"] == []
    assert live["requests"] == 12  # the fence's listing, then 11; on stopping, the deletion:
    assert [seen.method for seen in upstream.seen[12:]] == ["DELETE"]
    assert [m["name"] for m in live["created"]] == ["ptm-nightly"]
    # the live key went upstream in place of the client's; the shadow fake saw each request
    assert {seen.authorization for seen in upstream.seen} == {f"Bearer {CANARY_KEY}"}
    assert len(journal["data"]) == 11
    assert arranging.status_code == 409
    assert "shadows the real API" in arranging.json()["error"]


# -- (b) one injected divergence, exactly; the client still gets the mutated answer --------------
def _status_pending(sent: Sent, answer: Answer) -> Answer:
    if operation_of(sent.method, sent.path) != "update_run" or answer.status != 200:
        return answer
    return replace(answer, body={"data": {**answer.body["data"], "status": "pending"}})


def test_an_injected_divergence_is_served_and_the_client_gets_the_mutated_answer(
    tmp_path: Path,
) -> None:
    with (
        StandIn(existing=2, mutate=_status_pending) as upstream,
        proxy_to(upstream, tmp_path) as proxy,
    ):
        with proxy.sdk() as client:
            mission = client.ai.missions.create(name="mutated").data
            run = client.ai.missions.runs.create(mission.mission_id).data
        with proxy.http() as http:
            got = http.patch(
                f"ai/missions/{mission.mission_id}/runs/{run.run_id}", json={"status": "running"}
            )
            _same_as_sent(got, upstream)
        assert got.json()["data"]["status"] == "pending"  # the upstream's answer, as it came
        live = proxy.live()
        assert proxy.stop() == 0
    assert live["divergences"] == [
        {
            "test": "proxy",
            "operation": "update_run",
            "kind": "value",
            "path": "$.data.status",
            "severity": "breaks",
            "fake": "running",
            "real": "pending",
        }
    ]


def _unavailable(sent: Sent, answer: Answer) -> Answer:
    if operation_of(sent.method, sent.path) != "get_mission":
        return answer
    body = {"errors": [{"code": "90001", "title": "Service unavailable"}]}
    return Answer(503, {**answer.headers, "retry-after-ms": "0"}, body)


def test_an_upstream_5xx_is_passed_on_and_reported_never_compared(tmp_path: Path) -> None:
    with (
        StandIn(existing=2, mutate=_unavailable) as upstream,
        proxy_to(upstream, tmp_path) as proxy,
    ):
        with proxy.sdk() as client:
            mission = client.ai.missions.create(name="busy").data
        with proxy.http() as http:
            got = http.get(f"ai/missions/{mission.mission_id}")
            _same_as_sent(got, upstream)  # after the SDK's two retries, the last 503 as it came
        assert len(upstream.requests("GET")) == 1 + 3
        live = proxy.live()
        assert proxy.stop() == 0
    assert got.status_code == 503
    assert live["divergences"] == []
    assert [line.split(": ", 1)[1] for line in live["unavailable"]] == [
        f"GET /v2/ai/missions/{mission.mission_id}: upstream answered 503 (not compared)"
    ]


# -- (c) the fence ---------------------------------------------------------------------------
def test_the_fence_refuses_a_change_to_a_run_of_a_mission_already_there(
    upstream: StandIn, tmp_path: Path
) -> None:
    theirs = upstream.fake.runs[0]
    with proxy_to(upstream, tmp_path) as proxy:
        with proxy.sdk() as client:
            runs = client.ai.missions.runs
            seen = runs.retrieve(theirs.run_id, mission_id=theirs.mission_id).data
            assert seen.status == theirs.status  # reading is allowed
            with pytest.raises(telnyx.PermissionDeniedError, match="existed upstream before"):
                runs.update(theirs.run_id, mission_id=theirs.mission_id, status="cancelled")
            with pytest.raises(telnyx.PermissionDeniedError):
                client.ai.missions.delete_mission(theirs.mission_id)
        live = proxy.live()
        assert proxy.stop() == 0
    assert [(s.method, s.path.rsplit("/", 1)[-1]) for s in upstream.seen] == [
        ("GET", "missions"),  # the fence's listing
        ("GET", theirs.run_id),
    ]
    assert upstream.fake.runs[0].status == theirs.status
    assert theirs.mission_id in upstream.mission_ids()
    assert [line.split(" would ")[0] for line in live["refused"]] == [
        f"PATCH /v2/ai/missions/{theirs.mission_id}/runs/{theirs.run_id}",
        f"DELETE /v2/ai/missions/{theirs.mission_id}",
    ]


# -- (d) SIGTERM or Ctrl-C: what it created is deleted, the reports written --------------------
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_stopping_deletes_what_was_created_and_writes_the_reports_and_the_cassette(
    how: signal.Signals, upstream: StandIn, tmp_path: Path
) -> None:
    before = upstream.mission_ids()
    with proxy_to(upstream, tmp_path, "--live-record") as proxy:
        _scenario(proxy)
        with proxy.sdk() as client:
            gone = client.ai.missions.create(name="deleted by the client").data.mission_id
            client.ai.missions.delete_mission(gone)
        ledger = Ledger.leftovers(proxy.directory / "ledger.jsonl")
        assert [entry.name for entry in ledger] == ["ptm-nightly"]  # written at once
        assert proxy.stop(how) == 0
    assert upstream.mission_ids() == before
    report = proxy.report()
    assert [m["name"] for m in report["created"]] == ["ptm-nightly", "ptm-deleted by the client"]
    assert sorted(report["deleted"]) == sorted(m["mission_id"] for m in report["created"])
    assert (report["divergences"], report["not_deleted"]) == ([], [])
    assert "- missions created: 2, deleted: 2" in (proxy.directory / "report.md").read_text()
    assert Ledger.leftovers(proxy.directory / "ledger.jsonl") == []
    [cassette] = (proxy.directory / "cassettes" / "proxy").glob("proxy-*.json")
    replayed = replay([cassette])
    assert (replayed.divergences, replayed.exchanges) == ([], 9)
    assert "wrote the cassette" in proxy.stderr()


def _deletion_refused(sent: Sent, answer: Answer) -> Answer:
    if operation_of(sent.method, sent.path) != "delete_mission":
        return answer
    return Answer(403, answer.headers, {"errors": [{"code": "10010", "title": "Forbidden"}]})


def test_a_mission_that_could_not_be_deleted_makes_the_exit_status_non_zero(
    tmp_path: Path,
) -> None:
    with (
        StandIn(existing=2, mutate=_deletion_refused) as upstream,
        proxy_to(upstream, tmp_path) as proxy,
    ):
        with proxy.sdk() as client:
            kept = client.ai.missions.create(name="kept").data.mission_id
        assert proxy.stop() == 1
    assert proxy.report()["not_deleted"] == [f"{kept} (ptm-kept): DELETE answered 403"]
    assert [entry.mission_id for entry in Ledger.leftovers(proxy.directory / "ledger.jsonl")] == [
        kept
    ]
    assert "missions created upstream could NOT be deleted" in proxy.stderr()


# -- (e) the key, nowhere ---------------------------------------------------------------------
def _echoing_the_key(sent: Sent, answer: Answer) -> Answer:
    if operation_of(sent.method, sent.path) != "get_mission":
        return answer
    return replace(answer, body={"data": {**answer.body["data"], "echo": CANARY_KEY}})


def test_the_canary_key_is_in_no_artifact_no_journal_entry_and_no_answer_of_the_fake(
    tmp_path: Path,
) -> None:
    with (
        StandIn(existing=2, mutate=_echoing_the_key) as upstream,
        proxy_to(upstream, tmp_path, "--live-record", str(tmp_path / "tapes")) as proxy,
    ):
        mission_id, _ = _scenario(proxy)  # its retrieve is answered with the key echoed
        routes = ("live", "requests", "ui/data")
        served = [httpx.get(f"{proxy.url}/_fake/{route}").text for route in routes]
        assert proxy.stop() == 0
    assert [d["path"] for d in proxy.report()["divergences"]] == ["$.data.echo"]
    assert list((tmp_path / "tapes" / "proxy").glob("proxy-*.json"))
    assert files_holding(tmp_path, CANARY_KEY) == []
    assert [CANARY_KEY in text for text in served] == [False, False, False]
    assert "<live key removed>" in served[0]
    assert CANARY_KEY not in proxy.stderr()
    assert mission_id not in upstream.mission_ids()


# -- (f) refusals on the command line, and the budget ---------------------------------------
@pytest.mark.parametrize(
    ("arguments", "environ", "message"),
    [
        (["--live"], {}, f"--live needs the live API key in the environment variable {KEY}"),
        (["--live"], {"TELNYX_API_KEY": "KEY_x"}, "TELNYX_API_KEY is never used for it"),
        (
            ["--live", "--live-url", "http://api.example.com/v2"],
            {KEY: CANARY_KEY},
            "plain http:// to a host that is not loopback",
        ),
        (["--live-url", "https://api.example.com/v2"], {}, "--live-url only with --live"),
        (["--live", "--auto-create"], {KEY: CANARY_KEY}, "cannot be used with --auto-create"),
        (["--live", "--live-rate", "0"], {KEY: CANARY_KEY}, "--live-rate must be more than 0"),
    ],
)
def test_usage_errors(
    arguments: list[str],
    environ: dict[str, str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv(KEY, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exited:
        cli.main(["--port", "0", *arguments])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_past_the_budget_a_request_is_refused_locally_saying_why(
    upstream: StandIn, tmp_path: Path
) -> None:
    with proxy_to(upstream, tmp_path, "--live-max-requests", "2") as proxy:
        with proxy.sdk() as client:
            client.ai.missions.list()
            with pytest.raises(telnyx.RateLimitError, match=r"budget of 2 requests is spent"):
                client.ai.missions.create(name="one too many")
        live = proxy.live()
        assert proxy.stop() == 0
    assert upstream.count == 2  # the fence's listing and the list: nothing more
    assert live["refused"] == [
        "the live run's budget of 2 requests is spent (--live-max-requests); nothing more is "
        "sent upstream"
    ]


def test_an_upstream_that_cannot_be_listed_stops_the_proxy_before_it_serves(
    tmp_path: Path,
) -> None:
    with (
        StandIn(key="KEY_another_one") as upstream,  # answers the proxy's key 401
        pytest.raises(AssertionError, match="listing the upstream's missions"),
        proxy_to(upstream, tmp_path),
    ):
        pass
    assert not (tmp_path / "ready.json").exists()
