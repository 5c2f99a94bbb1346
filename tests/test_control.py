"""The control API under ``/_fake/``, on an in-process ``FakeMissions(control_api=True)``."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pytest_telnyx_missions import FakeMissions


@pytest.fixture(scope="module")
def served() -> Iterator[FakeMissions]:
    with FakeMissions(seed=3, runs=2, control_api=True) as fake:
        yield fake


@pytest.fixture
def fake(served: FakeMissions) -> FakeMissions:
    served.reset(seed=3, runs=2)
    return served


def control(fake: FakeMissions, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(method, f"{fake.url}/_fake/{path}", **kwargs)


def test_control_requests_need_no_key_and_are_never_recorded(fake: FakeMissions) -> None:
    assert control(fake, "GET", "health").json() == {"status": "ok"}
    assert control(fake, "GET", "runs").status_code == 200
    assert control(fake, "GET", "requests").json() == {
        "data": [],
        "offset": 0,
        "next_offset": None,
        "total": 0,
        "dropped": 0,
        "bytes": 0,
    }
    assert fake.requests == []


def test_fault_rules_never_answer_control_requests(fake: FakeMissions) -> None:
    fake.fail_next("get_run", status=503, times=None)
    fake.fail_next("list_recent_runs", drop=True, times=None)
    assert control(fake, "GET", "runs").status_code == 200
    assert [rule.fired for rule in fake.faults] == [0, 0]


def test_requests_lists_the_journal(fake: FakeMissions) -> None:
    run = fake.runs[0]
    path = f"/v2/ai/missions/{run.mission_id}/runs/{run.run_id}"
    httpx.patch(fake.url + path, json={"status": "done"}, headers={"Authorization": "Bearer k"})

    [entry] = control(fake, "GET", "requests").json()["data"]
    assert entry == {
        "number": 0,
        "method": "PATCH",
        "path": path,
        "operation": "update_run",
        "path_params": {"mission_id": run.mission_id, "run_id": run.run_id},
        "query": {},
        "status_code": 422,
        "json": {"status": "done"},
        "response": fake.requests[0].response,
        "time": fake.requests[0].time.isoformat(),
        "fault": None,
        "auto_created": [],
        "size": fake.requests[0].size,
    }


def test_run_updates_filter_by_run(fake: FakeMissions) -> None:
    first, second = fake.runs
    auth = {"Authorization": "Bearer k"}
    for run in (first, second):
        path = f"/ai/missions/{run.mission_id}/runs/{run.run_id}"
        httpx.patch(fake.url + path, json={"metadata": {"n": 1}}, headers=auth)

    every = control(fake, "GET", "run-updates").json()["data"]
    [only] = control(fake, "GET", "run-updates", params={"run_id": second.run_id}).json()["data"]
    assert [u["run_id"] for u in every] == [first.run_id, second.run_id]
    assert (only["run_id"], only["fields"], only["applied"]) == (
        second.run_id,
        {"metadata": {"n": 1}},
        True,
    )


def test_faults_are_added_and_listed(fake: FakeMissions) -> None:
    run = fake.runs[0]
    rule = {
        "operation": "update_run",
        "times": 2,
        "run_id": run.run_id.upper(),
        "faults": [{"status": 429, "retry_after_ms": 5}, {"drop": True}],
    }
    added = control(fake, "POST", "faults", json=rule)

    assert added.status_code == 201
    expected = {
        "number": 1,
        "operation": "update_run",
        "run_id": run.run_id,
        "times": 2,
        "fired": 0,
        "description": f"fault rule #1 on update_run (run {run.run_id})",
        "faults": ["429 Too Many Requests (retry-after-ms: 5)", "drop the connection"],
    }
    assert added.json() == {"data": expected}
    assert control(fake, "GET", "faults").json() == {"data": [expected]}
    assert fake.faults[0].total == 4


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"operation": "update_runs", "faults": [{"status": 503}]},
            "Invalid fault rule: unknown operation 'update_runs'; did you mean 'update_run'? Every "
            "operation is listed in the docs' reference page 'Operations' "
            "(docs/reference/operations.md).",
        ),
        (
            {"operation": "update_run", "faults": [{"status": 200}]},
            "Invalid fault rule: faults.0: status must be an HTTP error (400-599), got 200",
        ),
        (
            {"operation": "update_run", "faults": [{"status": "soon"}]},
            "Invalid fault rule: faults.0.status: Input should be a valid integer (got 'soon')",
        ),
        (
            {"operation": "update_run", "when": "x", "faults": [{"status": 503, "wait": 1}]},
            "Invalid fault rule: faults.0.wait: unknown key; when: unknown key. It takes the keys "
            "operation, times, run_id, faults (a list of objects with status, detail, field, ",
        ),
        ({"operation": "update_run", "faults": []}, "faults: List should have at least 1 item"),
        ({"faults": [{"status": 503}]}, "Invalid fault rule: operation: Field required."),
        (
            {"operation": "update_run", "times": 0, "faults": [{"status": 503}]},
            "Invalid fault rule: times must be >= 1 (or None for every request), got 0",
        ),
        (b"{'operation': 1}", "Invalid fault rule: body: Invalid JSON: "),
    ],
    ids=["operation", "status", "type", "unknown-keys", "no-faults", "missing", "times", "json"],
)
def test_a_bad_fault_rule_is_a_400_that_says_why(
    fake: FakeMissions, body: Any, message: str
) -> None:
    sent = {"content": body} if isinstance(body, bytes) else {"json": body}
    answer = control(fake, "POST", "faults", **sent)
    assert answer.status_code == 400
    assert message in answer.json()["error"]
    assert fake.faults == []


def test_reset_defaults_to_the_values_the_fake_was_made_with(fake: FakeMissions) -> None:
    seeded = fake.runs
    assert control(fake, "POST", "reset", json={"runs": 4}).status_code == 204
    assert fake.runs[:2] == seeded
    assert len(fake.runs) == 4
    assert control(fake, "POST", "reset").status_code == 204
    assert fake.runs == seeded


def test_reset_can_turn_strict_transitions_on(fake: FakeMissions) -> None:
    assert control(fake, "POST", "reset", json={"strict_transitions": True}).status_code == 204
    done = fake.add_run(status="succeeded")
    client = httpx.Client(base_url=fake.base_url, headers={"authorization": "Bearer k"})
    with client:
        paused = client.post(f"/ai/missions/{done.mission_id}/runs/{done.run_id}/pause")
    assert paused.status_code == 409
    assert paused.headers["x-should-retry"] == "false"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"seed": "x"}, "seed: Input should be a valid integer"),
        ({"runs": -1}, "runs: Input should be greater than or equal to 0 (got -1)"),
        (
            {"run": 2},
            "run: unknown key. It takes the keys seed, runs, missions, strict_transitions, "
            "auto_create, clock, state.",
        ),
        ([1], "body: Input should be an object"),
    ],
)
def test_a_bad_reset_is_a_400(fake: FakeMissions, body: Any, message: str) -> None:
    answer = control(fake, "POST", "reset", json=body)
    assert answer.status_code == 400
    assert answer.json()["error"].startswith(f"Invalid reset body: {message}")


def test_unknown_control_routes(fake: FakeMissions) -> None:
    missing = control(fake, "GET", "nope")
    assert missing.status_code == 404
    assert missing.json()["error"].startswith(
        "The fake has no control route /_fake/nope. Control routes: GET /_fake/health, "
        "POST /_fake/reset, "
    )
    wrong = control(fake, "PUT", "faults")
    assert (wrong.status_code, wrong.headers["allow"]) == (405, "GET, POST, DELETE")
    assert fake.requests == []


def test_the_fixtures_fake_has_no_control_api(telnyx_missions: FakeMissions) -> None:
    """In pytest the fake's methods are the control: /_fake/ is an unknown route there."""
    answer = httpx.get(telnyx_missions.url + "/_fake/health")
    assert answer.status_code == 404
    assert answer.json()["errors"][0]["code"] == "10005"
    telnyx_missions.reset()  # the unrouted request is on purpose: not a teardown failure


