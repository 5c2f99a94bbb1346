"""Arranging state: one method per resource, state documents, auto_create, ids and the clock."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
import telnyx
import yaml

from pytest_telnyx_missions import FakeMissions

from .helpers import doc_blocks, run_inner

# The ids the official SDK's own generated tests address.
SDK_ID = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"
MISSION = "2f1e0c52-3c1a-4d0e-9a51-5c8e8d4b2f10"
RUN = "9b0a7a7e-0d7e-4f55-8f8e-6b7d3c1a2b3c"
CLOCK = datetime(2025, 6, 1, tzinfo=timezone.utc)
DOC_KEYS = [
    "missions",
    "runs",
    "events",
    "plan_steps",
    "telnyx_agents",
    "knowledge_bases",
    "mcp_servers",
    "tools",
]


@pytest.fixture(scope="module")
def served() -> Iterator[FakeMissions]:
    with FakeMissions(control_api=True) as fake:
        yield fake


@pytest.fixture
def fake(served: FakeMissions) -> FakeMissions:
    served.configure()  # what the fixture does: a test's load_state does not leak
    return served


@pytest.fixture
def client(fake: FakeMissions) -> Iterator[telnyx.Telnyx]:
    with telnyx.Telnyx(base_url=fake.base_url, api_key="k", max_retries=0) as sdk:
        yield sdk


# -- arranging, read back through the official SDK ------------------------------------------
def test_each_arranging_method_is_read_back_through_the_sdk(
    fake: FakeMissions, client: telnyx.Telnyx
) -> None:
    mission = fake.add_mission(mission_id=MISSION, name="Invoices", metadata={"team": "billing"})
    run = fake.add_run(mission_id=MISSION, run_id=RUN, status="paused", metadata={"k": 1})
    event = fake.add_event(run_id=RUN, event_id="ev-1", type="message", summary="Hello")
    step = fake.add_plan_step(
        run_id=RUN, step_id="fetch", description="Fetch", sequence=1, status="in_progress"
    )
    agent = fake.link_agent(run_id=RUN, telnyx_agent_id="assistant-1")
    kb = fake.add_knowledge_base(mission_id=MISSION, knowledge_base_id="kb-1", name="Docs")
    mcp = fake.add_mcp_server(mission_id=MISSION, mcp_server_id="mcp-1", url="http://x")
    tool = fake.add_tool(mission_id=MISSION, tool_id="tool-1", name="search")

    missions, runs = client.ai.missions, client.ai.missions.runs
    got_mission = missions.retrieve(MISSION).data
    assert (got_mission.name, got_mission.metadata) == (mission.name, {"team": "billing"})
    got_run = runs.retrieve(RUN, mission_id=MISSION).data
    assert (got_run.status, got_run.metadata) == ("paused", {"k": 1})
    assert got_run.started_at == run.started_at
    got_event = runs.events.get_event_details("ev-1", mission_id=MISSION, run_id=RUN).data
    assert (got_event.type, got_event.summary) == ("message", event.summary)
    got_step = runs.plan.get_step_details("fetch", mission_id=MISSION, run_id=RUN).data
    assert (got_step.status, got_step.started_at) == ("in_progress", step.started_at)
    linked = runs.telnyx_agents.list(RUN, mission_id=MISSION).data
    assert [(a.telnyx_agent_id, a.created_at) for a in linked] == [
        ("assistant-1", agent.created_at)
    ]
    assert missions.knowledge_bases.get_knowledge_base("kb-1", mission_id=MISSION) == {"data": kb}
    assert missions.mcp_servers.get_mcp_server("mcp-1", mission_id=MISSION) == {"data": mcp}
    assert missions.tools.get_tool("tool-1", mission_id=MISSION) == {"data": tool}
    assert kb["name"] == "Docs"
    assert mcp["url"] == "http://x"


def test_arranging_creates_nothing_else(fake: FakeMissions) -> None:
    before = fake.dump_state()
    fake.add_mission(mission_id=MISSION)
    after = fake.dump_state()
    assert {key: len(after[key]) - len(before[key]) for key in DOC_KEYS} == {
        key: int(key == "missions") for key in DOC_KEYS
    }
    with pytest.raises(LookupError, match="add_mission"):
        fake.add_run(mission_id="5d1b6f7e-8a9b-4c0d-9e1f-2a3b4c5d6e7f")
    assert len(fake.dump_state()["missions"]) == len(after["missions"])


def test_derived_fields_agree_with_the_api(fake: FakeMissions) -> None:
    done = fake.add_run(status="succeeded")
    assert done.finished_at is not None
    assert fake.add_run(status="running").finished_at is None
    run = fake.runs[0]
    completed = fake.add_plan_step(
        run_id=run.run_id, step_id="done", description="Done", sequence=9, status="completed"
    )
    assert completed.completed_at is not None
    assert completed.started_at is not None
    pending = fake.add_plan_step(run_id=run.run_id, step_id="later", description="x", sequence=10)
    assert (pending.started_at, pending.completed_at) == (None, None)


def test_arranged_ids_without_a_choice_are_new_uuids(fake: FakeMissions) -> None:
    run = fake.runs[0]
    seeded = {e.event_id for e in fake.events()}
    event = fake.add_event(run_id=run.run_id)
    kb = fake.add_knowledge_base(mission_id=run.mission_id)
    assert event.event_id not in seeded
    assert str(UUID(event.event_id)) == event.event_id
    assert str(UUID(kb["knowledge_base_id"])) == kb["knowledge_base_id"]
    assert fake.events(run.run_id)[-1] == event


# -- mistakes fail at the set-up line ---------------------------------------------------------
@pytest.mark.parametrize(
    ("arrange", "message"),
    [
        (
            lambda f: f.add_run(stauts="failed"),
            "add_run() got unknown field(s) 'stauts' (did you mean 'status'?); valid",
        ),
        (
            lambda f: f.add_mission(nmae="x"),
            "add_mission() got unknown field(s) 'nmae' (did you mean 'name'?); valid",
        ),
        (
            lambda f: f.add_event(run_id=f.runs[0].run_id, summery="x"),
            "add_event() got unknown field(s) 'summery'",
        ),
        (
            lambda f: f.add_plan_step(
                run_id=f.runs[0].run_id, step_id="s", description="d", sequence=1, stat="x"
            ),
            "add_plan_step() got unknown field(s) 'stat'",
        ),
    ],
)
def test_an_unknown_field_is_a_type_error_naming_it(
    fake: FakeMissions, arrange: Callable[[FakeMissions], Any], message: str
) -> None:
    with pytest.raises(TypeError) as raised:
        arrange(fake)
    assert message in str(raised.value)
    if "valid" in message:
        assert "metadata" in str(raised.value)  # the valid fields are listed


@pytest.mark.parametrize(
    ("arrange", "message"),
    [
        (lambda f: f.add_run(run_id="run-1"), "run_id 'run-1' is not a UUID"),
        (lambda f: f.add_run(mission_id="m-1"), "mission_id 'm-1' is not a UUID"),
        (lambda f: f.add_mission(mission_id="a/b"), "cannot be a path segment"),
        (lambda f: f.add_event(run_id=f.runs[0].run_id, event_id=""), "cannot be a path segment"),
        (
            lambda f: f.link_agent(run_id=f.runs[0].run_id, telnyx_agent_id=" a"),
            "cannot be a path segment",
        ),
        (lambda f: f.add_run(status="finished"), "Input should be 'pending'"),
    ],
)
def test_an_id_or_value_the_api_would_reject_is_a_value_error(
    fake: FakeMissions, arrange: Callable[[FakeMissions], Any], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        arrange(fake)


def _twice(arrange: Callable[[], Any]) -> None:
    arrange()
    arrange()


@pytest.mark.parametrize(
    "arrange",
    [
        lambda f: f.add_mission(mission_id=f.missions[0].mission_id.upper()),
        lambda f: f.add_run(run_id=f.runs[0].run_id),
        lambda f: f.add_event(run_id=f.runs[0].run_id, event_id=f.events()[0].event_id),
        lambda f: f.add_plan_step(
            run_id=f.runs[0].run_id, step_id="step-1", description="x", sequence=1
        ),
        lambda f: _twice(lambda: f.link_agent(run_id=f.runs[0].run_id, telnyx_agent_id="a")),
        lambda f: _twice(lambda: f.add_tool(mission_id=f.missions[0].mission_id, tool_id="t")),
    ],
)
def test_an_id_that_exists_is_a_value_error(
    fake: FakeMissions, arrange: Callable[[FakeMissions], Any]
) -> None:
    before = fake.dump_state()
    with pytest.raises(ValueError, match="already"):
        arrange(fake)
    after = fake.dump_state()
    assert after["runs"] == before["runs"]
    assert after["missions"] == before["missions"]


@pytest.mark.parametrize(
    "read", [FakeMissions.get_run, FakeMissions.events, FakeMissions.plan], ids=lambda f: f.__name__
)
def test_reads_of_an_unknown_run_raise_lookup_error(
    fake: FakeMissions, read: Callable[[FakeMissions, str], Any]
) -> None:
    with pytest.raises(LookupError, match="Known runs"):
        read(fake, RUN)


# -- state documents ------------------------------------------------------------------------
def test_dump_has_exactly_the_documented_keys_in_api_shapes(
    fake: FakeMissions, client: telnyx.Telnyx
) -> None:
    doc = fake.dump_state()
    assert list(doc) == DOC_KEYS
    run = fake.runs[0]
    [dumped] = [r for r in doc["runs"] if r["run_id"] == run.run_id]
    answered = httpx.get(
        f"{fake.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}",
        headers={"authorization": "Bearer k"},
    ).json()["data"]
    assert dumped == answered
    json.dumps(doc)  # JSON-ready


def test_load_of_dump_round_trips_the_seeded_state(fake: FakeMissions) -> None:
    doc = fake.dump_state()
    other = FakeMissions(seed=99, runs=5)
    other.load_state(doc)
    assert other.dump_state() == doc


def test_load_of_dump_round_trips_after_api_writes(
    fake: FakeMissions, client: telnyx.Telnyx
) -> None:
    missions = client.ai.missions
    mission = missions.create(name="Written").data
    run = missions.runs.create(mission.mission_id, input={"a": 1}).data
    runs = missions.runs
    runs.update(run.run_id, mission_id=mission.mission_id, status="running")
    runs.events.log(run.run_id, mission_id=mission.mission_id, type="message", summary="Hi")
    runs.plan.create(
        run.run_id,
        mission_id=mission.mission_id,
        steps=[{"step_id": "a", "description": "A", "sequence": 1}],
    )
    runs.plan.update_step("a", mission_id=mission.mission_id, run_id=run.run_id, status="completed")
    runs.telnyx_agents.link(run.run_id, mission_id=mission.mission_id, telnyx_agent_id="ag")
    missions.knowledge_bases.create_knowledge_base(mission.mission_id, extra_body={"n": 1})
    missions.tools.create_tool(mission.mission_id, extra_body={"name": "t"})
    doc = fake.dump_state()

    other = FakeMissions()
    other.load_state(doc)
    assert other.dump_state() == doc
    assert other.get_run(run.run_id).status == "running"


def test_load_of_a_bad_document_names_every_bad_item_and_changes_nothing(
    fake: FakeMissions,
) -> None:
    before = fake.dump_state()
    doc = fake.dump_state()
    doc["runs"][2]["status"] = "finished"
    doc["runs"][1]["stauts"] = "x"
    doc["events"][0]["run_id"] = RUN
    doc["plan_steps"].append(dict(doc["plan_steps"][0]))
    doc["tools"] = [{"tool_id": "t"}]
    doc["agents"] = []
    with pytest.raises(ValueError, match="Invalid state document") as raised:
        fake.load_state(doc)
    message = str(raised.value)
    for expected in [
        "Invalid state document:",
        "agents: unknown key",
        "runs[2].status: Input should be 'pending', 'running', 'paused', 'succeeded'",
        "runs[1].stauts: unknown field",
        f"events[0].run_id: no run '{RUN}' in the document",
        "plan_steps[9].step_id: ",
        "tools[0].mission_id: Field required",
    ]:
        assert expected in message
    # Items that only refer to the bad runs are not reported again.
    assert message.count("\n") == 6
    assert fake.dump_state() == before
    [shown] = doc_blocks("State documents", "text")  # the docs show lines of this very message
    for line in shown.splitlines():
        assert line.replace("9b0a7a7e-0d7e-4f55-8f8e-6b7d3c1a2b3c", RUN) in message.splitlines()


def test_loaded_state_is_what_reset_returns_to_and_state_none_goes_back_to_seed(
    fake: FakeMissions, served: FakeMissions
) -> None:
    seeded = fake.dump_state()
    doc = {"missions": [seeded["missions"][0]], "runs": [seeded["runs"][0]]}
    fake.load_state(doc)
    assert [r.run_id for r in fake.runs] == [seeded["runs"][0]["run_id"]]
    fake.add_run()
    fake.reset()
    assert [r.run_id for r in fake.runs] == [seeded["runs"][0]["run_id"]]
    fake.reset(state=None)
    assert fake.dump_state() == seeded


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_load_state_from_a_file(fake: FakeMissions, tmp_path: Path, suffix: str) -> None:
    doc = fake.dump_state()
    path = tmp_path / f"state{suffix}"
    path.write_text(json.dumps(doc) if suffix == ".json" else yaml.safe_dump(doc))
    other = FakeMissions(state=path)
    assert other.dump_state() == doc


def test_the_example_state_file_loads(fake: FakeMissions) -> None:
    example = Path(__file__).parent.parent / "examples" / "state.json"
    fake.load_state(example)
    assert SDK_ID in {run.run_id for run in fake.runs}


# -- deterministic ids and clock ----------------------------------------------------------
def _scenario(fake: FakeMissions) -> list[bytes]:
    """The same requests, in order; the raw bodies answered."""
    headers = {"authorization": "Bearer k"}
    answers = []
    with httpx.Client(base_url=fake.base_url, headers=headers) as http:
        mission = http.post("/ai/missions", json={"name": "Same"})
        answers.append(mission.content)
        mission_id = mission.json()["data"]["mission_id"]
        run = http.post(f"/ai/missions/{mission_id}/runs", json={"input": {}})
        answers.append(run.content)
        run_path = f"/ai/missions/{mission_id}/runs/{run.json()['data']['run_id']}"
        answers.append(http.patch(run_path, json={"status": "running"}).content)
        answers.append(
            http.post(f"{run_path}/events", json={"type": "message", "summary": "s"}).content
        )
        answers.append(http.post(f"/ai/missions/{mission_id}/tools", json={"n": 1}).content)
        answers.append(http.post(f"{run_path}/pause").content)
        answers.append(http.get(f"{run_path}/events").content)
        answers.append(http.get("/ai/missions").content)
    return answers


def test_two_fakes_with_the_same_seed_and_clock_answer_byte_identical_bodies() -> None:
    with FakeMissions(seed=5, clock=CLOCK) as one, FakeMissions(seed=5, clock=CLOCK) as two:
        first = _scenario(one)
        assert _scenario(two) == first
        assert b"2025-06-01T00:00:00Z" in first[0]
        one.reset()
        assert _scenario(one) == first  # a reset restarts the ids and the clock


def test_ids_come_from_the_seed_and_a_counter_that_reset_restarts(fake: FakeMissions) -> None:
    first = [fake.add_mission().mission_id, fake.add_run().run_id]
    fake.reset()
    assert [fake.add_mission().mission_id, fake.add_run().run_id] == first
    fake.reset(seed=1)
    assert fake.add_mission().mission_id not in first


def test_a_fixed_clock_ticks_one_second_per_change_and_advances(fake: FakeMissions) -> None:
    fake.reset(clock="2025-06-01T00:00:00Z")
    first = fake.add_mission().created_at
    assert first == CLOCK
    assert fake.add_mission().created_at == CLOCK + timedelta(seconds=1)
    fake.advance(timedelta(hours=1))
    assert fake.add_mission().created_at == CLOCK + timedelta(hours=1, seconds=2)
    with pytest.raises(ValueError, match="forward"):
        fake.advance(timedelta(seconds=-1))


def test_advance_moves_real_time_too(fake: FakeMissions) -> None:
    before = fake.add_mission().created_at
    fake.advance(timedelta(days=2))
    assert fake.add_mission().created_at - before >= timedelta(days=2)


# -- auto_create ----------------------------------------------------------------------------
AUTO_CASES = [
    ("GET", "/ai/missions/{m}", 200, ["mission {m}"]),
    ("GET", "/ai/missions/{m}/runs/{r}", 200, ["mission {m}", "run {r}"]),
    (
        "GET",
        "/ai/missions/{m}/runs/{r}/events/event_id",
        200,
        ["mission {m}", "run {r}", "event event_id"],
    ),
    (
        "GET",
        "/ai/missions/{m}/runs/{r}/plan/steps/step_id",
        200,
        ["mission {m}", "run {r}", "plan step step_id"],
    ),
    (
        "DELETE",
        "/ai/missions/{m}/runs/{r}/telnyx-agents/telnyx_agent_id",
        204,
        ["mission {m}", "run {r}", "telnyx agent telnyx_agent_id"],
    ),
    (
        "GET",
        "/ai/missions/mission_id/knowledge-bases/knowledge_base_id",
        200,
        ["mission mission_id", "knowledge_base knowledge_base_id"],
    ),
    (
        "PUT",
        "/ai/missions/mission_id/mcp-servers/mcp_server_id",
        200,
        ["mission mission_id", "mcp_server mcp_server_id"],
    ),
    (
        "DELETE",
        "/ai/missions/mission_id/tools/tool_id",
        204,
        ["mission mission_id", "tool tool_id"],
    ),
]


@pytest.mark.parametrize(("method", "path", "status", "created"), AUTO_CASES)
def test_auto_create_makes_each_kind_on_the_spot(
    fake: FakeMissions, method: str, path: str, status: int, created: list[str]
) -> None:
    fake.reset(auto_create=True)
    url = fake.base_url + path.format(m=SDK_ID, r=SDK_ID)
    answer = httpx.request(method, url, headers={"authorization": "Bearer k"}, json={})
    assert answer.status_code == status, answer.text
    [entry] = fake.requests
    assert list(entry.auto_created) == [c.format(m=SDK_ID, r=SDK_ID) for c in created]
    again = httpx.request(method, url, headers={"authorization": "Bearer k"}, json={})
    if method != "DELETE":  # it exists now: found, not made again
        assert again.status_code == status
        assert fake.requests[-1].auto_created == ()
        assert len(fake.dump_state()["missions"]) == 3


@pytest.mark.parametrize(("method", "path", "status", "created"), AUTO_CASES)
def test_without_auto_create_unknown_ids_are_404(
    fake: FakeMissions, method: str, path: str, status: int, created: list[str]
) -> None:
    url = fake.base_url + path.format(m=SDK_ID, r=SDK_ID)
    answer = httpx.request(method, url, headers={"authorization": "Bearer k"}, json={})
    assert answer.status_code == 404
    assert answer.json()["errors"][0]["code"] == "10005"
    assert fake.dump_state() == FakeMissions().dump_state()


def test_auto_create_keeps_path_validation(fake: FakeMissions) -> None:
    fake.reset(auto_create=True)
    answer = httpx.get(f"{fake.base_url}/ai/missions/not-a-uuid", headers={"authorization": "B k"})
    assert answer.status_code == 401
    answer = httpx.get(
        f"{fake.base_url}/ai/missions/not-a-uuid", headers={"authorization": "Bearer k"}
    )
    assert answer.status_code == 422
    assert fake.requests[-1].auto_created == ()


def test_auto_created_run_works_through_the_sdk(fake: FakeMissions, client: telnyx.Telnyx) -> None:
    fake.reset(auto_create=True)
    updated = client.ai.missions.runs.update(SDK_ID, mission_id=SDK_ID, status="succeeded").data
    assert updated.status == "succeeded"
    fake.assert_run_updated(SDK_ID, status="succeeded")


# -- the control API ------------------------------------------------------------------------
def test_control_api_gets_and_puts_the_state(fake: FakeMissions) -> None:
    control = f"{fake.url}/_fake/state"
    doc = httpx.get(control).json()
    assert doc == fake.dump_state()
    doc = {"missions": doc["missions"], "runs": doc["runs"][:1]}
    assert httpx.put(control, json=doc).status_code == 204
    assert len(fake.runs) == 1
    assert httpx.post(f"{fake.url}/_fake/reset").status_code == 204
    assert len(fake.runs) == 1  # the loaded state is what reset returns to
    assert httpx.post(f"{fake.url}/_fake/reset", json={"state": None}).status_code == 204
    assert len(fake.runs) == 3


def test_control_api_refuses_a_bad_document_naming_the_item(fake: FakeMissions) -> None:
    before = fake.dump_state()
    doc = fake.dump_state()
    doc["runs"][2]["status"] = "finished"
    answer = httpx.put(f"{fake.url}/_fake/state", json=doc)
    assert answer.status_code == 400
    assert "runs[2].status: Input should be" in answer.json()["error"]
    assert httpx.put(f"{fake.url}/_fake/state", content=b"{").status_code == 400
    assert fake.dump_state() == before


def test_control_api_reset_takes_auto_create_clock_and_state(fake: FakeMissions) -> None:
    # Seeded data made with the clock lies before it, as a document's times must.
    doc = {"missions": [FakeMissions(clock=CLOCK).dump_state()["missions"][0]]}
    body = {"auto_create": True, "clock": "2025-06-01T00:00:00Z", "state": doc}
    assert httpx.post(f"{fake.url}/_fake/reset", json=body).status_code == 204
    assert fake.runs == []
    made = httpx.get(f"{fake.base_url}/ai/missions/{SDK_ID}", headers={"authorization": "Bearer k"})
    assert made.json()["data"]["created_at"] == "2025-06-01T00:00:00Z"
    bad = httpx.post(f"{fake.url}/_fake/reset", json={"clock": "soon"})
    assert bad.status_code == 400


# -- seeding under concurrent resets (safety) ----------------------------------------------
def test_concurrent_resets_with_different_seeds_equal_sequential_ones() -> None:
    seeds = [11, 12, 13, 14]
    expected = {}
    for seed in seeds:
        alone = FakeMissions(seed=seed, runs=200)
        expected[seed] = alone.dump_state()
    shared = FakeMissions(runs=200)
    got: dict[int, dict[str, Any]] = {}
    barrier = threading.Barrier(len(seeds))

    def reset(seed: int) -> None:
        barrier.wait(timeout=30)
        shared._baseline._seeder.snapshot(seed=seed, runs=200, missions=2)

    threads = [threading.Thread(target=reset, args=(seed,)) for seed in seeds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for seed in seeds:
        shared.reset(seed=seed)
        got[seed] = shared.dump_state()
    assert got == expected


# -- the plugin: marker, ini ---------------------------------------------------------------
PREAMBLE = """
import httpx, pytest
"""


def test_marker_state_path_is_relative_to_the_test_file(pytester: pytest.Pytester) -> None:
    seeded = FakeMissions().dump_state()
    doc = {"missions": seeded["missions"], "runs": seeded["runs"][:1]}
    (pytester.path / "data").mkdir()
    (pytester.path / "data" / "state.json").write_text(json.dumps(doc))
    result = run_inner(
        pytester,
        PREAMBLE,
        f"""
        @pytest.mark.telnyx_missions(state="data/state.json")
        def test_loaded(telnyx_missions):
            assert [r.run_id for r in telnyx_missions.runs] == [{doc["runs"][0]["run_id"]!r}]
            telnyx_missions.add_run()

        @pytest.mark.telnyx_missions(state={{"missions": {doc["missions"][:1]!r}}})
        def test_dict(telnyx_missions):
            assert telnyx_missions.runs == []

        def test_next_test_is_seeded_again(telnyx_missions):
            assert len(telnyx_missions.runs) == 3
        """,
    )
    result.assert_outcomes(passed=3)


def test_ini_state_auto_create_and_clock(pytester: pytest.Pytester) -> None:
    doc = {"missions": FakeMissions(clock=CLOCK).dump_state()["missions"]}
    (pytester.path / "state.yaml").write_text(yaml.safe_dump(doc))
    pytester.makeini(
        """
        [pytest]
        telnyx_missions_state = state.yaml
        telnyx_missions_auto_create = true
        telnyx_missions_clock = 2025-06-01T00:00:00Z
        """
    )
    result = run_inner(
        pytester,
        PREAMBLE,
        f"""
        def test_ini(telnyx_missions):
            assert telnyx_missions.runs == []
            url = telnyx_missions.base_url + "/ai/missions/{SDK_ID}"
            answer = httpx.get(url, headers={{"authorization": "Bearer k"}})
            assert answer.json()["data"]["created_at"] == "2025-06-01T00:00:00Z"

        @pytest.mark.telnyx_missions(auto_create=False, state=None, clock=None)
        def test_marker_wins(telnyx_missions):
            assert len(telnyx_missions.runs) == 3
            url = telnyx_missions.base_url + "/ai/missions/{SDK_ID}"
            assert httpx.get(url, headers={{"authorization": "Bearer k"}}).status_code == 404
            telnyx_missions.reset()
        """,
    )
    result.assert_outcomes(passed=2)


def test_a_bad_state_file_errors_the_test_naming_the_item(pytester: pytest.Pytester) -> None:
    doc = FakeMissions().dump_state()
    doc["runs"][0]["status"] = "finished"
    (pytester.path / "bad.json").write_text(json.dumps(doc))
    result = run_inner(
        pytester,
        PREAMBLE,
        """
        @pytest.mark.telnyx_missions(state="bad.json")
        def test_bad(telnyx_missions):
            pass
        """,
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*runs[[]0[]].status: Input should be*"])
