"""The official telnyx SDK against the fake, configured only by the fixture's environment."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest
import telnyx

from pytest_telnyx_missions import FakeMissions

EVERY_FIELD: dict[str, Any] = {
    "status": "succeeded",
    "result_summary": "Called 12 customers, booked 9 appointments",
    "result_payload": {"booked": 9, "calls": [{"to": "+15551230000", "ok": True}]},
    "error": "3 numbers unreachable",
    "metadata": {"agent": "scheduler-v2", "attempt": 2},
}


def test_update_then_retrieve_with_every_field(telnyx_missions: FakeMissions) -> None:
    run = telnyx_missions.runs[0]
    client = telnyx.Telnyx()

    updated = client.ai.missions.runs.update(run.run_id, mission_id=run.mission_id, **EVERY_FIELD)
    fetched = client.ai.missions.runs.retrieve(run.run_id, mission_id=run.mission_id)

    assert updated.data == fetched.data
    data = fetched.data
    assert (data.run_id, data.mission_id) == (run.run_id, run.mission_id)
    for name, value in EVERY_FIELD.items():
        assert getattr(data, name) == value
    assert data.input == run.input
    assert isinstance(data.finished_at, datetime)
    assert data.updated_at > run.updated_at
    [update] = telnyx_missions.run_updates(run.run_id)
    assert update.fields == EVERY_FIELD
    assert update.status_code == 200


def test_async_client_updates(telnyx_missions: FakeMissions) -> None:
    run = telnyx_missions.runs[0]

    async def pause() -> None:
        async with telnyx.AsyncTelnyx() as client:
            await client.ai.missions.runs.update(
                run.run_id, mission_id=run.mission_id, status="paused"
            )

    asyncio.run(pause())

    assert telnyx_missions.get_run(run.run_id).status == "paused"


@pytest.mark.telnyx_missions(check_unhandled=False)
def test_missing_key_is_authentication_error(
    telnyx_missions: FakeMissions, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TELNYX_API_KEY")
    run = telnyx_missions.runs[0]

    with pytest.raises(telnyx.AuthenticationError) as caught:
        telnyx.Telnyx().ai.missions.runs.retrieve(run.run_id, mission_id=run.mission_id)

    assert caught.value.status_code == 401
    assert caught.value.body == {
        "errors": [
            {
                "code": "10009",
                "title": "Authentication failed",
                "detail": "The required authentication headers were either invalid or not "
                "included in the request.",
                "meta": {"url": "https://developers.telnyx.com/docs/overview/errors/10009"},
            }
        ]
    }


def test_unknown_run_is_not_found_error(telnyx_missions: FakeMissions) -> None:
    run = telnyx_missions.runs[0]
    unknown = "11111111-2222-4333-8444-555555555555"

    with pytest.raises(telnyx.NotFoundError) as caught:
        telnyx.Telnyx().ai.missions.runs.update(unknown, mission_id=run.mission_id, status="failed")

    assert caught.value.status_code == 404
    assert isinstance(caught.value.body, dict)
    [error] = caught.value.body["errors"]
    assert error["code"] == "10005"
    assert error["title"] == "Resource not found"
    # A 404 is not retried: exactly one attempt reached the fake.
    assert len(telnyx_missions.run_updates(unknown)) == 1


def test_bad_status_is_unprocessable_entity_error(telnyx_missions: FakeMissions) -> None:
    run = telnyx_missions.runs[0]

    with pytest.raises(telnyx.UnprocessableEntityError) as caught:
        telnyx.Telnyx().ai.missions.runs.update(
            run.run_id,
            mission_id=run.mission_id,
            status="done",  # type: ignore[arg-type]
        )

    assert caught.value.body == {
        "detail": [
            {
                "type": "enum",
                "loc": ["body", "status"],
                "msg": "Input should be 'pending', 'running', 'paused', 'succeeded', 'failed' "
                "or 'cancelled'",
                "input": "done",
                "ctx": {
                    "expected": "'pending', 'running', 'paused', 'succeeded', 'failed' "
                    "or 'cancelled'"
                },
            }
        ]
    }
    [update] = telnyx_missions.run_updates(run.run_id)
    assert (update.status_code, update.applied, update.fields) == (422, False, {"status": "done"})
    assert telnyx_missions.get_run(run.run_id).status == run.status
