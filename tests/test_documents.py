"""State documents, the clock and resets: what a document may hold, and what a reset goes to.

Each test names the point of the issue it holds (20.3, 20.4, 20.19, 16.6, 17.4, 17.5).
"""

from __future__ import annotations

import copy
import json
import re
import typing
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from pytest_telnyx_missions import FakeMissions
from pytest_telnyx_missions._api.models import Event, Mission, MissionRun, PlanStep, TelnyxAgent
from pytest_telnyx_missions._state import document_model
from pytest_telnyx_missions._state.documents import construct

CLOCK = datetime(2025, 6, 1, tzinfo=timezone.utc)
MISSION = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
RUN = "a3bb189e-8bf9-4888-9912-ace4e6543002"
AUTH = {"authorization": "Bearer k"}


@pytest.fixture(scope="module")
def served() -> Iterator[FakeMissions]:
    with FakeMissions(control_api=True) as fake:
        yield fake


@pytest.fixture
def fake(served: FakeMissions) -> FakeMissions:
    served.configure()
    return served


def nested(levels: int) -> Any:
    """An object ``levels`` deep (json_depth), around a 1."""
    value: Any = 1
    for _ in range(levels):
        value = {"a": value}
    return value


def minimal(**run: Any) -> dict[str, Any]:
    """A document of one mission and one run, with only the fields nothing derives."""
    return {
        "missions": [{"mission_id": MISSION, "name": "M"}],
        "runs": [{"run_id": RUN, "mission_id": MISSION, "status": "running", **run}],
    }


# -- 20.3: a document the fake accepts can be served --------------------------------------
def test_a_value_nested_too_deep_for_an_answer_is_refused_naming_the_item(
    fake: FakeMissions,
) -> None:
    before = fake.dump_state()
    doc = fake.dump_state()
    doc["runs"][1]["metadata"] = nested(300)
    with pytest.raises(ValueError, match=r"runs\[1\]\.metadata: nested deeper than 255 levels"):
        fake.load_state(doc)
    answer = httpx.put(f"{fake.url}/_fake/state", json=doc)
    assert answer.status_code == 400
    assert "runs[1].metadata: nested deeper than 255 levels" in answer.json()["error"]
    assert fake.dump_state() == before


def test_the_deepest_accepted_value_is_served_and_round_trips(fake: FakeMissions) -> None:
    doc = minimal(metadata=nested(254))  # the field's own object, then 254 levels: 255 in all
    fake.load_state(doc)
    answer = httpx.get(f"{fake.base_url}/ai/missions/{MISSION}/runs/{RUN}", headers=AUTH)
    assert answer.status_code == 200
    assert httpx.get(f"{fake.url}/_fake/state").status_code == 200
    assert httpx.get(f"{fake.base_url}/ai/missions/{MISSION}/runs", headers=AUTH).is_success
    dumped = fake.dump_state()
    other = FakeMissions()
    other.load_state(dumped)
    assert other.dump_state() == dumped


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"a": [1, {"b": float("nan")}]}, "runs[0].metadata.a[1].b: Input should be a finite"),
        ({"a": (1, 2)}, "runs[0].metadata.a: not a JSON value (a tuple)"),
        ({"a": {1: "x"}}, "runs[0].metadata.a (key 1): Input should be a valid string"),
        ({"a": {"dict": {1, 2}}}, "runs[0].metadata.a.dict: not a JSON value (a set)"),
    ],
)
def test_a_value_no_answer_can_carry_is_refused(value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=r"Invalid state document|a state document is") as raised:
        FakeMissions().load_state(minimal(metadata=value))
    assert message in str(raised.value)


# -- 20.19: the documented ValueError; unreachable ids ------------------------------------
@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"missions": 5}, "missions: expected a list, got int"),
        ({"runs": [5]}, "runs[0]: expected an object, got 5"),
        ([], "a state document is an object with the keys missions, runs"),
        ({"missions": [{"mission_id": "m"}]}, "missions[0].name: Field required"),
    ],
)
def test_a_malformed_document_is_the_documented_value_error(doc: Any, message: str) -> None:
    with pytest.raises(ValueError, match=r"Invalid state document|a state document is") as raised:
        FakeMissions().load_state(doc)
    assert message in str(raised.value)


UNREACHABLE = ["..", ".", "a?b#c", "a/b", "a%41", "a\\b", "a\x00b", "a\x85b", " a"]


