"""Parametrize over the catalog of invalid requests: the worker must survive every rejection.

Each case carries the raw body, the headers and the exact answer the real API gives, so the test
asserts on the worker's error handling without guessing what a 422 looks like.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import telnyx

from pytest_telnyx_missions import FakeMissions
from pytest_telnyx_missions.factories import (
    Factory,
    InvalidPayload,
    InvalidRunId,
    invalid_run_ids,
    invalid_update_run_payloads,
)

from .agent_worker import AgentWorker


@pytest.fixture(scope="module")
def worker(telnyx_missions_server: FakeMissions) -> Iterator[AgentWorker]:
    # One SDK client for the module: building one costs tens of ms, and the fake's URL is fixed
    # for the session (the per-test ``telnyx_missions`` only resets its state).
    with telnyx.Telnyx(
        base_url=telnyx_missions_server.base_url, api_key=telnyx_missions_server.api_key
    ) as client:
        yield AgentWorker(client)


def count_records(results: dict[str, Any]) -> dict[str, Any]:
    return {"records": 42}


@pytest.mark.parametrize("case", invalid_update_run_payloads())
def test_rejected_report_is_recorded_not_retried(
    case: InvalidPayload, telnyx_missions: FakeMissions, worker: AgentWorker
) -> None:
    run = telnyx_missions.runs[0]

    outcome = worker.forward_report(run.mission_id, run.run_id, case.body, case.headers)

    assert outcome.report_errors == [f"{case.expected_status}: {case.expected_body}"]
    [update] = telnyx_missions.run_updates(run.run_id)  # sent once: 400 and 422 are not retried
    assert not update.applied
    assert telnyx_missions.get_run(run.run_id) == run


@pytest.mark.parametrize("bad", invalid_run_ids())
def test_malformed_run_id_loses_no_work(
    bad: InvalidRunId, telnyx_missions: FakeMissions, worker: AgentWorker
) -> None:
    mission_id = telnyx_missions.runs[0].mission_id

    outcome = worker.run(mission_id, bad.run_id, [count_records])

    assert outcome.status == "succeeded"
    assert outcome.results == {"records": 42}
    # Both reports ("running", then "succeeded") were rejected with the API's exact 422.
    assert outcome.report_errors == [f"422: {bad.expected_body}"] * 2


def test_valid_reports_are_forwarded(
    telnyx_missions: FakeMissions, telnyx_missions_factory: Factory, worker: AgentWorker
) -> None:
    run = telnyx_missions.runs[0]
    payload = telnyx_missions_factory.update_run_payload(status="succeeded")
    body = json.dumps(payload).encode()

    outcome = worker.forward_report(
        run.mission_id, run.run_id, body, {"content-type": "application/json"}
    )

    assert outcome.report_errors == []
    assert [u.fields for u in telnyx_missions.run_updates(run.run_id)] == [payload]
    assert telnyx_missions.get_run(run.run_id).result_summary == payload["result_summary"]
