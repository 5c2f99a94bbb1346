"""The property: random sequences of official SDK calls through a fake and a stand-in give no
divergence, and exactly the one injected when a mutation changes one answer."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_telnyx_missions.live._compare import Answer, Sent

from .live_pairs import pair, sdk

telnyx = pytest.importorskip("telnyx")

PROPERTY = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@dataclass
class World:
    """What the client knows: the missions and runs it made (the SDK's answers)."""

    client: Any
    missions: list[str]
    runs: list[tuple[str, str]]  # (mission_id, run_id)

    def mission(self, pick: int) -> str | None:
        return self.missions[pick % len(self.missions)] if self.missions else None

    def run(self, pick: int) -> tuple[str, str] | None:
        return self.runs[pick % len(self.runs)] if self.runs else None


def _create_mission(world: World, pick: int) -> None:
    world.missions.append(world.client.ai.missions.create(name=f"ptm-{pick}").data.mission_id)


def _create_run(world: World, pick: int) -> None:
    mission = world.mission(pick)
    if mission is not None:
        run = world.client.ai.missions.runs.create(mission, input={"n": pick}).data
        world.runs.append((mission, run.run_id))


def _on_run(call: Callable[[Any, str, str, int], object]) -> Callable[[World, int], None]:
    def action(world: World, pick: int) -> None:
        found = world.run(pick)
        if found is not None:
            call(world.client.ai.missions, found[0], found[1], pick)

    return action


def _on_mission(call: Callable[[Any, str, int], object]) -> Callable[[World, int], None]:
    def action(world: World, pick: int) -> None:
        mission = world.mission(pick)
        if mission is not None:
            call(world.client.ai.missions, mission, pick)

    return action


STATUSES = ["running", "succeeded", "failed", "paused"]
ACTIONS: dict[str, Callable[[World, int], object]] = {
    "create_mission": _create_mission,
    "create_run": _create_run,
    "get_mission": _on_mission(lambda api, m, _: api.retrieve(m)),
    "update_mission": _on_mission(lambda api, m, p: api.update_mission(m, name=f"ptm-u{p}")),
    "list_runs": _on_mission(lambda api, m, _: list(api.runs.list(m))),
    "list_missions": lambda world, _: list(world.client.ai.missions.list()),
    "list_recent_events": lambda world, _: list(world.client.ai.missions.list_events()),
    "list_recent_runs": lambda world, _: list(world.client.ai.missions.runs.list_runs()),
    "get_run": _on_run(lambda api, m, r, _: api.runs.retrieve(r, mission_id=m)),
    "update_run": _on_run(
        lambda api, m, r, p: api.runs.update(r, mission_id=m, status=STATUSES[p % 4])
    ),
    "cancel_run": _on_run(lambda api, m, r, _: api.runs.cancel_run(r, mission_id=m)),
    "pause_run": _on_run(lambda api, m, r, _: api.runs.pause_run(r, mission_id=m)),
    "log_event": _on_run(
        lambda api, m, r, p: api.runs.events.log(r, mission_id=m, type="message", summary=str(p))
    ),
    "list_events": _on_run(lambda api, m, r, _: list(api.runs.events.list(r, mission_id=m))),
    "create_plan": _on_run(
        lambda api, m, r, p: api.runs.plan.create(
            r, mission_id=m, steps=[{"step_id": f"s{p}", "description": "d", "sequence": 1}]
        )
    ),
    "get_plan": _on_run(lambda api, m, r, _: api.runs.plan.retrieve(r, mission_id=m)),
    "link_agent": _on_run(
        lambda api, m, r, p: api.runs.telnyx_agents.link(
            r, mission_id=m, telnyx_agent_id=f"agent-{p % 2}"
        )
    ),
    "list_agents": _on_run(lambda api, m, r, _: api.runs.telnyx_agents.list(r, mission_id=m)),
}

calls = st.lists(
    st.tuples(st.sampled_from(sorted(ACTIONS)), st.integers(0, 7)), min_size=1, max_size=10
)


def _drive(made: Any, steps: list[tuple[str, int]]) -> None:
    with sdk(made) as client:
        world = World(client, [], [])
        _create_mission(world, 0)
        for name, pick in steps:
            # an injected status makes the SDK raise: the sequence goes on, as a test's might
            with contextlib.suppress(telnyx.APIStatusError):
                ACTIONS[name](world, pick)


@dataclass
class AtExchange:
    """Changes the first answer at or after exchange ``at`` (counted from 0) that it fits."""

    at: int
    kind: str
    seen: int = 0
    fired: bool = False

    def __call__(self, operation: str, sent: Sent, answer: Answer) -> Answer:
        del operation
        self.seen += 1
        if self.fired or self.seen <= self.at:
            return answer
        changed = self._changed(sent, answer)
        self.fired = changed is not None
        return answer if changed is None else changed

    def _changed(self, sent: Sent, answer: Answer) -> Answer | None:
        if self.kind == "key added" and isinstance(answer.body, dict):
            return replace(answer, body={**answer.body, "real_only": True})
        if self.kind == "charset" and answer.body is not None:
            headers = {k.lower(): v for k, v in answer.headers.items()}
            headers["content-type"] = "application/json; charset=utf-8"
            return replace(answer, headers=headers)
        if self.kind == "status" and sent.method == "GET" and answer.status == 200:
            return Answer(404, answer.headers, {"errors": [{"code": "x", "title": "Gone"}]})
        return None


EXPECTED = {
    "key added": ("key_only_in_real", "$.real_only", "poorer"),
    "charset": ("header_format", "headers.content-type", "note"),
    "status": ("status", "status", "breaks"),
}


@PROPERTY
@given(steps=calls, seed=st.integers(1, 10_000), existing=st.sampled_from([0, 2, 25]))
def test_random_sdk_sequences_give_no_divergence(
    steps: list[tuple[str, int]], seed: int, existing: int
) -> None:
    """In an organisation empty, small, or with more missions than a page (25 of others'
    missions, runs and events the fake lacks)."""
    with pair(standin_seed=seed, existing=existing) as made:
        _drive(made, steps)
        assert made.exchanges
        assert [d.to_json() for d in made.divergences] == []


@PROPERTY
@given(
    steps=calls,
    at=st.integers(0, 12),
    kind=st.sampled_from(sorted(EXPECTED)),
)
def test_random_sdk_sequences_give_exactly_the_injected_divergence(
    steps: list[tuple[str, int]], at: int, kind: str
) -> None:
    mutation = AtExchange(at, kind)
    with pair(mutation) as made:
        _drive(made, steps)
        found = [(d.kind, d.path, d.severity) for d in made.divergences]
        assert made.mutated == int(mutation.fired)
        assert mutation.fired or mutation.seen <= at + 1 or kind == "status"
        assert found == ([EXPECTED[kind]] if mutation.fired else [])


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_each_injection_of_the_property_fires_and_is_found(kind: str) -> None:
    """The property's mutations, each surely injected once (whatever hypothesis draws)."""
    mutation = AtExchange(2, kind)
    with pair(mutation) as made:
        _drive(made, [("create_run", 0), ("get_run", 0), ("list_runs", 0), ("get_run", 1)])
        assert mutation.fired
        assert [(d.kind, d.path, d.severity) for d in made.divergences] == [EXPECTED[kind]]
