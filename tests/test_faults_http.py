"""Fault rules observed on the wire through httpx and requests, and what the journal keeps."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import requests

from pytest_telnyx_missions import FakeMissions, Fault

from .oracle import Oracle

Send = Callable[..., tuple[int, dict[str, str], bytes]]

HANG = 60.0
"""Seconds that only a hung fake would take: never a bound a loaded machine could break."""


def _wait_until(condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + HANG
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {HANG} s for {what}")
        time.sleep(0.005)


def _httpx(method: str, url: str, **kwargs: Any) -> tuple[int, dict[str, str], bytes]:
    response = httpx.request(method, url, **kwargs)
    return response.status_code, dict(response.headers), response.content


def _requests(method: str, url: str, **kwargs: Any) -> tuple[int, dict[str, str], bytes]:
    if "content" in kwargs:  # httpx's name for raw bytes
        kwargs["data"] = kwargs.pop("content")
    response = requests.request(method, url, **kwargs)
    return (
        response.status_code,
        {k.lower(): v for k, v in response.headers.items()},
        response.content,
    )


def _in_process(fake: FakeMissions) -> Send:
    """httpx through the fake's in-process transport: no socket, the same answers."""

    def send(method: str, url: str, **kwargs: Any) -> tuple[int, dict[str, str], bytes]:
        with httpx.Client(transport=fake.httpx_transport()) as client:
            response = client.request(method, url, **kwargs)
        return response.status_code, dict(response.headers), response.content

    return send


@pytest.fixture(params=["httpx", "requests", "in-process"])
def send(request: pytest.FixtureRequest) -> Send:
    if request.param == "in-process":
        return _in_process(request.getfixturevalue("telnyx_missions"))
    sender: Send = {"httpx": _httpx, "requests": _requests}[request.param]
    return sender


class Api:
    """The seeded first run's URL and auth, so each test says only what differs."""

    def __init__(self, fake: FakeMissions, send: Send) -> None:
        self.fake = fake
        self.run = fake.runs[0]
        self.url = f"{fake.base_url}/ai/missions/{self.run.mission_id}/runs/{self.run.run_id}"
        self.auth = {"Authorization": f"Bearer {fake.api_key}"}
        self._send = send

    def patch(self, body: Any, **kwargs: Any) -> tuple[int, dict[str, str], Any]:
        status, headers, content = self._send(
            "PATCH", self.url, json=body, headers=self.auth, **kwargs
        )
        return status, headers, json.loads(content) if content else None

    def get(self) -> tuple[int, dict[str, str], bytes]:
        return self._send("GET", self.url, headers=self.auth)


@pytest.fixture
def api(telnyx_missions: FakeMissions, send: Send) -> Api:
    return Api(telnyx_missions, send)


# -- HTTP errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "title"),
    [
        (401, "10009", "Authentication failed"),
        (403, "10010", "Authorization failed"),
        (404, "10005", "Resource not found"),
        (409, "10015", "Conflict"),
        (429, "10011", "Too many requests"),
        (500, "10007", "Unexpected error"),
        (502, "10007", "Bad Gateway"),
        (503, "10007", "Service Unavailable"),
    ],
)
def test_error_statuses_answer_the_telnyx_envelope(
    api: Api, status: int, code: str, title: str
) -> None:
    api.fake.fail_next("update_run", status=status)

    answered, _, body = api.patch({"status": "succeeded"})

    assert answered == status
    [error] = body["errors"]
    assert (error["code"], error["title"]) == (code, title)
    assert error["meta"] == {"url": f"https://developers.telnyx.com/docs/overview/errors/{code}"}
    assert api.fake.get_run(api.run.run_id).status == "running"  # nothing changed


def test_400_is_fastapis_body_parse_error(api: Api) -> None:
    api.fake.fail_next("update_run", status=400)

    assert api.patch({"status": "paused"})[::2] == (
        400,
        {"detail": "There was an error parsing the body"},
    )


def test_detail_replaces_the_envelopes_text_and_body_replaces_everything(api: Api) -> None:
    api.fake.add_fault(
        "update_run",
        Fault(status=503, detail="Upstream maintenance"),
        Fault(status=500, body={"message": "boom"}),
    )

    assert api.patch({})[2]["errors"][0]["detail"] == "Upstream maintenance"
    assert api.patch({})[2] == {"message": "boom"}
    assert api.patch({})[0] == 200  # the sequence is used up: served normally


def test_retry_headers_and_extra_headers(api: Api) -> None:
    api.fake.fail_next(
        "update_run",
        status=429,
        retry_after=2,
        retry_after_ms=10,
        headers={"X-Should-Retry": "false", "x-ratelimit-remaining": "0"},
    )

    status, headers, _ = api.patch({"status": "paused"})

    assert status == 429
    assert headers["retry-after"] == "2"
    assert headers["retry-after-ms"] == "10"
    assert headers["x-should-retry"] == "false"
    assert headers["x-ratelimit-remaining"] == "0"


