"""A valid value nested deeper than the fake can write back is refused up front, never a 500.

pydantic's serializer writes values at most 255 levels deep. FastAPI 0.128 validates a deeper
valid body, then fails writing its answer (500). The fake refuses such a body with a 400 in
Telnyx's envelope before applying anything, and the ``add_*`` methods (and ``POST /_fake/...``)
refuse such a value, so the fake always stays servable.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from werkzeug.test import Client

from pytest_telnyx_missions import FakeMissions
from pytest_telnyx_missions._api.json_text import MAX_VALUE_DEPTH

from .oracle import Oracle

MISSION = "0a5d2f34-6baa-4455-a3e7-0682c2094cac"
RUN = "adc0da7a-16fe-4aa0-91af-923d79fdef7c"
HEADERS = {"content-type": "application/json", "authorization": "Bearer k"}
BASE = f"/v2/ai/missions/{MISSION}"
STEP = {"step_id": "s1", "description": "d", "sequence": 1}

Body = Callable[[Any], dict[str, Any]]
OPERATIONS: dict[str, tuple[str, str, Body]] = {
    "create_mission": ("POST", "/v2/ai/missions", lambda v: {"name": "m", "metadata": v}),
    "update_mission": ("PUT", BASE, lambda v: {"metadata": v}),
    "create_run": ("POST", f"{BASE}/runs", lambda v: {"input": v}),
    "update_run": ("PATCH", f"{BASE}/runs/{RUN}", lambda v: {"metadata": v}),
    "log_event": (
        "POST",
        f"{BASE}/runs/{RUN}/events",
        lambda v: {"type": "custom", "summary": "s", "payload": v},
    ),
    "update_plan_step": ("PATCH", f"{BASE}/runs/{RUN}/plan/steps/s1", lambda v: {"metadata": v}),
    "create_tool": ("POST", f"{BASE}/tools", lambda v: {"settings": v}),
    "create_plan": ("POST", f"{BASE}/runs/{RUN}/plan", lambda v: {"steps": [{**STEP, "x": v}]}),
}


def nested(levels: int) -> Any:
    """A JSON object nesting ``levels`` levels in all (``{"a": {"a": ... {}}}``)."""
    return json.loads('{"a":' * (levels - 1) + "{}" + "}" * (levels - 1))


@pytest.fixture(scope="module")
def fake() -> FakeMissions:
    made = FakeMissions()
    made.load_state(
        {
            "missions": [{"mission_id": MISSION, "name": "m"}],
            "runs": [{"run_id": RUN, "mission_id": MISSION, "status": "running"}],
            "plan_steps": [{"run_id": RUN, **STEP, "status": "pending"}],
        }
    )
    return made


def _send(fake: FakeMissions, operation: str, value: Any) -> Any:
    method, path, body = OPERATIONS[operation]
    client = Client(fake.wsgi_app())
    return client.open(path, method=method, data=json.dumps(body(value)), headers=HEADERS)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_valid_body_too_deep_to_answer_is_a_clean_400_that_applies_nothing(
    fake: FakeMissions, operation: str
) -> None:
    fake.reset()
    before = fake.dump_state()

    answer = _send(fake, operation, nested(300))

    assert answer.status_code == 400
    (error,) = answer.get_json()["errors"]
    assert "nests deeper than 256 levels" in error["detail"]
    assert fake.dump_state() == before
    assert fake._unhandled_problems() == ""
    assert fake.requests[-1].status_code == 400  # journaled like any refusal


@pytest.mark.parametrize("operation", [op for op in OPERATIONS if op != "create_plan"])
def test_a_value_as_deep_as_the_fake_can_answer_is_applied_and_served(
    fake: FakeMissions, operation: str
) -> None:
    fake.reset()

    answer = _send(fake, operation, nested(MAX_VALUE_DEPTH))

    assert answer.status_code in (200, 201), answer.get_data()[:300]
    client = Client(fake.wsgi_app())
    for path in ("/v2/ai/missions", "/v2/ai/missions/runs", f"{BASE}/tools", f"{BASE}/runs"):
        assert client.get(path, headers=HEADERS).status_code == 200
    fake.load_state(fake.dump_state())  # what it holds is a document it accepts back
    assert fake._unhandled_problems() == ""


def test_fastapi_itself_fails_on_such_a_body_so_the_400_is_the_fakes_choice(
    oracle: Oracle,
) -> None:
    body = json.dumps({"metadata": nested(300)}).encode()

    status, _ = oracle.send("PATCH", f"{BASE}/runs/{RUN}", body, HEADERS)

    assert status == 500


@pytest.mark.parametrize(
    ("method", "arguments"),
    [
        ("add_mission", {"metadata": nested(MAX_VALUE_DEPTH + 1)}),
        ("add_run", {"mission_id": MISSION, "input": nested(300)}),
        ("add_event", {"run_id": RUN, "type": "custom", "summary": "s", "payload": nested(300)}),
        ("add_plan_step", {"run_id": RUN, **{**STEP, "step_id": "s2"}, "metadata": nested(300)}),
        ("add_tool", {"mission_id": MISSION, "settings": [nested(300)]}),
    ],
)
def test_arranging_refuses_a_value_too_deep_to_answer(
    fake: FakeMissions, method: str, arguments: dict[str, Any]
) -> None:
    fake.reset()

    with pytest.raises(ValueError, match=f"{method}\\(\\) .*nested deeper than 255 levels"):
        getattr(fake, method)(**arguments)

    assert Client(fake.wsgi_app()).get("/v2/ai/missions/runs", headers=HEADERS).status_code == 200
    fake.dump_state()


@pytest.mark.parametrize("levels", [300, 5_000])
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/_fake/runs", lambda v: {"mission_id": MISSION, "metadata": v}),
        ("POST", "/_fake/missions", lambda v: {"metadata": v}),
        ("POST", "/_fake/reset", lambda v: {"state": {"missions": [{"metadata": v}]}}),
        ("PUT", "/_fake/state", lambda v: {"missions": [{"mission_id": "m", "metadata": v}]}),
        ("POST", "/_fake/faults", lambda v: {"operation": "get_run", "faults": [{"body": v}]}),
    ],
    ids=["arrange-run", "arrange-mission", "reset", "state", "fault"],
)
def test_the_control_api_answers_deep_bodies_400_and_stays_servable(
    method: str, path: str, body: Body, levels: int
) -> None:
    text = json.dumps(body("@")).replace('"@"', '{"a":' * levels + "1" + "}" * levels)
    with FakeMissions(control_api=True) as served, httpx.Client(base_url=served.url) as client:
        answer = client.request(method, path, content=text)

        assert answer.status_code == 400, answer.text
        assert "error" in answer.json()
        assert client.get("/_fake/state").status_code == 200
        assert client.get("/v2/ai/missions/runs", headers=HEADERS).status_code == 200