# -- who may call it ---------------------------------------------------------------------------


def _port(fake: FakeMissions) -> int:
    return int(fake.url.rsplit(":", 1)[1])


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({"host": "evil.example:{port}"}, "it is addressed to Host 'evil.example:{port}'"),
        ({"host": "127.0.0.1"}, "it is addressed to Host '127.0.0.1'"),  # another port: 80
        ({"host": "127.0.0.1:1"}, "it is addressed to Host '127.0.0.1:1'"),
        ({"origin": "http://evil.example"}, "it comes from a web page at Origin 'http://evil"),
        ({"origin": "null"}, "it comes from a web page at Origin 'null'"),
        ({"origin": "http://localhost:1"}, "Origin 'http://localhost:1'"),
        ({"origin": "https://127.0.0.1:{port}"}, "Origin 'https://127.0.0.1:"),
    ],
    ids=["rebinding", "no-port", "other-port", "page", "null", "other-port-origin", "https"],
)
def test_requests_from_web_pages_are_refused_with_a_403_saying_why(
    fake: FakeMissions, headers: dict[str, str], why: str
) -> None:
    port = _port(fake)
    headers = {key: value.format(port=port) for key, value in headers.items()}
    fake.fail_next("get_run", status=503)  # a rule the page would like to clear

    # What a cross-site form or fetch() with text/plain can send without a preflight.
    reset = control(
        fake,
        "POST",
        "reset",
        content=b'{"seed": 9}',
        headers={**headers, "content-type": "text/plain"},
    )
    journal = control(fake, "GET", "requests", headers=headers)

    for answer in (reset, journal):
        error = answer.json()["error"]
        assert answer.status_code == 403
        assert error.startswith("The control API refused this request: ")
        assert why.format(port=port) in error
        assert error.endswith(
            f". It answers only requests addressed to http://127.0.0.1:{port} or "
            f"http://localhost:{port} with no Origin from another site, so that a web page open "
            "in a browser cannot reset the fake, add fault rules or read the recorded requests."
        )
    assert len(fake.faults) == 1  # the reset never happened


