"""Hypothesis strategies: what they generate is answered as they say, by the oracle and the fake."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from werkzeug.test import Client

from pytest_telnyx_missions import FakeMissions
from pytest_telnyx_missions.factories import InvalidPayload
from pytest_telnyx_missions.strategies import (
    invalid_update_run_payload_cases,
    update_run_payloads,
)

from .oracle import Oracle

FAST = settings(
    max_examples=60,
    deadline=None,
    database=None,  # no .hypothesis directory left in the checkout
    # too_slow: a wall-clock check that a loaded machine fails; nothing here depends on speed
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class InProcess:
    """The fake served in-process, for the many requests hypothesis makes."""

    def __init__(self) -> None:
        self.fake = FakeMissions()
        self.client = Client(self.fake.wsgi_app())
        self.run = self.fake.runs[0]
        self.path = f"/v2/ai/missions/{self.run.mission_id}/runs/{self.run.run_id}"

    def patch(self, body: bytes | None, headers: dict[str, str]) -> tuple[int, Any]:
        sent = {**headers, "Authorization": f"Bearer {self.fake.api_key}"}
        response = self.client.patch(self.path, data=body or b"", headers=sent)
        return response.status_code, response.get_json(silent=True)


@pytest.fixture(scope="module")
def in_process() -> InProcess:
    return InProcess()


@FAST
@given(payload=update_run_payloads())
def test_generated_valid_payloads_are_accepted(
    payload: dict[str, Any], oracle: Oracle, in_process: InProcess
) -> None:
    body, headers = json.dumps(payload).encode(), {"content-type": "application/json"}

    from_oracle = oracle.send("PATCH", in_process.path, body, headers)
    status, answered = in_process.patch(body, headers)

    assert from_oracle == (200, {"data": payload})
    assert status == 200
    applied = {k: v for k, v in payload.items() if not (k == "status" and v is None)}
    assert applied.items() <= answered["data"].items()


@FAST
@given(case=invalid_update_run_payload_cases())
def test_generated_invalid_payloads_get_their_expected_answer(
    case: InvalidPayload, oracle: Oracle, in_process: InProcess
) -> None:
    expected = (case.expected_status, case.expected_body)

    assert oracle.send("PATCH", in_process.path, case.body, case.headers) == expected
    assert in_process.patch(case.body, case.headers) == expected
