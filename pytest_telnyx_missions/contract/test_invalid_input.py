"""Invalid input: the 422 bodies (``{"detail": [...]}``) and the Telnyx 404 envelope."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.telnyx_missions(live=True)


def _detail(answer: Any) -> list[dict[str, Any]]:
    assert answer.status_code == 422, answer.text
    detail: list[dict[str, Any]] = answer.json()["detail"]
    assert all({"type", "loc", "msg"} <= set(item) for item in detail)
    return detail


def test_a_mission_without_a_name(raw: Any) -> None:
    detail = _detail(raw("POST", "ai/missions", json={"description": "no name"}))
    assert ["body", "name"] in [item["loc"] for item in detail]


def test_a_mission_name_of_the_wrong_type(raw: Any) -> None:
    detail = _detail(raw("POST", "ai/missions", json={"name": 42}))
    assert ["body", "name"] in [item["loc"] for item in detail]


def test_a_body_that_is_not_json(raw: Any) -> None:
    answer = raw(
        "POST", "ai/missions", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert answer.status_code == 422


def test_a_run_update_with_an_unknown_status(raw: Any, mission: Any, run: Any) -> None:
    path = f"ai/missions/{mission.mission_id}/runs/{run.run_id}"
    detail = _detail(raw("PATCH", path, json={"status": "exploded"}))
    assert ["body", "status"] in [item["loc"] for item in detail]


def test_a_run_id_that_is_not_a_uuid(raw: Any, mission: Any) -> None:
    detail = _detail(raw("GET", f"ai/missions/{mission.mission_id}/runs/not-a-uuid"))
    assert ["path", "run_id"] in [item["loc"] for item in detail]


def test_an_unknown_run_is_404_in_the_telnyx_envelope(raw: Any, mission: Any) -> None:
    answer = raw(
        "GET", f"ai/missions/{mission.mission_id}/runs/00000000-0000-4000-8000-000000000000"
    )
    assert answer.status_code == 404
    assert "errors" in answer.json()
