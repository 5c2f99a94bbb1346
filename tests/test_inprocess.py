"""The in-process transports and the SDK client fixtures: the same fake, no socket."""

from __future__ import annotations

import asyncio
import json
import socket
import textwrap
import time
from collections.abc import Iterator

import httpx
import pytest
import telnyx

from pytest_telnyx_missions import FakeMissions

BASE_URL = "http://fake.invalid/v2"  # never resolved: nothing leaves the process


@pytest.fixture
def fake() -> FakeMissions:
    return FakeMissions()  # never started


@pytest.fixture
def client(fake: FakeMissions) -> Iterator[httpx.Client]:
    with httpx.Client(
        transport=fake.httpx_transport(),
        base_url=BASE_URL,
        headers={"authorization": "Bearer k"},
    ) as http:
        yield http


def _refuse_sockets(*args: object, **kwargs: object) -> None:
    raise AssertionError("the in-process transport opened a socket")


def _path(fake: FakeMissions) -> str:
    run = fake.runs[0]
    return f"/ai/missions/{run.mission_id}/runs/{run.run_id}"


def test_a_fake_that_never_listens_answers_in_process(
    fake: FakeMissions, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(socket, "create_connection", _refuse_sockets)

    answer = client.patch(_path(fake), json={"status": "paused"}, params={"trace": "1"})

    assert answer.status_code == 200
    assert answer.json()["data"]["status"] == "paused"
    [entry] = fake.requests
    assert (entry.path, entry.query, entry.json) == (
        f"/v2{_path(fake)}",
        {"trace": ["1"]},
        {"status": "paused"},
    )
    assert entry.headers["authorization"] == "Bearer k"
    fake.assert_run_updated(fake.runs[0].run_id, status="paused")


def test_a_drop_raises_what_httpx_raises_over_a_socket(
    fake: FakeMissions, client: httpx.Client
) -> None:
    fake.fail_next("update_run", drop=True)

    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        client.patch(_path(fake), json={"status": "failed"})

    [update] = fake.run_updates()
    assert (update.status_code, update.applied) == (0, False)


def test_garbage_raises_what_httpx_raises_over_a_socket(
    fake: FakeMissions, client: httpx.Client
) -> None:
    fake.fail_next("get_run", malformed="garbage")

    with pytest.raises(httpx.RemoteProtocolError, match="illegal status line"):
        client.get(_path(fake))


def test_a_truncated_answer_is_complete_http_with_json_cut_short(
    fake: FakeMissions, client: httpx.Client
) -> None:
    fake.fail_next("get_run", malformed="truncated")

    answer = client.get(_path(fake))

    assert (answer.status_code, answer.headers["content-type"]) == (200, "application/json")
    with pytest.raises(json.JSONDecodeError):
        answer.json()


def test_latency_beyond_the_read_timeout_is_a_read_timeout(
    fake: FakeMissions, client: httpx.Client
) -> None:
    fake.fail_next("update_run", delay=0.3, applied=True, drop=True)

    with pytest.raises(httpx.ReadTimeout):
        client.patch(_path(fake), json={"status": "cancelled"}, timeout=0.05)

    # Served on its own thread, as by a server: applied, then recorded, then the delay.
    deadline = time.monotonic() + 10  # only catches a hang
    while not fake.run_updates() and time.monotonic() < deadline:
        time.sleep(0.01)
    [update] = fake.run_updates()
    assert update.applied
    assert fake.get_run(fake.runs[0].run_id).status == "cancelled"


def test_latency_within_the_timeout_then_the_normal_answer(
    fake: FakeMissions, client: httpx.Client
) -> None:
    fake.fail_next("update_run", delay=0.01)

    assert client.patch(_path(fake), json={"status": "paused"}, timeout=10).status_code == 200


def test_the_async_transport_answers_and_breaks_the_same_way(fake: FakeMissions) -> None:
    async def scenario() -> list[object]:
        async with httpx.AsyncClient(
            transport=fake.async_httpx_transport(),
            base_url=BASE_URL,
            headers={"authorization": "Bearer k"},
        ) as http:
            seen: list[object] = [(await http.patch(_path(fake), json={"status": "paused"})).json()]
            fake.fail_next("update_run", drop=True)
            try:
                await http.patch(_path(fake), json={})
            except httpx.RemoteProtocolError as exc:
                seen.append(type(exc))
            fake.fail_next("get_run", delay=0.3)
            try:
                await http.get(_path(fake), timeout=0.05)
            except httpx.ReadTimeout as exc:
                seen.append(type(exc))
            return seen

    paused, dropped, timed_out = asyncio.run(scenario())

    assert paused["data"]["status"] == "paused"  # type: ignore[index]
    assert (dropped, timed_out) == (httpx.RemoteProtocolError, httpx.ReadTimeout)


def test_telnyx_client_is_the_sdk_wired_in_process(
    telnyx_missions: FakeMissions, telnyx_client: telnyx.Telnyx, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(socket, "create_connection", _refuse_sockets)
    run = telnyx_missions.runs[0]

    telnyx_client.ai.missions.runs.update(run.run_id, mission_id=run.mission_id, status="paused")

    telnyx_missions.assert_run_updated_once(run.run_id, status="paused")
    [entry] = telnyx_missions.requests
    assert entry.headers["authorization"] == f"Bearer {telnyx_missions.api_key}"


def test_telnyx_client_retries_a_drop_and_raises_a_connection_error(
    telnyx_missions: FakeMissions, telnyx_client: telnyx.Telnyx
) -> None:
    run = telnyx_missions.runs[0]
    telnyx_missions.fail_next("update_run", drop=True, times=None)

    with pytest.raises(telnyx.APIConnectionError) as raised:
        telnyx_client.with_options(max_retries=1).ai.missions.runs.update(
            run.run_id, mission_id=run.mission_id, status="paused"
        )

    assert type(raised.value) is telnyx.APIConnectionError
    retries = [entry.headers["x-stainless-retry-count"] for entry in telnyx_missions.requests]
    assert retries == ["0", "1"]


def test_telnyx_client_times_out_as_over_a_socket(
    telnyx_missions: FakeMissions, telnyx_client: telnyx.Telnyx
) -> None:
    run = telnyx_missions.runs[0]
    telnyx_missions.fail_next("update_run", delay=0.3, drop=True)

    with pytest.raises(telnyx.APITimeoutError):
        telnyx_client.with_options(timeout=0.05, max_retries=0).ai.missions.runs.update(
            run.run_id, mission_id=run.mission_id, status="paused"
        )


def test_async_telnyx_client(
    telnyx_missions: FakeMissions, async_telnyx_client: telnyx.AsyncTelnyx
) -> None:
    run = telnyx_missions.runs[0]

    async def report() -> None:
        await async_telnyx_client.ai.missions.runs.update(
            run.run_id, mission_id=run.mission_id, status="succeeded"
        )

    asyncio.run(report())

    telnyx_missions.assert_run_status_history(run.run_id, ["succeeded"])


def test_the_sdk_fixtures_skip_with_a_reason_without_the_sdk(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import sys

        sys.modules["telnyx"] = None  # as if it were not installed
        """
    )
    pytester.makepyfile(
        textwrap.dedent(
            """
            def test_sync(telnyx_client):
                pass

            def test_async(async_telnyx_client):
                pass
            """
        )
    )

    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-rs")

    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(["*telnyx_client needs the official SDK: pip install telnyx*"])
