"""The mutation table: one divergence injected at a time into a stand-in's answers, each found
exactly once with the right kind, path and severity, live and on replay of its cassette; the
unmutated stand-in (another seed, another clock) gives none (the noise control)."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from pytest_telnyx_missions.live._compare import Answer, Sent
from pytest_telnyx_missions.live._replay import replay

from .live_pairs import Pair, pair
from .live_standin import CANARY_KEY

FOREIGN = "0d15ea5e-0000-4000-8000-00000000f00d"
UNKNOWN_RUN = "7b1e0c52-3c1a-4d0e-9a51-5c8e8d4b2f10"


def scenario(client: httpx.Client) -> None:
    """One test's worth of requests, touching every answer a mutation below changes."""
    mission = client.post("/ai/missions", json={"name": "ptm-mutations"}).json()["data"]
    mission_id = mission["mission_id"]
    assert client.post("/ai/missions", json={}).status_code == 422
    client.get(f"/ai/missions/{mission_id}")
    runs = f"/ai/missions/{mission_id}/runs"
    run_id = client.post(runs, json={"input": {"n": 1}}).json()["data"]["run_id"]
    client.post(runs, json={})
    client.get(f"{runs}/{run_id}")
    client.patch(f"{runs}/{run_id}", json={"status": "running"})
    client.get(runs)
    client.get("/ai/missions")
    client.post(f"{runs}/{run_id}/events", json={"type": "message", "summary": "working"})
    client.get("/ai/missions/events")
    client.get("/ai/missions/runs")
    client.get(f"{runs}/{UNKNOWN_RUN}")
    client.get(f"/ai/missions/{mission_id}/nowhere")


Change = Callable[[Answer], Answer]


@dataclass
class Mutation:
    name: str
    operation: str  # the first answer of this operation (a prefix, for the unrouted) changes
    change: Change
    expected: tuple[tuple[str, str, str], ...]  # (kind, path, severity)
    status: int | None = None  # only an answer with this status
    done: bool = False

    def __call__(self, operation: str, sent: Sent, answer: Answer) -> Answer:
        del sent
        if self.done or not operation.startswith(self.operation):
            return answer
        if self.status is not None and answer.status != self.status:
            return answer
        self.done = True
        return self.change(answer)

    def fresh(self) -> Mutation:
        return replace(self, done=False)


def body(edit: Callable[[Any], Any]) -> Change:
    def change(answer: Answer) -> Answer:
        edited = copy.deepcopy(answer.body)
        return replace(answer, body=edit(edited))

    return change


def headers(edit: Callable[[dict[str, str]], object]) -> Change:
    def change(answer: Answer) -> Answer:
        changed = {k.lower(): v for k, v in answer.headers.items()}
        edit(changed)
        return replace(answer, headers=changed)

    return change


def setting(path: str, value: Any) -> Change:
    """Set (or, with ``value=DELETE``, remove) one key at a dotted path of the body."""

    def edit(doc: Any) -> Any:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        node = doc
        for part in parents:
            node = node[part]
        if value is DELETE:
            del node[last]
        else:
            node[last] = value(node[last]) if callable(value) else value
        return doc

    return body(edit)


DELETE = object()
BREAKS, POORER, NOTE = "breaks", "poorer", "note"


def _with_other_mission(doc: Any) -> Any:
    other = {**doc["data"][0], "mission_id": FOREIGN, "name": "someone else's"}
    doc["data"].insert(0, other)
    doc["meta"]["total_results"] += 1
    return doc


def _with_other_run(doc: Any) -> Any:
    doc["data"].append({**doc["data"][0], "run_id": FOREIGN})
    return doc


