"""Correctness at scale: with 50,000 runs loaded, every page and its ``meta`` equal what a
brute-force filter and stable sort of the whole state gives, before and after changes.

The state is loaded once for the module; each test starts from a reset (cheap whatever the
size: that is what is under test elsewhere, in the benchmark).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from pytest_telnyx_missions import FakeMissions

RUNS = 50_000
MISSIONS = 40
STATUSES = ("pending", "running", "paused", "succeeded", "failed", "cancelled")
START = datetime(2025, 3, 1, tzinfo=timezone.utc)
EVENT_RUNS = 25  # runs that get events, 40 each


def _uuid(kind: int, n: int) -> str:
    return f"00000000-0000-4000-{8000 + kind:04x}-{n:012x}"


def _when(n: int) -> str:
    # Few distinct times, so that many runs tie: ties must keep the order runs were stored in.
    moment = START + timedelta(seconds=(n * 7919) % 9_973)
    return moment.isoformat().replace("+00:00", "Z")


def state_document() -> dict[str, list[dict[str, Any]]]:
    missions = [
        {
            "mission_id": _uuid(1, m),
            "name": f"Mission {m}",
            "created_at": _when(m),
            "updated_at": _when(m),
        }
        for m in range(MISSIONS)
    ]
    runs = [
        {
            "run_id": _uuid(2, n),
            "mission_id": _uuid(1, n % MISSIONS),
            "status": STATUSES[(n * 5) % len(STATUSES)],
            "input": {},
            "started_at": _when(n),
            "updated_at": _when(n),
        }
        for n in range(RUNS)
    ]
    events = [
        {
            "event_id": f"ev-{r}-{e}",
            "run_id": _uuid(2, r * 101),
            "type": ("custom", "tool_call", "message")[e % 3],
            "summary": f"event {e}",
            "timestamp": _when(e * 13 + r),
            "step_id": f"step-{e % 4}" if e % 2 else None,
            "agent_id": f"agent-{e % 3}" if e % 5 else None,
        }
        for r in range(EVENT_RUNS)
        for e in range(40)
    ]
    return {"missions": missions, "runs": runs, "events": events}


@pytest.fixture(scope="module")
def big() -> FakeMissions:
    fake = FakeMissions(clock="2026-01-01T00:00:00Z")
    fake.load_state(state_document())
    return fake


@pytest.fixture
def client(big: FakeMissions) -> Iterator[httpx.Client]:
    big.reset()
    with httpx.Client(
        transport=big.httpx_transport(),
        base_url="http://fake.invalid/v2",
        headers={"authorization": "Bearer k"},
    ) as http:
        yield http


def _expected_page(items: list[dict[str, Any]], number: int, size: int) -> dict[str, Any]:
    return {
        "data": items[(number - 1) * size : number * size],
        "meta": {
            "total_pages": math.ceil(len(items) / size),
            "total_results": len(items),
            "page_number": number,
            "page_size": size,
        },
    }


def _parsed(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def _pages(total: int, size: int) -> list[int]:
    last = max(math.ceil(total / size), 1)
    return sorted({1, 2, last // 2 or 1, last - 1 or 1, last, last + 1})


def _check_run_pages(
    fake: FakeMissions, client: httpx.Client, size: int = 20, gone: str | None = None
) -> None:
    runs = fake.dump_state()["runs"]  # in stored order
    runs.sort(key=lambda r: _parsed(r["started_at"]), reverse=True)  # stable: ties keep it
    newest_first = [(r["mission_id"], r["status"], r) for r in runs]
    for mission_id in (None, _uuid(1, 0), _uuid(1, MISSIONS - 2)):
        path = "/ai/missions/runs" if mission_id is None else f"/ai/missions/{mission_id}/runs"
        for status in (None, "running", "cancelled", "no-such-status"):
            expected = [
                dumped
                for owner, is_, dumped in newest_first
                if mission_id in (None, owner) and status in (None, is_)
            ]
            for number in _pages(len(expected), size):
                query: dict[str, Any] = {"page[number]": number, "page[size]": size}
                if status is not None:
                    query["status"] = status
                answer = client.get(path, params=query)
                assert answer.status_code == 200, answer.text
                assert answer.json() == _expected_page(expected, number, size), (
                    path,
                    status,
                    number,
                )
    if gone is not None:
        assert client.get(f"/ai/missions/{gone}/runs").status_code == 404
        assert all(owner != gone for owner, _, _ in newest_first)


def test_run_pages_equal_a_brute_force_sort(big: FakeMissions, client: httpx.Client) -> None:
    _check_run_pages(big, client)


def test_run_pages_stay_right_after_changes(big: FakeMissions, client: httpx.Client) -> None:
    mission = _uuid(1, 0)
    for n in range(0, 4_000, 97):  # runs change status (and so, status group)
        run_id = _uuid(2, n)
        owner = _uuid(1, n % MISSIONS)
        sent = client.patch(f"/ai/missions/{owner}/runs/{run_id}", json={"status": "cancelled"})
        assert sent.status_code == 200
    for _ in range(30):  # new runs, newest of all
        assert client.post(f"/ai/missions/{mission}/runs", json={}).status_code == 201
    gone = _uuid(1, MISSIONS - 1)
    assert client.delete(f"/ai/missions/{gone}").status_code == 204

    _check_run_pages(big, client, gone=gone)
    _check_run_pages(big, client, size=7)


def test_mission_pages_equal_stored_order(big: FakeMissions, client: httpx.Client) -> None:
    assert client.delete(f"/ai/missions/{_uuid(1, 3)}").status_code == 204
    assert client.post("/ai/missions", json={"name": "new"}).status_code == 201
    expected = [m.model_dump(mode="json") for m in big.missions]
    for number in _pages(len(expected), 6):
        answer = client.get("/ai/missions", params={"page[number]": number, "page[size]": 6})
        assert answer.json() == _expected_page(expected, number, 6)


def _events(fake: FakeMissions, run_id: str | None, **wanted: str | None) -> list[dict[str, Any]]:
    found = [
        e
        for e in fake.events(run_id)
        if all(value is None or getattr(e, key) == value for key, value in wanted.items())
    ]
    if run_id is None:
        found.sort(key=lambda e: e.timestamp, reverse=True)
    return [e.model_dump(mode="json") for e in found]


@pytest.mark.parametrize("changed", [False, True], ids=["as-loaded", "after-changes"])
def test_event_pages_equal_a_brute_force_filter(
    big: FakeMissions, client: httpx.Client, changed: bool
) -> None:
    run_id, mission_id = _uuid(2, 101), _uuid(1, 101 % MISSIONS)
    events = f"/ai/missions/{mission_id}/runs/{run_id}/events"
    if changed:
        for n in range(12):
            body = {"type": ("custom", "message")[n % 2], "summary": "more", "step_id": "step-1"}
            assert client.post(events, json=body).status_code == 201
    for kind in (None, "custom", "tool_call", "nothing"):
        expected = _events(big, None, type=kind)
        for number in _pages(len(expected), 50):
            query: dict[str, Any] = {"page[number]": number}
            if kind is not None:
                query["type"] = kind
            answer = client.get("/ai/missions/events", params=query)
            assert answer.json() == _expected_page(expected, number, 50)
        for step in (None, "step-1", "step-9"):
            for agent in (None, "agent-2"):
                expected = _events(big, run_id, type=kind, step_id=step, agent_id=agent)
                query = {"page[size]": 5}
                for name, value in (("type", kind), ("step_id", step), ("agent_id", agent)):
                    if value is not None:
                        query[name] = value
                for number in _pages(len(expected), 5):
                    answer = client.get(events, params={**query, "page[number]": number})
                    assert answer.json() == _expected_page(expected, number, 5), query