@pytest.mark.parametrize(
    "headers",
    [
        {"host": "localhost:{port}"},
        {"host": "LOCALHOST:{port}"},
        {"origin": "http://127.0.0.1:{port}"},
        {"host": "localhost:{port}", "origin": "http://localhost:{port}"},
    ],
)
def test_its_own_address_and_localhost_are_answered(
    fake: FakeMissions, headers: dict[str, str]
) -> None:
    port = _port(fake)
    sent = {key: value.format(port=port) for key, value in headers.items()}
    assert control(fake, "GET", "health", headers=sent).status_code == 200


def test_a_request_without_host_is_refused(fake: FakeMissions) -> None:
    with socket.create_connection(("127.0.0.1", _port(fake)), timeout=60) as raw:
        raw.sendall(b"GET /_fake/health HTTP/1.0\r\n\r\n")
        answer = b""
        while chunk := raw.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 403") or head.startswith(b"HTTP/1.0 403"), head
    assert "it has no Host header" in json.loads(body)["error"]


def test_allow_remote_warns_what_anyone_reaching_the_port_can_do() -> None:
    with pytest.warns(UserWarning, match="^allow_remote=True: ") as warned:
        FakeMissions(allow_remote=True, control_api=True, port=4011)
    [warning] = warned
    assert str(warning.message) == (
        "allow_remote=True: the Telnyx Missions fake at 127.0.0.1:4011 is not limited to this "
        "machine. Anyone who can reach that port can send it API requests with any key, reading "
        "and changing its missions, runs, events and plans; and through the control API "
        "(/_fake/, no key needed) read every recorded request with its headers and body, reset "
        "the fake and add fault rules."
    )
    assert warning.filename == __file__  # points at the caller's line


def test_wait_answers_the_first_matching_call_when_it_comes(fake: FakeMissions) -> None:
    run = fake.runs[0]
    waiting: list[httpx.Response] = []
    waiter = threading.Thread(
        target=lambda: waiting.append(
            control(
                fake,
                "GET",
                "wait",
                params={"operation": "update_run", "run_id": run.run_id, "status": "paused"},
                timeout=60,
            )
        )
    )
    waiter.start()
    with httpx.Client(base_url=fake.base_url, headers={"authorization": "Bearer k"}) as client:
        path = f"/ai/missions/{run.mission_id}/runs/{run.run_id}"
        client.patch(path, json={"status": "running"})  # not the one waited for
        client.patch(path, json={"status": "paused"})
    waiter.join(timeout=60)
    [answer] = waiting
    assert answer.status_code == 200
    assert answer.json()["data"]["fields"] == {"status": "paused"}
    assert answer.json()["data"]["path_params"]["run_id"] == run.run_id


def test_wait_times_out_with_the_diff_message(fake: FakeMissions) -> None:
    answer = control(fake, "GET", "wait", params={"operation": "cancel_run", "timeout": "0"})
    assert answer.status_code == 408
    assert "cancel_run" in answer.json()["error"]
    bad = control(fake, "GET", "wait", params={"operation": "cancel_runs"})
    assert bad.status_code == 400
    assert (
        control(fake, "GET", "wait", params={"operation": "x", "timeout": "1e9"}).status_code == 400
    )