# -- 422 ---------------------------------------------------------------------------------------


def test_given_422_detail_is_answered_as_is(api: Api) -> None:
    detail = [{"type": "value_error", "loc": ["body", "error"], "msg": "too long", "input": "x"}]
    api.fake.fail_next("update_run", status=422, detail=detail)

    assert api.patch({"error": "x"})[::2] == (422, {"detail": detail})


def test_generated_422_for_a_field_equals_fastapis_for_that_bad_value(
    api: Api, oracle: Oracle
) -> None:
    api.fake.fail_next("update_run", status=422, field="result_payload")

    status, _, body = api.patch({"status": "succeeded", "result_payload": {"calls": 3}})

    [error] = body["detail"]
    assert (status, error["loc"], error["type"]) == (422, ["body", "result_payload"], "dict_type")
    assert error["input"] == {"calls": 3}  # what was sent, not an example of a bad value
    # A bad value sent to FastAPI itself gets the same words.
    oracle_status, oracle_body = oracle.send(
        "PATCH",
        f"/v2/ai/missions/{api.run.mission_id}/runs/{api.run.run_id}",
        json.dumps({"result_payload": "completed"}).encode(),
        {"content-type": "application/json"},
    )
    [oracle_error] = oracle_body["detail"]
    assert (oracle_status, {**oracle_error, "input": {"calls": 3}}) == (422, error)


def test_generated_422_without_a_field_names_a_field_the_request_sent(api: Api) -> None:
    api.fake.fail_next("update_run", status=422, times=3)

    first = api.patch({"result_summary": "done", "status": "succeeded"})[2]
    second = api.patch({"status": "succeeded"})[2]
    third = api.patch({})[2]

    assert first["detail"] == [
        {
            "type": "string_type",
            "loc": ["body", "result_summary"],
            "msg": "Input should be a valid string",
            "input": "done",
        }
    ]
    [status_error] = second["detail"]
    assert (status_error["loc"], status_error["input"]) == (["body", "status"], "succeeded")
    assert status_error["msg"] == (
        "Input should be 'pending', 'running', 'paused', 'succeeded', 'failed' or 'cancelled'"
    )
    # Nothing sent: pydantic's words for a field the body does not hold, with the body as input.
    assert third["detail"] == [
        {"type": "missing", "loc": ["body", "status"], "msg": "Field required", "input": {}}
    ]


def test_generated_422_for_a_field_not_sent_reports_it_missing(api: Api) -> None:
    api.fake.fail_next("update_run", status=422, field="error")

    _, _, body = api.patch({"status": "failed"})

    assert body["detail"] == [
        {
            "type": "missing",
            "loc": ["body", "error"],
            "msg": "Field required",
            "input": {"status": "failed"},
        }
    ]


def test_generated_422_for_get_run_is_a_path_uuid_error(api: Api) -> None:
    api.fake.fail_next("get_run", status=422)

    status, _, content = api.get()

    [error] = json.loads(content)["detail"]
    assert (status, error["loc"], error["type"]) == (422, ["path", "run_id"], "uuid_parsing")


# -- latency, drops, garbage -------------------------------------------------------------------


def test_latency_then_the_normal_answer(api: Api) -> None:
    api.fake.fail_next("update_run", delay=0.05)

    started = time.monotonic()
    status, _, body = api.patch({"status": "paused"})

    assert time.monotonic() - started >= 0.05
    assert (status, body["data"]["status"]) == (200, "paused")
    [update] = api.fake.run_updates()
    assert update.applied
    assert update.fault is not None
    assert "after 0.05 s, the normal answer" in update.fault


def test_latency_does_not_block_other_clients(api: Api) -> None:
    # A delay far longer than the test: the other client must be answered while it is pending,
    # however loaded the machine. The reset at the end ends the delay instead of waiting it out.
    api.fake.fail_next("update_run", delay=HANG)
    slow_answers: list[int] = []
    slow = threading.Thread(
        target=lambda: slow_answers.append(api.patch({"status": "paused"}, timeout=HANG)[0])
    )
    slow.start()
    _wait_until(lambda: api.fake.requests, "the slow request to be recorded")  # then it waits

    status, _, _ = api.get()

    assert status == 200
    assert slow.is_alive(), "the delayed request was answered before its delay ended"
    api.fake.reset()  # ends the pending delay: its test is over
    slow.join(timeout=HANG)
    assert slow_answers == [200]


