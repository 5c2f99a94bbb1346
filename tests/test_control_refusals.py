"""The control API refuses what it cannot do with a 400 naming the problem, reads no file a
caller names, and never sends a traceback (the install's paths stay in the server's process)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import pytest_telnyx_missions
from pytest_telnyx_missions import FakeMissions

INSTALL = str(Path(pytest_telnyx_missions.__file__).parent)


@pytest.fixture(scope="module")
def served() -> Iterator[FakeMissions]:
    with FakeMissions(seed=3, runs=2, control_api=True) as fake:
        yield fake


@pytest.fixture
def fake(served: FakeMissions) -> FakeMissions:
    served.reset(seed=3, runs=2)
    return served


def _send(fake: FakeMissions, method: str, path: str, body: bytes = b"") -> httpx.Response:
    return httpx.request(method, f"{fake.url}/_fake/{path}", content=body)


def _deep(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


@pytest.mark.parametrize("exists", [True, False], ids=["existing file", "missing file"])
def test_a_path_sent_as_the_state_document_is_refused_and_never_read(
    fake: FakeMissions, tmp_path: Path, exists: bool
) -> None:
    before = fake.dump_state()
    stored = tmp_path / "state.json"
    if exists:  # a valid state document, which load_state(path) would load
        stored.write_text(json.dumps({"missions": [], "runs": []}), encoding="utf-8")

    answer = _send(fake, "PUT", "state", json.dumps(str(stored)).encode())

    assert answer.status_code == 400
    assert answer.json() == {
        "error": "Invalid state document: a JSON object with missions, runs, events, plan_steps, "
        "telnyx_agents, knowledge_bases, mcp_servers, tools is expected, got a string (the "
        "control API takes the document itself, never a path)."
    }
    assert fake.dump_state() == before


MALFORMED: list[tuple[str, str, bytes, str]] = [
    ("PUT", "state", b"", "PUT /_fake/state needs a state document"),
    ("PUT", "state", b"[]", "a JSON object with missions, runs"),
    ("PUT", "state", b"5", "got a number"),
    ("PUT", "state", b"null", "got null"),
    ("PUT", "state", b'{"missions": 5}', "missions: expected a list, got int"),
    ("PUT", "state", b'{"runs": {"a": 1}}', "runs: expected a list, got dict"),
    ("PUT", "state", _deep(5_000), "not JSON (recursion limit exceeded"),
    ("PUT", "state", b'{"runs": [{"metadata": ' + _deep(3_000) + b"}]}", "recursion limit"),
    ("PUT", "state", b"{", "not JSON"),
    ("POST", "reset", b'{"state": {"missions": 5}}', "missions: expected a list, got int"),
    ("POST", "reset", _deep(5_000), "recursion limit exceeded"),
    ("POST", "reset", b'{"clock": "0001-01-01T00:00:00+14:00"}', "out of range in UTC"),
    ("POST", "faults", _deep(5_000), "recursion limit exceeded"),
    ("GET", "wait?operation=update_run&timeout=0&predicate_or_operation=x", b"", "no field"),
    ("GET", "wait?operation=update_run&timeout=0&self=x", b"", "update_run has no field 'self'"),
    ("GET", "wait?operation=get_run&timeout=0&bogus=1", b"", "has: mission_id, run_id ("),
    ("GET", "wait?operation=create_tool&timeout=0&self=x", b"", "'self' cannot be waited"),
    ("GET", "wait?operation=nope&timeout=0&self=x", b"", "unknown operation 'nope'"),
    ("DELETE", "faults/²", b"", "'²' is not a fault rule number"),
    ("DELETE", "faults/\u0661", b"", "'\u0661' is not a fault rule number"),
    ("DELETE", "faults/-1", b"", "digits 0-9"),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "message"),
    MALFORMED,
    ids=[f"{m} {p} {b[:24]!r}" for m, p, b, _ in MALFORMED],
)
def test_a_malformed_control_request_is_a_400_naming_the_problem(
    fake: FakeMissions, method: str, path: str, body: bytes, message: str
) -> None:
    rule = fake.fail_next("get_run", status=503)
    before = fake.dump_state()

    answer = _send(fake, method, path, body)

    assert answer.status_code == 400, answer.text
    assert message in answer.json()["error"]
    assert "Traceback" not in answer.text
    assert INSTALL not in answer.text
    assert fake.faults == [rule]  # a digit that is not ASCII is no rule number: nothing removed
    assert fake.dump_state() == before


def test_only_ascii_digits_name_a_rule(fake: FakeMissions) -> None:
    fake.fail_next("get_run", status=503)
    second = fake.fail_next("get_run", status=502)

    assert _send(fake, "DELETE", "faults/1" + "0" * 5_000).status_code == 404
    assert _send(fake, "DELETE", "faults/1").status_code == 204
    assert fake.faults == [second]


def test_a_failure_inside_the_control_api_is_a_clean_500_logged_on_stderr(
    fake: FakeMissions, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    def broken() -> Any:
        raise RuntimeError(f"{INSTALL}/secret.py")

    monkeypatch.setattr(fake, "dump_state", broken)

    answer = _send(fake, "GET", "state")

    assert answer.status_code == 500
    assert answer.json() == {
        "error": "The fake's control API failed on GET /_fake/state (RuntimeError); the "
        "details are on the fake's stderr."
    }
    logged = capfd.readouterr().err
    assert "Traceback (most recent call last):" in logged
    assert f"RuntimeError: {INSTALL}/secret.py" in logged