@pytest.mark.parametrize("bad", UNREACHABLE)
def test_an_id_no_client_can_reach_is_refused_in_documents_and_arranging(bad: str) -> None:
    fake = FakeMissions()
    mission = fake.missions[0].mission_id
    with pytest.raises(ValueError, match="cannot be a path segment"):
        fake.add_tool(mission_id=mission, tool_id=bad)
    with pytest.raises(ValueError, match="cannot be a path segment"):
        fake.add_mission(mission_id=bad)
    with pytest.raises(ValueError, match="cannot be a path segment"):
        fake.add_event(run_id=fake.runs[0].run_id, event_id=bad)
    doc = minimal()
    doc["tools"] = [{"tool_id": bad, "mission_id": MISSION}]
    with pytest.raises(ValueError, match=r"tools\[0\]\.tool_id: .* cannot be a path segment"):
        fake.load_state(doc)


def test_ids_every_client_sends_unchanged_are_accepted_and_reached(fake: FakeMissions) -> None:
    mission = fake.missions[0].mission_id
    for tool_id in ["a..b", "~x", "a+b;c", "@:", "café"]:
        fake.add_tool(mission_id=mission, tool_id=tool_id)
        answer = httpx.get(f"{fake.base_url}/ai/missions/{mission}/tools/{tool_id}", headers=AUTH)
        assert answer.json()["data"]["tool_id"] == tool_id


@pytest.mark.parametrize(
    "body",
    [{"seed": "3"}, {"runs": 1.0}, {"auto_create": "yes"}, {"strict_transitions": 1}],
    ids=["str-seed", "float-runs", "str-bool", "int-bool"],
)
def test_the_control_reset_body_is_strict(fake: FakeMissions, body: dict[str, Any]) -> None:
    answer = httpx.post(f"{fake.url}/_fake/reset", json=body)
    assert answer.status_code == 400, answer.text
    assert next(iter(body)) in answer.json()["error"]


# -- 16.6: every bad item named once -------------------------------------------------------
def test_problems_are_named_once_each_and_references_to_bad_items_are_not_repeated() -> None:
    doc = minimal(status="finished")
    doc["events"] = [{"event_id": "e1", "run_id": RUN, "type": "x", "summary": "s"}]
    doc["runs"].append({"run_id": "not-a-uuid", "mission_id": MISSION, "status": "running"})
    doc["plan_steps"] = [
        {"step_id": "s", "run_id": "not-a-uuid", "sequence": 1, "description": "d"}
    ]
    doc["missions"].append({"mission_id": "m2", "name": "M", "nmae": "x"})
    with pytest.raises(ValueError, match=r"Invalid state document|a state document is") as raised:
        FakeMissions().load_state(doc)
    lines = str(raised.value).splitlines()
    assert lines[0] == "Invalid state document:"
    assert lines[1:] == [
        "missions[1].nmae: unknown field (fields: mission_id, name, execution_mode, created_at, "
        "updated_at, description, model, instructions, metadata)",
        "runs[0].status: Input should be 'pending', 'running', 'paused', 'succeeded', 'failed' "
        "or 'cancelled'",
        "runs[1].run_id: run_id 'not-a-uuid' is not a UUID, and the API's paths only accept a "
        "UUID there",
    ]


def test_document_items_have_the_api_models_fields() -> None:
    pairs: list[tuple[str, type[Any], type[BaseModel]]] = [
        ("missions", document_model.MissionItem, Mission),
        ("runs", document_model.RunItem, MissionRun),
        ("events", document_model.EventItem, Event),
        ("plan_steps", document_model.StepItem, PlanStep),
        ("telnyx_agents", document_model.AgentItem, TelnyxAgent),
    ]
    loaded = document_model.DOCUMENT.validate_python(
        {
            "missions": [{"mission_id": "m", "name": "M"}],
            "runs": [{"run_id": RUN, "mission_id": MISSION, "status": "running"}],
            "events": [{"event_id": "e", "run_id": RUN, "type": "custom", "summary": "s"}],
            "plan_steps": [{"step_id": "s", "run_id": RUN, "sequence": 1, "description": "d"}],
            "telnyx_agents": [{"run_id": RUN, "telnyx_agent_id": "a"}],
        }
    )
    for key, item, model in pairs:
        assert list(typing.get_type_hints(item)) == list(model.model_fields), key
        # Every field, in the model's order: the loader makes the model's values of this dict.
        assert list(getattr(loaded, key)[0]) == list(model.model_fields), key


def test_a_constructed_item_equals_a_validated_one() -> None:
    run = FakeMissions().runs[0]
    values = run.model_dump()
    made = construct(MissionRun, dict(values), set(values))
    assert made == MissionRun.model_validate(values)
    assert made.model_dump(mode="json") == run.model_dump(mode="json")
    assert made.model_copy(update={"status": "failed"}).status == "failed"