def test_drop_closes_the_connection_without_a_response(telnyx_missions: FakeMissions) -> None:
    api = Api(telnyx_missions, _httpx)
    telnyx_missions.fail_next("update_run", drop=True)

    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        api.patch({"status": "failed"})
    with_requests = Api(telnyx_missions, _requests)
    telnyx_missions.fail_next("update_run", drop=True)
    with pytest.raises(requests.ConnectionError, match="closed connection without response"):
        with_requests.patch({"status": "failed"})

    assert [(u.status_code, u.response, u.applied) for u in telnyx_missions.run_updates()] == [
        (0, None, False),
        (0, None, False),
    ]
    assert telnyx_missions.get_run(api.run.run_id).status == "running"


def test_garbage_bytes_are_not_http(telnyx_missions: FakeMissions) -> None:
    telnyx_missions.fail_next("get_run", malformed="garbage", times=2)

    with pytest.raises(httpx.RemoteProtocolError, match="illegal status line"):
        Api(telnyx_missions, _httpx).get()
    with pytest.raises(requests.ConnectionError, match="BadStatusLine"):
        Api(telnyx_missions, _requests).get()


def test_truncated_json_is_a_complete_answer_that_does_not_parse(api: Api) -> None:
    api.fake.fail_next("get_run", malformed="truncated")
    api.fake.fail_next("update_run", malformed="truncated", status=503)

    status, headers, content = api.get()
    with pytest.raises(json.JSONDecodeError):
        api.patch({"status": "paused"})

    assert (status, headers["content-type"]) == (200, "application/json")
    assert content.startswith(b'{"data":{"run_id":"' + api.run.run_id.encode())
    entries = api.fake.requests
    assert [(e.status_code, e.response) for e in entries] == [(200, None), (503, None)]
    assert api.fake.get_run(api.run.run_id).status == "running"


def test_applied_then_response_lost(api: Api) -> None:
    """The idempotency case: the change happens, the client sees an error."""
    api.fake.fail_next("update_run", status=504, applied=True)

    status, _, _ = api.patch({"status": "succeeded", "result_summary": "done"})

    assert status == 504
    assert api.fake.get_run(api.run.run_id).status == "succeeded"
    [update] = api.fake.run_updates(api.run.run_id)
    assert (update.status_code, update.applied) == (504, True)
    assert update.request.processed_status == 200


def test_applied_with_an_invalid_body_still_changes_nothing(api: Api) -> None:
    api.fake.fail_next("update_run", drop=True, applied=True)

    with pytest.raises((httpx.HTTPError, requests.ConnectionError)):
        api.patch({"status": "done"})

    [update] = api.fake.run_updates()
    assert (update.request.processed_status, update.applied) == (422, False)


def test_applied_drop_after_a_client_timeout(api: Api) -> None:
    api.fake.fail_next("update_run", applied=True, delay=HANG, drop=True)

    with pytest.raises((httpx.TimeoutException, requests.Timeout)):
        api.patch({"status": "cancelled"}, timeout=0.5)

    # Applied before the delay: the state is there while the answer is still being held back.
    _wait_until(lambda: api.fake.requests, "the request to be recorded")
    assert api.fake.get_run(api.run.run_id).status == "cancelled"
    assert api.fake.requests[0].status_code == 0  # the drop still to come, already recorded


# -- matching, sequences, journal --------------------------------------------------------------


def test_sequence_503_429_then_success(api: Api) -> None:
    api.fake.add_fault(
        "update_run", Fault(status=503), Fault(status=429, retry_after_ms=1), strict=True
    )

    statuses = [api.patch({"status": "paused"})[0] for _ in range(3)]

    assert statuses == [503, 429, 200]
    updates = api.fake.run_updates(api.run.run_id)
    assert [(u.status_code, u.applied) for u in updates] == [
        (503, False),
        (429, False),
        (200, True),
    ]
    assert [u.fault for u in updates] == [
        "fault rule #1 on update_run, answer 1 of 2: 503 Service Unavailable",
        "fault rule #1 on update_run, answer 2 of 2: 429 Too Many Requests (retry-after-ms: 1)",
        None,
    ]
    assert [u.fields for u in updates] == [{"status": "paused"}] * 3


def test_times_none_fails_every_matching_request(api: Api) -> None:
    rule = api.fake.fail_next("update_run", status=500, times=None)

    assert [api.patch({})[0] for _ in range(4)] == [500] * 4
    assert rule.fired == 4


