"""Raw-socket tests: a request head is bounded in size and a request in time; the keep-alive wait
and ``stop()`` hold whatever the process does (many descriptors, a pending latency fault)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from pytest_telnyx_missions import FakeMissions, ServerLimits

HANG = 10.0
"""Seconds after which a wait means the server hung: never a bound on how fast it answers."""

SMALL = ServerLimits(max_request_line_bytes=512, max_header_bytes=2048, max_header_count=20)


@pytest.fixture
def fake() -> Iterator[FakeMissions]:
    with FakeMissions(limits=SMALL) as started:
        yield started


def _connect(fake: FakeMissions) -> socket.socket:
    return socket.create_connection(("127.0.0.1", int(fake.url.rsplit(":", 1)[1])), timeout=HANG)


def _until_closed(sock: socket.socket) -> bytes:
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def _refusal(fake: FakeMissions, raw: bytes) -> tuple[bytes, dict[str, str]]:
    """The status line and error object of the answer to ``raw`` (sent, then the write side
    shut), after which the server closed the connection."""
    with _connect(fake) as client:
        # The server may answer and close before taking it all: the answer is there still.
        with contextlib.suppress(ConnectionError):
            client.sendall(raw)
        received = _until_closed(client)
    head, _, body = received.partition(b"\r\n\r\n")
    assert b"\r\ncontent-type: application/json" in head.lower(), received[:300]
    [error] = json.loads(body)["errors"]
    return head.split(b"\r\n", 1)[0], error


def _get(path: str, *fields: str) -> bytes:
    return ("\r\n".join([f"GET {path} HTTP/1.1", "Host: x", *fields]) + "\r\n\r\n").encode()


# -- 9: request heads are bounded ----------------------------------------------------------------


def test_a_request_line_over_the_limit_is_414_and_never_journaled(fake: FakeMissions) -> None:
    fits = "/v2/ai/missions?" + "a" * (512 - len("GET /v2/ai/missions? HTTP/1.1") - 1)
    assert len(f"GET {fits} HTTP/1.1") <= 512
    with _connect(fake) as client:
        client.sendall(_get(fits, "Authorization: Bearer k", "Connection: close"))
        assert _until_closed(client).startswith(b"HTTP/1.1 ")  # served (whatever the query)
    assert len(fake.requests) == 1

    status, error = _refusal(fake, _get(fits + "aa"))
    assert status == b"HTTP/1.1 414 Request-URI Too Long"
    assert "(ServerLimits.max_request_line_bytes)" in error["detail"]
    # A 16 MiB line is cut where the limit is: the server never holds it.
    status, _ = _refusal(fake, _get("/" + "a" * (16 * 1024 * 1024)))
    assert status.startswith(b"HTTP/1.1 414 ")
    assert len(fake.requests) == 1


@pytest.mark.parametrize(
    "fields",
    [
        ["X-Big: " + "a" * 2048],  # one field over the bytes
        [f"X-Many-{n}: {'a' * 100}" for n in range(19)],  # many fields, over the bytes together
        [f"X-{n}: a" for n in range(21)],  # more fields than the count
        [f"X-{n}: a" for n in range(100_000)],  # the attack: cut at the count, never all read
    ],
    ids=["one-big-field", "bytes-in-all", "count", "100000-fields"],
)
def test_header_fields_over_the_limits_are_431_and_never_journaled(
    fake: FakeMissions, fields: list[str]
) -> None:
    status, error = _refusal(fake, _get("/v2/ai/missions", *fields))
    assert status == b"HTTP/1.1 431 Request Header Fields Too Large"
    assert "ServerLimits.max_header_bytes, max_header_count" in error["detail"]
    assert fake.requests == []


def test_fields_at_the_limits_are_served(fake: FakeMissions) -> None:
    # Host, Authorization, Connection and 17 more: the 20 fields the limit allows.
    fields = ["Authorization: Bearer k", *(f"X-{n}: a" for n in range(17)), "Connection: close"]
    with _connect(fake) as client:
        client.sendall(_get("/v2/ai/missions", *fields))
        assert _until_closed(client).startswith(b"HTTP/1.1 200 OK")


def test_head_limits_have_defaults_and_bounds() -> None:
    limits = ServerLimits()
    assert (limits.max_request_line_bytes, limits.max_header_bytes) == (16 * 1024, 64 * 1024)
    assert (limits.max_header_count, limits.head_timeout, limits.body_timeout) == (100, 10, 30)
    for options, message in [
        ({"max_request_line_bytes": 255}, "max_request_line_bytes must be >= 256"),
        ({"max_header_bytes": 1023}, "max_header_bytes must be >= 1024"),
        ({"max_header_count": 15}, "max_header_count must be >= 16"),
        ({"head_timeout": 0}, "head_timeout must be a number of seconds > 0"),
        ({"body_timeout": float("inf")}, "body_timeout must be a number of seconds > 0"),
    ]:
        with pytest.raises(ValueError, match=message):
            ServerLimits(**options)  # type: ignore[arg-type]


# -- 13: a slow client is cut at its deadline ----------------------------------------------------


def _trickle(client: socket.socket, data: bytes, stop: threading.Event) -> None:
    """Send ``data`` a byte every 20 ms (well within the idle timeout) until told to stop."""
    for byte in data:
        if stop.wait(0.02):
            return
        try:
            client.send(bytes([byte]))
        except OSError:
            return  # the server closed the connection


@pytest.mark.parametrize("part", ["head", "body"])
def test_a_request_trickling_in_is_cut_at_its_deadline(part: str) -> None:
    # Each byte comes long before the idle timeout: only a deadline on the whole part ends it.
    limits = ServerLimits(idle_timeout=HANG, head_timeout=0.3, body_timeout=0.3)
    with FakeMissions(limits=limits) as fake, _connect(fake) as client:
        run = fake.runs[0]
        head = (
            f"PATCH /v2/ai/missions/{run.mission_id}/runs/{run.run_id} HTTP/1.1\r\n"
            "Host: x\r\nAuthorization: Bearer k\r\nContent-Length: 2000\r\n"
        ).encode()
        stop = threading.Event()
        if part == "head":
            trickled = head + b"X-Slow: " + b"a" * 5000
        else:
            client.sendall(head + b"\r\n")
            trickled = b'{"status": "cancelled", "result_summary": "' + b"a" * 5000
        sender = threading.Thread(target=_trickle, args=(client, trickled, stop))
        sender.start()
        try:
            received = _until_closed(client)  # a hang (no deadline) ends at HANG: a failure
        finally:
            stop.set()
            sender.join(HANG)
        status, _, body = received.partition(b"\r\n")
        assert status == b"HTTP/1.1 408 Request Timeout", received
        [error] = json.loads(body.partition(b"\r\n\r\n")[2])["errors"]
        assert f"ServerLimits.{part}_timeout" in error["detail"]
        assert fake.requests == []
        assert fake.get_run(run.run_id).status == "running"


# -- 14: the keep-alive wait has no descriptor limit ---------------------------------------------


@pytest.fixture
def descriptors_over_1024() -> Iterator[None]:
    """Every descriptor number up to 1100 in use, so the next socket's number is above 1024."""
    resource = pytest.importorskip("resource")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1200:
        if hard != resource.RLIM_INFINITY and hard < 1200:
            pytest.skip(f"the descriptor limit ({hard}) is too low")
        resource.setrlimit(resource.RLIMIT_NOFILE, (1200, hard))
    opened: list[int] = []
    try:
        while not opened or opened[-1] < 1100:
            opened.append(os.open(os.devnull, os.O_RDONLY))
        yield
    finally:
        for descriptor in opened:
            os.close(descriptor)
        if soft < 1200:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.mark.usefixtures("descriptors_over_1024")
