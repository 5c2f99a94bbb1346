"""Copy-on-write state: a reset after changes of every kind equals a fresh load, and the
tables behave as the dicts they replace (order, pages), checked against a plain model."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any, NamedTuple

import httpx
import pytest

from pytest_telnyx_missions import FakeMissions
from pytest_telnyx_missions._state.overlay import Loaded, Order, Table

M1, M2 = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
R1, R2 = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"
T0 = "2025-05-01T10:00:00Z"
DOC: dict[str, list[dict[str, Any]]] = {
    "missions": [
        {"mission_id": m, "name": f"Mission {m[:2]}", "created_at": T0, "updated_at": T0}
        for m in (M1, M2)
    ],
    "runs": [
        {"run_id": r, "mission_id": m, "status": s, "input": {}, "started_at": T0, "updated_at": T0}
        for r, m, s in ((R1, M1, "running"), (R2, M2, "paused"))
    ],
    "events": [
        {"event_id": "e1", "run_id": R1, "type": "custom", "summary": "one", "timestamp": T0},
        {"event_id": "e2", "run_id": R2, "type": "message", "summary": "two", "timestamp": T0},
    ],
    "plan_steps": [
        {"step_id": "s1", "run_id": R1, "sequence": 1, "description": "first"},
        {"step_id": "s2", "run_id": R1, "sequence": 2, "description": "second"},
    ],
    "telnyx_agents": [{"run_id": R1, "telnyx_agent_id": "agent-1", "created_at": T0}],
    "knowledge_bases": [{"knowledge_base_id": "kb1", "mission_id": M1, "name": "kb"}],
    "mcp_servers": [{"mcp_server_id": "mcp1", "mission_id": M1, "name": "mcp"}],
    "tools": [{"tool_id": "tool1", "mission_id": M2, "name": "tool"}],
}


@pytest.fixture
def fake() -> FakeMissions:
    made = FakeMissions(clock="2026-01-01T00:00:00Z")
    made.load_state(DOC)
    return made


@pytest.fixture
def client(fake: FakeMissions) -> Iterator[httpx.Client]:
    with httpx.Client(
        transport=fake.httpx_transport(),
        base_url="http://fake.invalid/v2",
        headers={"authorization": "Bearer k"},
    ) as http:
        yield http


def _change_everything(http: httpx.Client) -> None:
    """Create, change and delete at least one of every kind of resource."""
    run1, run2 = f"/ai/missions/{M1}/runs/{R1}", f"/ai/missions/{M2}/runs/{R2}"
    answers = [
        http.post("/ai/missions", json={"name": "new"}),
        http.put(f"/ai/missions/{M2}", json={"name": "renamed"}),
        http.post(f"/ai/missions/{M1}/runs", json={"input": {"a": 1}}),
        http.patch(run1, json={"status": "succeeded", "result_summary": "done"}),
        http.post(f"{run2}/cancel"),
        http.post(f"{run1}/events", json={"type": "custom", "summary": "new"}),
        http.post(
            f"{run2}/plan", json={"steps": [{"step_id": "x", "sequence": 1, "description": "d"}]}
        ),
        http.post(
            f"{run1}/plan/steps",
            json={"steps": [{"step_id": "s3", "sequence": 3, "description": "d"}]},
        ),
        http.patch(f"{run1}/plan/steps/s1", json={"status": "completed"}),
        http.post(
            f"{run1}/plan", json={"steps": [{"step_id": "only", "sequence": 1, "description": "d"}]}
        ),
        http.post(f"{run2}/telnyx-agents", json={"telnyx_agent_id": "agent-2"}),
        http.delete(f"{run1}/telnyx-agents/agent-1"),
        http.post(f"/ai/missions/{M1}/knowledge-bases", json={"name": "kb2"}),
        http.put(f"/ai/missions/{M1}/knowledge-bases/kb1", json={"name": "changed"}),
        http.delete(f"/ai/missions/{M1}/mcp-servers/mcp1"),
        http.post(f"/ai/missions/{M2}/tools", json={"name": "tool2"}),
        http.delete(f"/ai/missions/{M2}"),  # and everything under it
    ]
    for answer in answers:
        assert answer.status_code < 300, (answer.request.url, answer.text)


def _every_list(http: httpx.Client) -> dict[str, Any]:
    run1, run2 = f"/ai/missions/{M1}/runs/{R1}", f"/ai/missions/{M2}/runs/{R2}"
    paths = [
        "/ai/missions",
        "/ai/missions/runs",
        "/ai/missions/events",
        f"/ai/missions/{M1}/runs",
        f"/ai/missions/{M2}/runs",
        f"{run1}/events",
        f"{run2}/events",
        f"{run1}/plan",
        f"{run1}/telnyx-agents",
        f"{run2}/telnyx-agents",
        *(f"/ai/missions/{m}/{kind}" for m in (M1, M2) for kind in ("knowledge-bases", "tools")),
        f"/ai/missions/{M1}/mcp-servers",
    ]
    return {path: (http.get(path).status_code, http.get(path).json()) for path in paths}


def test_a_reset_after_changes_of_every_kind_equals_a_fresh_load(
    fake: FakeMissions, client: httpx.Client
) -> None:
    fresh = FakeMissions(clock="2026-01-01T00:00:00Z")
    fresh.load_state(DOC)
    with httpx.Client(
        transport=fresh.httpx_transport(),
        base_url="http://fake.invalid/v2",
        headers={"authorization": "Bearer k"},
    ) as other:
        expected_lists = _every_list(other)
    expected = fresh.dump_state()

    for _ in range(2):  # the second round changes tables a reset has already emptied
        _change_everything(client)
        assert fake.dump_state() != expected
        fake.reset()
        assert fake.dump_state() == expected
        assert _every_list(client) == expected_lists


def test_a_reset_of_seeded_data_equals_a_fresh_fake() -> None:
    fake, fresh = FakeMissions(seed=3, runs=12), FakeMissions(seed=3, runs=12)
    run = fake.runs[0]
    fake.add_run(mission_id=run.mission_id)
    with httpx.Client(
        transport=fake.httpx_transport(),
        base_url="http://fake.invalid/v2",
        headers={"authorization": "Bearer k"},
    ) as http:
        assert http.delete(f"/ai/missions/{run.mission_id}").status_code == 204
    assert fake.dump_state() != fresh.dump_state()
    fake.reset()
    assert fake.dump_state() == fresh.dump_state()


# -- the table against a dict: same order, same pages ------------------------------------------
class _Row(NamedTuple):
    kind: str
    rank: int
    note: int  # read by no order: changing it moves nothing


_ORDERS: dict[str, Order[_Row]] = {
    "sorted": Order(lambda _key, row: (None, row.kind), lambda row: -row.rank, ("kind", "rank")),
    "stored": Order(lambda _key, _row: (None,)),
}


def _brute(rows: dict[str, _Row], order: str, group: object) -> list[_Row]:
    found = [row for key, row in rows.items() if group in _ORDERS[order].groups(key, row)]
    if order == "sorted":
        found.sort(key=lambda row: -row.rank)  # stable, as the API's lists are
    return found


def _random_row(chance: random.Random) -> _Row:
    return _Row(chance.choice("ab"), chance.randint(0, 6), chance.randint(0, 9))


@pytest.mark.parametrize("seed", range(60))
def test_a_table_behaves_as_a_dict_with_sorted_groups(seed: int) -> None:
    chance = random.Random(seed)
    size = chance.randint(0, 30)
    rows = [(f"k{n}", _random_row(chance)) for n in range(size)]
    loaded = Loaded(rows, _ORDERS)
    for _ in range(2):  # two tests over one loaded table
        table, model = Table(loaded), dict(rows)
        for _ in range(chance.randint(0, 25)):
            key = f"k{chance.randint(0, size + 8)}"
            if chance.random() < 0.65:
                row = _random_row(chance)
                if key in model and chance.random() < 0.3:  # a change that keeps its place
                    row = model[key]._replace(note=chance.randint(0, 9))
                table.put(key, row)
                model[key] = row
            elif key in model:
                table.delete(key)
                del model[key]
            assert list(table.items()) == list(model.items())
            assert len(table) == len(model)
            for order, group in (("sorted", None), ("sorted", "a"), ("stored", None)):
                expected = _brute(model, order, group)
                listing = table.listing(order, group)
                assert len(listing) == len(expected)
                for start in range(len(expected) + 2):
                    for count in (1, 3, 8):
                        assert listing[start : start + count] == expected[start : start + count]
        assert dict(Table(loaded)) == dict(rows)  # the loaded rows never change