def test_match_by_run_id_and_by_body(telnyx_missions: FakeMissions, send: Send) -> None:
    first, second = telnyx_missions.runs[:2]
    telnyx_missions.fail_next("update_run", status=409, run_id=second.run_id.upper())
    telnyx_missions.fail_next(
        "update_run", status=500, when=lambda body: body.get("status") == "succeeded"
    )
    auth = {"Authorization": f"Bearer {telnyx_missions.api_key}"}

    def patch(run: Any, body: dict[str, Any]) -> int:
        url = f"{telnyx_missions.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}"
        return send("PATCH", url, json=body, headers=auth)[0]

    assert patch(first, {"status": "paused"}) == 200
    assert patch(first, {"status": "succeeded"}) == 500
    assert patch(second, {"status": "paused"}) == 409
    assert patch(second, {"status": "succeeded"}) == 200


def test_a_failing_predicate_is_reported_not_swallowed(api: Api) -> None:
    api.fake.fail_next("update_run", status=503, when=lambda body: body["oops"])

    status, headers, body = api.patch({"status": "paused"})

    # Not a 500, which the SDK would retry: a 400 it never retries, and the test fails.
    assert (status, headers["x-should-retry"]) == (400, "false")
    assert "The when= predicate of fault rule #1 on update_run" in body["errors"][0]["detail"]
    assert "KeyError: 'oops'" in api.fake._unhandled_problems()
    assert api.fake.get_run(api.run.run_id).status == "running"
    assert api.fake.faults[0].fired == 0
    api.fake.reset()  # the internal error would fail this test at teardown


def test_rules_fire_on_an_invalid_body_and_an_unknown_run(
    telnyx_missions: FakeMissions, send: Send
) -> None:
    run = telnyx_missions.runs[0]
    telnyx_missions.fail_next("update_run", status=503, times=3)
    auth = {"Authorization": f"Bearer {telnyx_missions.api_key}"}
    base = f"{telnyx_missions.base_url}/ai/missions/{run.mission_id}/runs"
    unknown = "00000000-0000-4000-8000-000000000000"

    statuses = [
        send("PATCH", f"{base}/{run.run_id}", json={"status": "done"}, headers=auth)[0],
        send("PATCH", f"{base}/{run.run_id}", content=b"{not json", headers=auth)[0],
        send("PATCH", f"{base}/{unknown}", json={}, headers=auth)[0],
    ]

    assert statuses == [503, 503, 503]
    assert [r.json for r in telnyx_missions.requests] == [{"status": "done"}, None, {}]


def test_no_rule_for_unrouted_or_unauthenticated_requests(
    telnyx_missions: FakeMissions, send: Send
) -> None:
    run = telnyx_missions.runs[0]
    telnyx_missions.fail_next("update_run", status=503)
    url = f"{telnyx_missions.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}"

    assert send("PATCH", url, json={})[0] == 401
    assert send("PATCH", url, json={}, headers={"Authorization": "Bearer k"})[0] == 503
    telnyx_missions.reset()  # the 401 above would fail this test at teardown


def test_faulted_requests_are_not_reported_as_unhandled(api: Api) -> None:
    api.fake.fail_next("update_run", status=500)
    api.patch({})

    assert api.fake._unhandled_problems() == ""


# -- misuse ------------------------------------------------------------------------------------


def test_unknown_operation_names_the_nearest_ones(telnyx_missions: FakeMissions) -> None:
    with pytest.raises(ValueError, match=r"^unknown operation") as refused:
        telnyx_missions.fail_next("update_runs", status=500)
    assert str(refused.value) == (
        "unknown operation 'update_runs'; did you mean 'update_run'? Every operation is listed "
        "in the docs' reference page 'Operations' (docs/reference/operations.md)."
    )


def test_unknown_422_field_names_the_nearest_and_lists_the_fields(
    telnyx_missions: FakeMissions,
) -> None:
    with pytest.raises(
        ValueError,
        match=r"no body field 'state'; did you mean 'status'\? fields: status, result_summary",
    ):
        telnyx_missions.fail_next("update_run", status=422, field="state")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "say what the fault does"),
        ({"status": 200}, r"HTTP error \(400-599\)"),
        ({"status": 500, "drop": True}, "carry no HTTP status"),
        ({"drop": True, "malformed": "garbage"}, "not both"),
        ({"status": 500, "field": "status"}, "pass status=422"),
        ({"malformed": "zeros"}, "'garbage' or 'truncated'"),
        ({"delay": -1}, "delay must be a number from 0 to 300, got -1"),
    ],
)
def test_meaningless_faults_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Fault(**options)


def test_fault_repr_and_str_name_what_was_asked() -> None:
    fault = Fault(status=503, retry_after_ms=1, delay=0.1)

    assert repr(fault) == "Fault(status=503, retry_after_ms=1, delay=0.1)"
    assert str(fault) == "after 0.1 s, 503 Service Unavailable (retry-after-ms: 1)"
    assert str(Fault(drop=True, applied=True)) == "apply the change, then drop the connection"