def test_keep_alive_holds_with_descriptors_numbered_over_1024() -> None:
    with FakeMissions() as fake, _connect(fake) as client:
        request = _get("/v2/ai/missions", "Authorization: Bearer k")
        for _ in range(3):  # one after the other: each waits in the keep-alive wait
            client.sendall(request)
            answer = client.recv(65536)
            assert answer.startswith(b"HTTP/1.1 200 OK"), answer
            assert b"connection: close" not in answer.lower()
        assert fake._server.accepted_connections == 1
        assert len(fake.requests) == 3


# -- 12: stop() ends pending delays --------------------------------------------------------------


def test_stop_ends_a_pending_latency_fault_at_once() -> None:
    fake = FakeMissions().start()
    fake.fail_next("list_missions", delay=300)  # far longer than any wait below
    answers: list[int | str] = []

    def delayed_client() -> None:
        try:
            answer = httpx.get(
                f"{fake.base_url}/ai/missions", headers={"authorization": "Bearer k"}, timeout=600
            )
            answers.append(answer.status_code)
        except httpx.HTTPError as error:
            answers.append(type(error).__name__)

    client = threading.Thread(target=delayed_client, daemon=True)
    client.start()
    deadline = time.monotonic() + HANG  # only catches a hang
    while not fake.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    assert fake.requests, "the delayed request was never recorded"  # recorded, then delayed

    stopper = threading.Thread(target=fake.stop)
    stopper.start()
    stopper.join(HANG)  # waiting out the delay would take 300 s: a hang here is the bug
    assert not stopper.is_alive(), "stop() waited for the latency fault"
    client.join(HANG)
    assert not client.is_alive()
    assert len(fake.faults) == 1  # the rule is still there: stop ended the delay only
    assert answers == [200]  # the delayed request, answered at once


def test_the_head_limits_come_from_the_ini_file_and_the_flags(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ntelnyx_missions_max_header_count = 16\n")
    pytester.makepyfile(
        """
        import httpx

        def test_few_fields_only(telnyx_missions):
            many = {f"x-{n}": "a" for n in range(20)}
            answer = httpx.get(f"{telnyx_missions.base_url}/ai/missions", headers=many)
            assert answer.status_code == 431
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)

    process = subprocess.Popen(
        [sys.executable, "-m", "pytest_telnyx_missions", "--port", "0", "--max-header-count", "16"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().split("TELNYX_BASE_URL=")[1].split()[0]
        many = {f"x-{n}": "a" for n in range(20)}
        assert httpx.get(f"{base_url}/ai/missions", headers=many).status_code == 431
    finally:
        process.terminate()
        process.communicate(timeout=60)
