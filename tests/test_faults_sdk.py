"""Fault rules as the official ``telnyx`` SDK meets them, with its default retries."""

from __future__ import annotations

from typing import Any, Protocol

import httpx
import pytest
import telnyx

from pytest_telnyx_missions import FakeMissions, Fault

# The SDK's smallest default backoff is 0.5 s x (1 - 0.25 x jitter).
MIN_DEFAULT_BACKOFF = 0.375


class Update(Protocol):
    def __call__(self, status: str = "succeeded", **client_options: Any) -> None: ...


@pytest.fixture(params=["socket", "in-process"])
def update(telnyx_missions: FakeMissions, request: pytest.FixtureRequest) -> Update:
    """The code under test: one update of the first run, by a client configured from the env,
    over the fake's socket or through its in-process transport."""
    run = telnyx_missions.runs[0]

    def send(status: str = "succeeded", **client_options: Any) -> None:
        if request.param == "in-process":
            transport = telnyx_missions.httpx_transport()
            client_options["http_client"] = httpx.Client(transport=transport)
        client = telnyx.Telnyx(**client_options)
        client.ai.missions.runs.update(
            run.run_id,
            mission_id=run.mission_id,
            status=status,  # type: ignore[arg-type]
        )

    return send


def retry_counts(fake: FakeMissions) -> list[str]:
    return [entry.headers["x-stainless-retry-count"] for entry in fake.requests]


def test_500_twice_then_success(telnyx_missions: FakeMissions, update: Update) -> None:
    telnyx_missions.fail_next("update_run", status=500, times=2, retry_after_ms=1)

    update("succeeded")

    assert [u.status_code for u in telnyx_missions.run_updates()] == [500, 500, 200]
    assert retry_counts(telnyx_missions) == ["0", "1", "2"]
    assert telnyx_missions.runs[0].status == "succeeded"


def test_429_is_retried_after_retry_after_ms(telnyx_missions: FakeMissions, update: Update) -> None:
    telnyx_missions.fail_next("update_run", status=429, retry_after_ms=10)

    update()

    first, second = telnyx_missions.requests
    waited = (second.time - first.time).total_seconds()
    assert (first.status_code, second.status_code) == (429, 200)
    assert 0.01 <= waited < MIN_DEFAULT_BACKOFF


def test_422_raises_with_the_injected_detail(telnyx_missions: FakeMissions, update: Update) -> None:
    detail = [
        {
            "type": "enum",
            "loc": ["body", "status"],
            "msg": "Input should be 'pending', 'running', 'paused', 'succeeded', 'failed' or "
            "'cancelled'",
            "input": "succeeded",
        }
    ]
    telnyx_missions.fail_next("update_run", status=422, detail=detail)

    with pytest.raises(telnyx.UnprocessableEntityError) as raised:
        update()

    assert raised.value.body == {"detail": detail}
    assert len(telnyx_missions.requests) == 1  # a 422 is not retried


def test_dropped_connection_raises_after_retries(
    telnyx_missions: FakeMissions, update: Update
) -> None:
    rule = telnyx_missions.fail_next("update_run", drop=True, times=None)

    with pytest.raises(telnyx.APIConnectionError) as raised:
        update()

    assert type(raised.value) is telnyx.APIConnectionError  # not its timeout subclass
    assert rule.fired == 3
    assert retry_counts(telnyx_missions) == ["0", "1", "2"]
    assert telnyx_missions.runs[0].status == "running"


def test_x_should_retry_false_stops_retries(telnyx_missions: FakeMissions, update: Update) -> None:
    telnyx_missions.fail_next("update_run", status=503, headers={"x-should-retry": "false"})

    with pytest.raises(telnyx.InternalServerError) as raised:
        update()

    assert raised.value.status_code == 503
    assert len(telnyx_missions.requests) == 1


def test_sequence_503_then_429_then_success(telnyx_missions: FakeMissions, update: Update) -> None:
    telnyx_missions.add_fault(
        "update_run",
        Fault(status=503, retry_after_ms=1),
        Fault(status=429, retry_after_ms=1),
        strict=True,
    )

    update()

    assert [u.status_code for u in telnyx_missions.run_updates()] == [503, 429, 200]


def test_timeout_raises_api_timeout_error(telnyx_missions: FakeMissions, update: Update) -> None:
    # The delay outlasts any client; the next reset ends it, so nobody waits it out.
    telnyx_missions.fail_next("update_run", delay=60, drop=True)

    with pytest.raises(telnyx.APITimeoutError):
        update(timeout=0.5, max_retries=0)

    assert telnyx_missions.runs[0].status == "running"


def test_applied_but_the_client_timed_out_so_it_retried(
    telnyx_missions: FakeMissions, update: Update
) -> None:
    """Why updates must be idempotent: the SDK retries, and the change lands twice."""
    telnyx_missions.fail_next("update_run", status=504, applied=True, retry_after_ms=1)

    update("succeeded")

    updates = telnyx_missions.run_updates()
    assert [(u.status_code, u.applied) for u in updates] == [(504, True), (200, True)]
    assert telnyx_missions.runs[0].status == "succeeded"