# -- 17.5: derived fields may be left out ------------------------------------------------
def test_left_out_times_are_filled_from_the_clock_one_tick_before_it() -> None:
    doc = minimal()
    doc["runs"].append(
        {
            "run_id": "5d1b6f7e-8a9b-4c0d-9e1f-2a3b4c5d6e7f",
            "mission_id": MISSION,
            "status": "failed",
        }
    )
    doc["plan_steps"] = [
        {"step_id": "a", "run_id": RUN, "sequence": 1, "description": "A", "status": "completed"},
        {"step_id": "b", "run_id": RUN, "sequence": 2, "description": "B"},
    ]
    doc["events"] = [{"event_id": "e", "run_id": RUN, "type": "custom", "summary": "s"}]
    doc["telnyx_agents"] = [{"run_id": RUN, "telnyx_agent_id": "ag"}]
    doc["tools"] = [{"tool_id": "t", "mission_id": MISSION}]
    fake = FakeMissions(clock=CLOCK, state=doc)
    before = CLOCK - timedelta(seconds=1)
    mission, (running, failed) = fake.missions[0], fake.runs
    assert (mission.created_at, mission.updated_at) == (before, before)
    assert (running.started_at, running.updated_at, running.finished_at) == (before, before, None)
    assert failed.finished_at == before
    done, pending = fake.plan(RUN)
    assert (done.started_at, done.completed_at) == (before, before)
    assert (pending.started_at, pending.completed_at) == (None, None)
    assert fake.events(RUN)[0].timestamp == before
    state = fake.dump_state()
    assert state["telnyx_agents"][0]["created_at"] == "2025-05-31T23:59:59Z"
    assert state["tools"][0]["created_at"] == "2025-05-31T23:59:59Z"
    assert fake.add_mission().created_at == CLOCK  # the first change still reads the clock


def test_a_left_out_time_follows_the_times_its_item_gives() -> None:
    doc = minimal(started_at="2025-05-01T00:00:00Z", status="succeeded")
    run = FakeMissions(clock=CLOCK, state=doc).runs[0]
    moment = datetime(2025, 5, 1, tzinfo=timezone.utc)
    assert (run.started_at, run.finished_at, run.updated_at) == (moment, moment, moment)


def test_left_out_times_with_real_time_are_the_load_and_changes_follow_them() -> None:
    fake = FakeMissions(state=minimal())
    run = fake.runs[0]
    assert run.updated_at <= datetime.now(timezone.utc)
    assert fake.add_mission().created_at > run.updated_at


# -- 20.4: the clock never runs backwards or stands still ----------------------------------
def test_seeded_times_lie_before_the_readme_clock_and_a_patch_moves_forward() -> None:
    fake = FakeMissions(clock=CLOCK)
    latest = max(
        moment
        for doc_items in fake.dump_state().values()
        for item in doc_items
        for key, moment in item.items()
        if key.endswith("_at") or key == "timestamp"
        if moment is not None
    )
    assert latest < "2025-06-01T00:00:00Z"
    run = next(r for r in fake.runs if r.status == "running")
    path = f"/v2/ai/missions/{run.mission_id}/runs/{run.run_id}"
    client = httpx.Client(transport=fake.httpx_transport(), base_url="http://fake")
    done = client.patch(path, json={"status": "succeeded"}, headers=AUTH).json()["data"]
    assert done["finished_at"] == done["updated_at"] == "2025-06-01T00:00:00Z"
    assert done["started_at"] < done["finished_at"]


def test_every_change_ticks_the_clock_plan_creation_and_deletes_too() -> None:
    fake = FakeMissions(clock=CLOCK)
    run = fake.runs[0]
    client = httpx.Client(transport=fake.httpx_transport(), base_url="http://fake", headers=AUTH)
    base = f"/v2/ai/missions/{run.mission_id}/runs/{run.run_id}"
    step = {"step_id": "x", "description": "X", "sequence": 1}
    assert fake.add_mission().created_at == CLOCK
    assert client.post(f"{base}/plan", json={"steps": [step]}).status_code == 201
    assert client.post(f"{base}/plan/steps", json={"steps": [{**step, "step_id": "y"}]}).is_success
    tool = fake.add_tool(mission_id=run.mission_id, tool_id="t")
    assert tool["created_at"] == "2025-06-01T00:00:03Z"
    assert client.delete(f"/v2/ai/missions/{run.mission_id}/tools/t").status_code == 204
    assert fake.add_mission().created_at == CLOCK + timedelta(seconds=5)


