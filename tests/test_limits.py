"""Raw-socket tests: incomplete requests are never dispatched, and the server's limits hold."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from pytest_telnyx_missions import FakeMissions, ServerLimits

HANG = 10.0
"""Seconds after which a wait means the server hung: never a bound on how fast it answers."""


@pytest.fixture
def fake() -> Iterator[FakeMissions]:
    limits = ServerLimits(max_body_bytes=1024, idle_timeout=0.5, max_connections=3)
    with FakeMissions(limits=limits) as started:
        yield started


def _connect(fake: FakeMissions) -> socket.socket:
    return socket.create_connection(("127.0.0.1", int(fake.url.rsplit(":", 1)[1])), timeout=HANG)


def _until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def _head(fake: FakeMissions, method: str, suffix: str = "") -> bytes:
    run = fake.runs[0]
    path = f"/v2/ai/missions/{run.mission_id}/runs/{run.run_id}{suffix}"
    return f"{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n".encode()


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + HANG  # only catches a hang
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert condition(), f"{what} never happened"


def _assert_nothing_applied(fake: FakeMissions, capfd: pytest.CaptureFixture[str]) -> None:
    assert fake.requests == []  # never dispatched: not even a journal line
    assert fake.get_run(fake.runs[0].run_id).status == "running"
    assert "Traceback" not in capfd.readouterr().err


def test_headers_that_never_end_are_not_dispatched(
    fake: FakeMissions, capfd: pytest.CaptureFixture[str]
) -> None:
    with _connect(fake) as client:
        client.sendall(_head(fake, "POST", "/cancel"))  # no blank line: the headers never end
        client.shutdown(socket.SHUT_WR)
        answer = _until_closed(client)

    assert answer.startswith(b"HTTP/1.1 400 ")
    _assert_nothing_applied(fake, capfd)


def test_a_body_shorter_than_its_length_is_not_dispatched(
    fake: FakeMissions, capfd: pytest.CaptureFixture[str]
) -> None:
    with _connect(fake) as client:
        client.sendall(_head(fake, "PATCH") + b'Content-Length: 40\r\n\r\n{"status": "cancelled"}')
        client.shutdown(socket.SHUT_WR)
        assert _until_closed(client) == b""

    _assert_nothing_applied(fake, capfd)


def test_a_client_gone_mid_body_is_not_dispatched(
    fake: FakeMissions, capfd: pytest.CaptureFixture[str]
) -> None:
    server = fake._server.server
    assert server is not None
    client = _connect(fake)
    client.sendall(_head(fake, "PATCH") + b'Content-Length: 40\r\n\r\n{"status": ')
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    client.close()  # with linger 0: a reset, the client is gone

    # Whether the reset reaches the server before or after it read the headers, it gives up.
    _wait_for(
        lambda: server.accepted == 1 and server.open_connections == 0,
        "the server accepting, then closing the connection",
    )
    _assert_nothing_applied(fake, capfd)


def test_a_body_over_the_limit_is_413_unread_and_the_fake_keeps_serving(
    fake: FakeMissions,
) -> None:
    with _connect(fake) as client:
        # The body is never sent: an answer proves the server did not wait to read it.
        client.sendall(_head(fake, "PATCH") + b"Content-Length: 5000000\r\n\r\n")
        answer = _until_closed(client)

    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 Request Entity Too Large")
    assert b"connection: close" in head.lower()
    [error] = httpx.Response(413, content=body).json()["errors"]
    assert error["title"] == "Request Entity Too Large"
    assert "at most 1024 bytes (ServerLimits.max_body_bytes)" in error["detail"]
    run = fake.runs[0]
    url = f"{fake.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}"
    assert httpx.get(url, headers={"authorization": "Bearer k"}).status_code == 200
    assert [entry.operation for entry in fake.requests] == ["get_run"]


def test_a_chunked_body_over_the_limit_is_413(fake: FakeMissions) -> None:
    with _connect(fake) as client:
        chunk = b"x" * 2000
        client.sendall(
            _head(fake, "PATCH")
            + b"Transfer-Encoding: chunked\r\n\r\n"
            + f"{len(chunk):x}\r\n".encode()
            + chunk
            + b"\r\n0\r\n\r\n"
        )
        answer = _until_closed(client)

    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"over 1024 bytes (chunked)" in answer
    assert fake.requests == []


def test_the_default_limit_is_10_mib() -> None:
    assert ServerLimits().max_body_bytes == 10 * 1024 * 1024
    with FakeMissions() as fake, _connect(fake) as client:
        client.sendall(_head(fake, "PATCH") + b"Content-Length: 10485761\r\n\r\n")
        assert _until_closed(client).startswith(b"HTTP/1.1 413 ")


def test_an_idle_connection_is_closed_after_the_timeout(fake: FakeMissions) -> None:
    run = fake.runs[0]
    path = f"/v2/ai/missions/{run.mission_id}/runs/{run.run_id}"
    with _connect(fake) as client:
        client.sendall(
            f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n\r\n".encode()
        )
        first = client.recv(65536)
        assert first.startswith(b"HTTP/1.1 200 OK")
        # Then silence: the server closes the kept-alive connection (recv returns b"").
        assert _until_closed(client) == b""


@pytest.fixture
def capped() -> Iterator[FakeMissions]:
    with FakeMissions(limits=ServerLimits(max_connections=3)) as started:  # idle for 10 s
        yield started


def test_connections_beyond_the_cap_get_503_until_one_closes(capped: FakeMissions) -> None:
    fake = capped
    server = fake._server.server
    assert server is not None
    held = [_connect(fake) for _ in range(3)]
    _wait_for(lambda: server.open_connections == 3, "three connections open")
    try:
        with _connect(fake) as refused:
            answer = _until_closed(refused)
        assert answer.startswith(b"HTTP/1.1 503 Service Unavailable")
        assert b"already has 3 connections open" in answer
    finally:
        for sock in held:
            sock.close()
    _wait_for(lambda: server.open_connections == 0, "the held connections closed")
    run = fake.runs[0]
    url = f"{fake.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}"
    assert httpx.get(url, headers={"authorization": "Bearer k"}).status_code == 200


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_body_bytes": -1}, "max_body_bytes must be >= 0"),
        ({"idle_timeout": 0}, "idle_timeout must be a number of seconds > 0"),
        ({"idle_timeout": float("nan")}, "idle_timeout must be"),
        ({"max_connections": 0}, "max_connections must be >= 1"),
    ],
)
def test_meaningless_limits_are_refused(options: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ServerLimits(**options)  # type: ignore[arg-type]


def test_the_session_servers_limits_come_from_the_ini_file(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        """
        [pytest]
        telnyx_missions_max_body_bytes = 16
        telnyx_missions_max_connections = 8
        """
    )
    pytester.makepyfile(
        """
        import httpx

        def test_small_bodies_only(telnyx_missions):
            run = telnyx_missions.runs[0]
            url = f"{telnyx_missions.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}"
            auth = {"authorization": "Bearer k"}
            assert httpx.patch(url, json={"status": "paused"}, headers=auth).status_code == 413
            assert httpx.patch(url, json={}, headers=auth).status_code == 200
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_meaningless_ini_limit_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ntelnyx_missions_idle_timeout = soon\n")
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*telnyx_missions_idle_timeout = 'soon' is not a number*"])


def test_the_standalone_servers_limits_come_from_its_flags() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest_telnyx_missions", "--port", "0", "--max-body-bytes", "16"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        base_url = line.split("TELNYX_BASE_URL=")[1].split()[0]
        answer = httpx.post(f"{base_url}/ai/missions", json={"name": "a long enough name"})
        assert answer.status_code == 413
        assert answer.json()["errors"][0]["detail"].endswith("(ServerLimits.max_body_bytes).")
    finally:
        process.terminate()
        process.communicate(timeout=60)
