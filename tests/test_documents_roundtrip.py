"""A round-trip property: any document the fake accepts dumps back equal and is served by GET."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import httpx
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pytest_telnyx_missions import FakeMissions

RUN_IDS = [f"00000000-0000-4000-8000-{n:012d}" for n in range(4)]
MISSION_IDS = ["11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"]
AUTH = {"authorization": "Bearer k"}

# Ids drawn from every character class the rules name: most are refused, the rest must work.
ids = st.one_of(st.sampled_from(["a", "b", "step-1", "x.y", "~"]), st.text(max_size=4))
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)
free = st.none() | st.dictionaries(st.text(max_size=3), json_values, max_size=3)
offsets = st.sampled_from(
    [timezone.utc, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5))]
)
times = st.builds(
    lambda moment, tz: moment.replace(tzinfo=timezone.utc).astimezone(tz).isoformat(),
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2024, 12, 31)),
    offsets,
)


def maybe(
    item: dict[str, Any], draw: st.DrawFn, **optional: st.SearchStrategy[Any]
) -> dict[str, Any]:
    """``item`` with each optional field either left out or drawn."""
    for name, strategy in optional.items():
        if draw(st.booleans()):
            item[name] = draw(strategy)
    return item


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    mission_ids = MISSION_IDS + draw(st.lists(ids, max_size=1))
    missions = [
        maybe(
            {"mission_id": mission_id, "name": draw(st.text(max_size=5))},
            draw,
            created_at=times,
            updated_at=times,
            metadata=free,
            description=st.none() | st.text(max_size=5),
        )
        for mission_id in mission_ids
    ]
    run_ids = draw(st.lists(st.sampled_from(RUN_IDS), unique=True, min_size=1))
    runs = [
        maybe(
            {
                "run_id": run_id.upper() if draw(st.booleans()) else run_id,
                "mission_id": draw(st.sampled_from(MISSION_IDS)),
                "status": draw(st.sampled_from(["pending", "running", "succeeded", "failed"])),
            },
            draw,
            started_at=times,
            updated_at=times,
            finished_at=st.none() | times,
            input=free,
            metadata=free,
            result_payload=free,
        )
        for run_id in run_ids
    ]
    events = [
        maybe(
            {
                "event_id": event_id,
                "run_id": draw(st.sampled_from(run_ids)),
                "type": "custom",
                "summary": "s",
            },
            draw,
            timestamp=times,
            payload=free,
        )
        for event_id in draw(st.lists(ids, unique=True, max_size=3))
    ]
    steps = [
        maybe(
            {
                "step_id": step_id,
                "run_id": draw(st.sampled_from(run_ids)),
                "sequence": draw(st.integers(0, 5)),
                "description": "d",
                "status": draw(st.sampled_from(["pending", "in_progress", "completed", "skipped"])),
            },
            draw,
            started_at=st.none() | times,
            completed_at=st.none() | times,
            metadata=free,
        )
        for step_id in draw(st.lists(ids, unique=True, max_size=3))
    ]
    tools = [
        maybe(
            {"tool_id": tool_id, "mission_id": draw(st.sampled_from(mission_ids))},
            draw,
            name=json_values,
            created_at=times,
        )
        for tool_id in draw(st.lists(ids, unique=True, max_size=2))
    ]
    return {
        "missions": missions,
        "runs": runs,
        "events": events,
        "plan_steps": steps,
        "tools": tools,
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_an_accepted_document_dumps_back_equal_and_every_run_is_served(doc: dict[str, Any]) -> None:
    fake = FakeMissions()
    try:
        fake.load_state(doc)
    except ValueError:
        event("refused")
        return  # refused up front: nothing to serve
    event(f"accepted, {len(doc['runs'])} runs")
    dumped = fake.dump_state()
    again = FakeMissions()
    again.load_state(json.loads(json.dumps(dumped)))  # as a file or the control API gives it
    assert again.dump_state() == dumped
    with httpx.Client(
        transport=fake.httpx_transport(), base_url="http://fake/v2", headers=AUTH
    ) as http:
        for run in dumped["runs"]:
            answer = http.get(f"/ai/missions/{run['mission_id']}/runs/{run['run_id']}")
            assert answer.status_code == 200
            assert answer.json()["data"] == run
            assert http.get(
                f"/ai/missions/{run['mission_id']}/runs/{run['run_id']}/plan"
            ).is_success
            assert http.get(
                f"/ai/missions/{run['mission_id']}/runs/{run['run_id']}/events"
            ).is_success
        for tool in dumped["tools"]:
            mission_id, tool_id = (
                quote(tool["mission_id"], safe=""),
                quote(tool["tool_id"], safe=""),
            )
            path = f"/ai/missions/{mission_id}/tools/{tool_id}"
            answer = http.get(path)
            assert answer.status_code == 200, (tool, answer.text)
            assert answer.json()["data"] == tool
        assert http.get("/ai/missions/runs").is_success
        assert http.get("/ai/missions").is_success
