"""The socket path keeps connections alive, and still never lets one client hold up another."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import httpx
import pytest
from werkzeug.wrappers import Request, Response

from pytest_telnyx_missions import FakeMissions
from pytest_telnyx_missions._fake import WORKER_THREAD_NAME

HANG = 10.0
"""Seconds after which a wait means the server hung: never a bound on how fast it answers."""


@pytest.fixture
def fake() -> Iterator[FakeMissions]:
    with FakeMissions() as started:
        yield started


def _run_url(fake: FakeMissions) -> str:
    run = fake.runs[0]
    return f"{fake.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}"


def _port(fake: FakeMissions) -> int:
    return int(fake.url.rsplit(":", 1)[1])


def test_one_client_sends_50_requests_over_one_connection(fake: FakeMissions) -> None:
    url = _run_url(fake)
    with httpx.Client(headers={"authorization": "Bearer k"}) as client:
        statuses = [
            client.patch(url, json={"result_summary": f"step {n}"}).status_code for n in range(50)
        ]

    assert statuses == [200] * 50
    assert fake._server.accepted_connections == 1
    assert len(fake.run_updates()) == 50


def test_a_dropped_connection_is_replaced_and_the_next_request_served(fake: FakeMissions) -> None:
    url = _run_url(fake)
    with httpx.Client(headers={"authorization": "Bearer k"}) as client:
        assert client.get(url).status_code == 200
        fake.fail_next("get_run", drop=True)
        with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
            client.get(url)
        assert client.get(url).status_code == 200

    assert fake._server.accepted_connections == 2  # the drop closed the first one


def test_a_client_stalled_mid_request_does_not_delay_another(fake: FakeMissions) -> None:
    with socket.create_connection(("127.0.0.1", _port(fake)), timeout=HANG) as stalled:
        # Headers never finished: a server thread waits for the rest of this request.
        stalled.sendall(b"PATCH /v2/ai/missions/x/runs/y HTTP/1.1\r\nHost: x\r\n")
        with httpx.Client(headers={"authorization": "Bearer k"}, timeout=HANG) as other:
            for _ in range(3):
                assert other.get(_run_url(fake)).status_code == 200
    assert [entry.path for entry in fake.requests] == [fake.requests[0].path] * 3


def test_a_request_in_progress_does_not_delay_another_connection(fake: FakeMissions) -> None:
    """One connection's request is held inside a handler until the test releases it; meanwhile
    another connection is served (events only: a timeout here means a hang, not slowness)."""
    release, entered = threading.Event(), threading.Event()

    def held(request: Request) -> Response:
        entered.set()
        release.wait(HANG)
        return Response("released")

    fake.httpserver.expect_request("/v2/held").respond_with_handler(held)
    answers: list[str] = []
    slow = threading.Thread(
        target=lambda: answers.append(httpx.get(f"{fake.base_url}/held", timeout=HANG).text)
    )
    slow.start()
    try:
        assert entered.wait(HANG), "the held request never reached its handler"
        with httpx.Client(headers={"authorization": "Bearer k"}, timeout=HANG) as other:
            assert other.get(_run_url(fake)).status_code == 200
        assert answers == []  # still held while the other connection was served
    finally:
        release.set()
        slow.join(HANG)
    assert answers == ["released"]


def test_stop_ends_every_thread_even_with_idle_connections_open() -> None:
    fake = FakeMissions().start()
    client = httpx.Client(headers={"authorization": "Bearer k"})
    assert client.get(_run_url(fake)).status_code == 200  # leaves an idle keep-alive connection
    cheroot = fake._server.server
    assert cheroot is not None
    workers = list(cheroot.requests._threads)  # this fake's, not other fakes' in this process
    assert workers
    assert {worker.name for worker in workers} == {WORKER_THREAD_NAME}
    server = fake._server._thread
    assert server is not None

    fake.stop()

    server.join(HANG)
    assert not server.is_alive()
    for worker in workers:
        worker.join(HANG)
    assert not any(worker.is_alive() for worker in workers)
    client.close()


def test_an_answer_is_one_piece_with_its_length(fake: FakeMissions) -> None:
    """Each answer has a Content-Length (never chunked), so the connection can stay open."""
    with socket.create_connection(("127.0.0.1", _port(fake)), timeout=HANG) as raw:
        request = b"GET /v2/ai/missions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n\r\n"
        raw.sendall(request * 2)  # pipelined: both are answered, in order
        received = b""
        while received.count(b"HTTP/1.1 200 OK") < 2:
            chunk = raw.recv(65536)
            assert chunk, f"closed after {received!r}"
            received += chunk
    head = received.split(b"\r\n\r\n", 1)[0].lower()
    assert b"content-length: " in head
    assert b"transfer-encoding" not in head
    assert b"connection: close" not in head