MUTATIONS = [
    Mutation(
        "status changed",
        "get_run",
        # not a 429 or 5xx: those are the service's load, never compared (live or on replay)
        lambda a: replace(a, status=404, body={"errors": [{"code": "10005", "title": "Gone"}]}),
        (("status", "status", BREAKS),),
        status=200,
    ),
    Mutation(
        "key removed",
        "get_run",
        setting("data.result_summary", DELETE),
        (("key_only_in_fake", "$.data.result_summary", BREAKS),),
    ),
    Mutation(
        "key added",
        "get_run",
        setting("data.cost", 0),
        (("key_only_in_real", "$.data.cost", POORER),),
    ),
    Mutation(
        "type changed",
        "get_mission",
        setting("data.metadata", ""),
        (("type", "$.data.metadata", BREAKS),),
    ),
    Mutation(
        "value changed",
        "update_run",
        setting("data.status", "pending"),
        (("value", "$.data.status", BREAKS),),
    ),
    Mutation(
        "list order",
        "list_runs",
        setting("data", lambda items: items[::-1]),
        (("order", "$.data", BREAKS),),
    ),
    Mutation(
        "list length",
        "list_runs",
        setting("data", lambda items: items[:-1]),
        (("length", "$.data", BREAKS),),
    ),
    Mutation(
        "pagination meta",
        "list_runs",
        setting("meta.total_pages", 2),
        (("value", "$.meta.total_pages", BREAKS),),
    ),
    Mutation(
        "id not echoed",
        "get_run",
        setting("data.run_id", str(uuid.UUID(int=7, version=4))),
        (("id", "$.data.run_id", BREAKS),),
        status=200,
    ),
    Mutation(
        "client's id not echoed",
        "create_run",
        setting("data.mission_id", FOREIGN),
        (("id", "$.data.mission_id", BREAKS),),
    ),
    Mutation(
        "timestamp zone",
        "get_run",
        setting("data.started_at", lambda t: t.replace("Z", "+00:00")),
        (("time_format", "$.data.started_at", NOTE),),
        status=200,
    ),
    Mutation(
        "timestamp fraction digits",
        "get_run",
        setting("data.started_at", lambda t: t[:-4] + "Z"),
        (("time_format", "$.data.started_at", NOTE),),
        status=200,
    ),
    Mutation(
        "not a timestamp",
        "update_run",
        setting("data.updated_at", "soon"),
        (("value", "$.data.updated_at", BREAKS),),
    ),
    Mutation(
        "retry header missing",
        "GET /ai/missions/",
        headers(lambda h: h.pop("x-should-retry")),
        (("header_only_in_fake", "headers.x-should-retry", BREAKS),),
        status=404,
    ),
    Mutation(
        "retry header says retry",
        "GET /ai/missions/",
        headers(lambda h: h.update({"x-should-retry": "true"})),
        (("header", "headers.x-should-retry", BREAKS),),
        status=404,
    ),
    Mutation(
        "retry header added",
        "get_mission",
        headers(lambda h: h.update({"retry-after": "1"})),
        (("header_only_in_real", "headers.retry-after", POORER),),
    ),
    Mutation(
        "content type changed",
        "get_mission",
        headers(lambda h: h.update({"content-type": "text/plain"})),
        (("header", "headers.content-type", BREAKS),),
    ),
    Mutation(
        "error envelope shape",
        "get_run",
        body(lambda doc: {"detail": "Not Found"}),
        (("error_shape", "$", BREAKS),),
        status=404,
    ),
    Mutation(
        "422 loc",
        "create_mission",
        setting("detail.0.loc.1", "title"),
        (("value", "$.detail[0].loc[1]", BREAKS),),
        status=422,
    ),
    Mutation(
        "422 msg",
        "create_mission",
        setting("detail.0.msg", "field required"),
        (("value", "$.detail[0].msg", BREAKS),),
        status=422,
    ),
    Mutation(
        "422 input missing",
        "create_mission",
        setting("detail.0.input", DELETE),
        (("key_only_in_fake", "$.detail[0].input", BREAKS),),
        status=422,
    ),
    Mutation(
        "event summary",
        "list_recent_events",
        setting("data.0.summary", "idle"),
        (("value", "$.data[0].summary", BREAKS),),
    ),
    Mutation(
        "another session's mission in the org-wide list (cut: nothing)",
        "list_missions",
        body(_with_other_mission),
        (),
    ),
    Mutation(
        "another session's run in the recent runs (cut: nothing)",
        "list_recent_runs",
        setting(
            "data", lambda runs: [{**runs[0], "run_id": FOREIGN, "mission_id": FOREIGN}, *runs]
        ),
        (),
    ),
    Mutation(
        "another session's run in a mission's list",
        "list_runs",
        body(_with_other_run),
        (("length", "$.data", BREAKS),),
    ),
]


def _found(made: Pair) -> list[tuple[str, str, str]]:
    return [(d.kind, d.path, d.severity) for d in made.divergences]


def _replayed(made: Pair, directory: Path) -> list[tuple[str, str, str]]:
    made.write_cassette(directory)
    report = replay([directory])
    assert report.cassettes == 1
    assert report.exchanges == len(made.exchanges)
    return [
        (f.divergence.kind, f.divergence.path, f.divergence.severity) for f in report.divergences
    ]


def test_the_table_is_wide_enough() -> None:
    assert len({m.name for m in MUTATIONS}) == len(MUTATIONS) >= 15
    kinds = {kind for m in MUTATIONS for kind, _, _ in m.expected}
    assert len(kinds) >= 12


@pytest.mark.parametrize(("standin_seed", "existing"), [(4242, 2), (7, 2), (4242, 25)])
def test_the_unmutated_stand_in_gives_nothing_live_and_on_replay(
    standin_seed: int, existing: int, tmp_path: Path
) -> None:
    """Another seed, another clock; and an organisation with more missions than a page."""
    with pair(standin_seed=standin_seed, existing=existing) as made:
        with made.client() as client:
            scenario(client)
        assert len(made.exchanges) == 14
        assert len(made.standin.requests()) == len(made.fake.requests) == 14
        assert [d.to_json() for d in made.divergences] == []
        assert _replayed(made, tmp_path) == []


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.name)
def test_an_injected_divergence_is_found_exactly_once(mutation: Mutation, tmp_path: Path) -> None:
    with pair(mutation.fresh()) as made:
        with made.client() as client:
            scenario(client)
        assert made.mutated == 1
        assert _found(made) == list(mutation.expected)
        assert _replayed(made, tmp_path) == list(mutation.expected)


def test_a_cassette_holds_no_key_and_no_other_header(tmp_path: Path) -> None:
    with pair() as made:
        with made.client() as client:
            scenario(client)
        path = made.write_cassette(tmp_path)
    raw = path.read_bytes()
    assert CANARY_KEY.encode() not in raw
    doc = json.loads(raw)
    headers = {name for ex in doc["exchanges"] for name in ex["response"]["headers"]}
    assert headers <= {"content-type", "x-should-retry"}
    assert all("headers" not in ex["request"] for ex in doc["exchanges"])
