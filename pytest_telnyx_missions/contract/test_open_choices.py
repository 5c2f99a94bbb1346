"""What the docs leave open and the fake chooses (docs: "Behaviour the docs leave open"), one
scenario each: the requests that show the choice, asserting only what the API documents. In a
live run the comparison tells where the real service chooses otherwise."""

from __future__ import annotations

import os
from typing import Any

import pytest

telnyx = pytest.importorskip("telnyx")
httpx = pytest.importorskip("httpx")

pytestmark = pytest.mark.telnyx_missions(live=True)

UNKNOWN = "00000000-0000-4000-8000-000000000000"


def test_run_updates_null_metadata_updated_at_and_finished_at(raw: Any, mission: Any) -> None:
    """Partial update, ``null`` clears, ``metadata`` replaced, ``updated_at`` moves on ``{}``,
    ``finished_at`` set on a final status and cleared on the way back; a new run's defaults."""
    made = raw("POST", f"ai/missions/{mission.mission_id}/runs", json={})
    assert made.status_code == 201, made.text  # no input: the default is compared
    path = f"ai/missions/{mission.mission_id}/runs/{made.json()['data']['run_id']}"
    steps = [
        {"metadata": {"a": 1, "b": 2}, "result_summary": "half"},
        {"metadata": {"c": 3}},
        {"result_summary": None, "status": None},
        {},
        {"status": "succeeded"},
        {"status": "running"},
    ]
    for body in steps:
        answer = raw("PATCH", path, json=body)
        assert answer.status_code in (200, 409), answer.text


@pytest.mark.telnyx_missions(live=True, check_unhandled=False)  # the unknown route, on purpose
def test_the_order_of_checks_and_ids_in_another_spelling(raw: Any, mission: Any) -> None:
    """A bad body for an unknown run (422 or 404 first?), an upper-case id, an unknown route."""
    bad = raw("PATCH", f"ai/missions/{mission.mission_id}/runs/{UNKNOWN}", json={"status": 7})
    assert bad.status_code in (404, 422)
    upper = raw("GET", f"ai/missions/{mission.mission_id.upper()}")
    assert upper.status_code in (200, 404, 422)
    nowhere = raw("GET", f"ai/missions/{mission.mission_id}/nowhere")
    assert nowhere.status_code == 404


def test_a_request_without_a_usable_key_is_401() -> None:
    base = os.environ["TELNYX_BASE_URL"]
    with httpx.Client(base_url=base, timeout=60) as http:
        assert http.get("ai/missions").status_code == 401
        basic = http.get("ai/missions", headers={"Authorization": "Basic eDp5"})
        assert basic.status_code == 401


def test_list_orders_and_filters(client: Any, mission: Any) -> None:
    """Runs newest first, a run's events oldest first; a filter value that matches nothing."""
    runs = client.ai.missions.runs
    first = runs.create(mission.mission_id, input={"n": 1}).data
    runs.create(mission.mission_id, input={"n": 2})
    runs.list(mission.mission_id)
    runs.list(mission.mission_id, status="no-such-status")
    for summary in ("one", "two", "three"):
        runs.events.log(
            first.run_id, mission_id=mission.mission_id, type="message", summary=summary
        )
    runs.events.list(first.run_id, mission_id=mission.mission_id)
    client.ai.missions.list_events(type="no-such-type")


def test_mission_put_merges_and_null_and_delete_takes_its_runs(
    client: Any, raw: Any, mission: Any, run: Any
) -> None:
    path = f"ai/missions/{mission.mission_id}"
    assert raw("PUT", path, json={"instructions": "Be brief"}).status_code == 200
    assert raw("PUT", path, json={"description": None, "name": None}).status_code == 200
    client.ai.missions.delete_mission(mission.mission_id)
    gone = raw("GET", f"{path}/runs/{run.run_id}")
    assert gone.status_code == 404


def test_plans_and_agents_again(client: Any, raw: Any, mission: Any, run: Any) -> None:
    """A plan made twice, a step id used twice, an agent linked twice, one unlinked twice."""
    plan = client.ai.missions.runs.plan
    steps = [{"step_id": "fetch", "description": "Fetch", "sequence": 1}]
    plan.create(run.run_id, steps=steps, mission_id=mission.mission_id)
    plan.create(
        run.run_id,
        steps=[{"step_id": "call", "description": "Call", "sequence": 1}],
        mission_id=mission.mission_id,
    )
    plan.retrieve(run.run_id, mission_id=mission.mission_id)
    twice = raw(
        "POST",
        f"ai/missions/{mission.mission_id}/runs/{run.run_id}/plan/steps",
        json={"steps": [{"step_id": "call", "description": "Again", "sequence": 2}]},
    )
    assert twice.status_code in (201, 409, 422), twice.text
    agents = client.ai.missions.runs.telnyx_agents
    for _ in range(2):
        agents.link(run.run_id, telnyx_agent_id="agent-1", mission_id=mission.mission_id)
    agents.list(run.run_id, mission_id=mission.mission_id)
    agents.unlink("agent-1", run_id=run.run_id, mission_id=mission.mission_id)
    with pytest.raises(telnyx.NotFoundError):
        agents.unlink("agent-1", run_id=run.run_id, mission_id=mission.mission_id)