def test_the_earliest_clock_ticks() -> None:
    fake = FakeMissions(clock="1970-01-01T00:00:00Z")
    first, second = fake.add_mission().created_at, fake.add_mission().created_at
    assert second - first == timedelta(seconds=1)
    assert max(run.updated_at for run in fake.runs) < first


CLOCK_OUT_OF_RANGE = re.escape(
    "clock 9999-12-31T23:59:58Z is out of range: a fixed clock lies from 1970-01-01T00:00:00Z "
    "to before 9000-01-01T00:00:00Z"
)


@pytest.mark.parametrize("clock", ["9999-12-31T23:59:58Z", "0001-01-01T00:00:00Z"])
def test_a_clock_that_cannot_tick_is_refused_where_it_is_given(
    fake: FakeMissions, clock: str
) -> None:
    message = f"clock {clock} is out of range"
    with pytest.raises(ValueError, match=message):
        FakeMissions(clock=clock)
    with pytest.raises(ValueError, match=message):
        fake.reset(clock=clock)
    answer = httpx.post(f"{fake.url}/_fake/reset", json={"clock": clock})
    assert answer.status_code == 400
    assert message in answer.json()["error"]


def test_advance_never_moves_the_clock_past_its_ceiling() -> None:
    fake = FakeMissions(clock="8999-12-31T00:00:00Z")
    with pytest.raises(ValueError, match="past 9999-01-01"):
        fake.advance(timedelta(days=365 * 1000))
    assert fake.add_mission().created_at == datetime(8999, 12, 31, tzinfo=timezone.utc)


def test_a_document_time_at_or_after_a_fixed_clock_is_refused_naming_it() -> None:
    doc = minimal(started_at="2025-06-01T00:00:00Z")
    with pytest.raises(ValueError, match=r"Invalid state document|a state document is") as raised:
        FakeMissions(clock=CLOCK, state=doc)
    assert (
        "runs[0].started_at: 2025-06-01T00:00:00Z is not before the fixed clock "
        "2025-06-01T00:00:00Z" in str(raised.value)
    )
    FakeMissions(clock=CLOCK + timedelta(seconds=1), state=doc)  # one second later: fine


# -- 17.4: a reset that names seeded data goes to it ---------------------------------------
def test_after_a_load_a_reset_naming_seed_runs_or_missions_goes_back_to_seeded_data(
    fake: FakeMissions,
) -> None:
    fake.load_state(minimal())
    fake.reset(seed=7, runs=4)
    assert fake.dump_state() == FakeMissions(seed=7, runs=4).dump_state()
    fake.load_state(minimal())
    fake.reset()
    assert [run.run_id for run in fake.runs] == [RUN]  # a plain reset keeps the document
    fake.reset(seed=3, state=minimal())
    assert [run.run_id for run in fake.runs] == [RUN]  # both named: the document, seed 3


def test_the_api_reference_says_what_a_reset_after_a_load_goes_to() -> None:
    reset, load = (
        " ".join((method.__doc__ or "").split())
        for method in (FakeMissions.reset, FakeMissions.load_state)
    )
    assert "``state=None``, or a ``seed``, ``runs`` or ``missions``, goes back to seeded" in reset
    assert "A :meth:`reset` naming no seeded option returns to it." in load


def test_the_control_api_reset_after_a_put_state_goes_back_to_seeded_data(
    fake: FakeMissions,
) -> None:
    assert httpx.put(f"{fake.url}/_fake/state", json=minimal()).status_code == 204
    assert httpx.post(f"{fake.url}/_fake/reset", json={"seed": 7, "runs": 7}).status_code == 204
    assert fake.dump_state() == FakeMissions(seed=7, runs=7).dump_state()


@pytest.mark.parametrize("named", [{"seed": 7}, {"runs": 5}, {"missions": 3}])
def test_each_seeded_option_alone_leaves_a_loaded_document_in_python_and_over_http(
    fake: FakeMissions, named: dict[str, int]
) -> None:
    expected = FakeMissions(**named).dump_state()  # type: ignore[arg-type]
    fake.load_state(minimal())
    fake.reset(**named)  # type: ignore[arg-type]
    assert fake.dump_state() == expected
    assert httpx.put(f"{fake.url}/_fake/state", json=minimal()).status_code == 204
    assert httpx.post(f"{fake.url}/_fake/reset", json=named).status_code == 204
    assert fake.dump_state() == expected


def test_a_document_is_not_changed_by_loading_it() -> None:
    doc = minimal(metadata={"a": [1]})
    kept = copy.deepcopy(doc)
    fake = FakeMissions(state=doc)
    fake.reset()
    assert doc == kept
    json.dumps(fake.dump_state())
