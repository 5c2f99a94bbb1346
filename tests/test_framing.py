"""Raw-socket tests: requests are framed as RFC 9112 and h11 frame them, and what the server
refuses itself is answered in the fake's JSON envelope, never dispatched."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from pytest_telnyx_missions import FakeMissions, ServerLimits

HANG = 10.0
"""Seconds after which a wait means the server hung: never a bound on how fast it answers."""


@pytest.fixture
def fake() -> Iterator[FakeMissions]:
    with FakeMissions(limits=ServerLimits(max_body_bytes=1024)) as started:
        yield started


def _connect(fake: FakeMissions) -> socket.socket:
    return socket.create_connection(("127.0.0.1", int(fake.url.rsplit(":", 1)[1])), timeout=HANG)


def _until_closed(sock: socket.socket) -> bytes:
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def _answers(received: bytes) -> list[tuple[bytes, bytes]]:
    """The (head, body) of each answer in ``received``, by their Content-Length."""
    answers = []
    while received:
        head, _, rest = received.partition(b"\r\n\r\n")
        fields = dict(
            line.split(b": ", 1) for line in head.lower().split(b"\r\n")[1:] if b": " in line
        )
        length = int(fields.get(b"content-length", b"0"))
        answers.append((head, rest[:length]))
        received = rest[length:]
    return answers


def _run_path(fake: FakeMissions) -> str:
    run = fake.runs[0]
    return f"/v2/ai/missions/{run.mission_id}/runs/{run.run_id}"


def _request(fake: FakeMissions, method: str, *fields: str, body: bytes = b"") -> bytes:
    head = [f"{method} {_run_path(fake)} HTTP/1.1", "Host: x", "Authorization: Bearer k", *fields]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def _get(fake: FakeMissions) -> bytes:
    return _request(fake, "GET")


def _assert_refused(fake: FakeMissions, raw: bytes, status: int) -> dict[str, str]:
    """``raw`` is answered ``status`` in the envelope, the connection closes, nothing is
    dispatched; the error object is returned."""
    with _connect(fake) as client:
        client.sendall(raw)
        received = _until_closed(client)  # the server closes: a request cannot hide behind it
    [(head, body)] = _answers(received)
    assert head.startswith(f"HTTP/1.1 {status} ".encode()), received
    assert b"\r\ncontent-type: application/json" in head.lower()
    assert b"\r\nconnection: close" in head.lower()
    [error] = json.loads(body)["errors"]
    assert set(error) >= {"code", "title", "detail"}
    assert fake.requests == []
    return dict(error)


# -- 5: trailers ---------------------------------------------------------------------------------


def test_a_trailer_after_a_chunked_body_is_dropped_and_the_next_request_served(
    fake: FakeMissions,
) -> None:
    body = b'{"result_summary": "chunked"}'
    chunked = (
        f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n"
    )
    with _connect(fake) as client:
        client.sendall(_request(fake, "PATCH", "Transfer-Encoding: chunked", body=chunked))
        client.sendall(_get(fake) + _request(fake, "GET", "Connection: close"))
        answers = _answers(_until_closed(client))

    assert [head.split(b"\r\n", 1)[0] for head, _ in answers] == [b"HTTP/1.1 200 OK"] * 3
    assert [entry.operation for entry in fake.requests] == ["update_run", "get_run", "get_run"]
    assert json.loads(answers[1][1])["data"]["result_summary"] == "chunked"


# -- 6: an invalid length -------------------------------------------------------------------------


@pytest.mark.parametrize("length", ["-1", "+19", "1_9", " ", "19, 19", "0x13", "١٩"])
def test_an_invalid_content_length_is_400_and_nothing_is_dispatched(
    fake: FakeMissions, length: str
) -> None:
    raw = _request(fake, "PATCH", f"Content-Length: {length}", body=b'{"status": "cancelled"}')
    error = _assert_refused(fake, raw, 400)
    assert "Content-Length" in error["detail"]
    assert fake.get_run(fake.runs[0].run_id).status == "running"


# -- 15: Connection: close ------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["close", "Close", "CLOSE", "keep-alive, close", "x ,close"])
def test_connection_close_is_honoured_in_any_case_and_list(fake: FakeMissions, value: str) -> None:
    with _connect(fake) as client:
        # A second request behind it is never read: the server closes after the first answer.
        client.sendall(_request(fake, "GET", f"Connection: {value}") + _get(fake))
        answers = _answers(_until_closed(client))

    [(head, _)] = answers
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert b"\r\nconnection: close" in head.lower()
    assert len(fake.requests) == 1


def test_http_1_0_keeps_alive_only_when_asked(fake: FakeMissions) -> None:
    one_oh = _get(fake).replace(b"HTTP/1.1", b"HTTP/1.0")
    with _connect(fake) as client:
        asked = one_oh.replace(b"\r\n\r\n", b"\r\nConnection: Keep-Alive\r\n\r\n")
        client.sendall(asked + one_oh + one_oh)
        answers = _answers(_until_closed(client))
    assert len(answers) == 2  # the second was not kept alive: the third is never read
    assert b"connection: keep-alive" in answers[0][0].lower()


# -- 17: framing ----------------------------------------------------------------------------------

_BODY = b'{"status": "cancelled"}'
_SIZE = f"{len(_BODY):x}".encode()

REFUSED = {
    "length-and-chunked": (
        ["Content-Length: 23", "Transfer-Encoding: chunked"],
        _SIZE + b"\r\n" + _BODY + b"\r\n0\r\n\r\n",
        400,
    ),
    "chunked-and-length": (
        ["Transfer-Encoding: chunked", "Content-Length: 23"],
        _SIZE + b"\r\n" + _BODY + b"\r\n0\r\n\r\n",
        400,
    ),
    "duplicate-length": (["Content-Length: 23", "Content-Length: 23"], _BODY, 400),
    "chunk-size-0x": (["Transfer-Encoding: chunked"], b"0x17\r\n" + _BODY + b"\r\n0\r\n\r\n", 400),
    "chunk-size-underscore": (
        ["Transfer-Encoding: chunked"],
        b"1_7\r\n" + _BODY + b"\r\n0\r\n\r\n",
        400,
    ),
    "chunk-size-plus": (["Transfer-Encoding: chunked"], b"+17\r\n" + _BODY + b"\r\n0\r\n\r\n", 400),
    "chunk-size-empty": (["Transfer-Encoding: chunked"], b"\r\n" + _BODY + b"\r\n0\r\n\r\n", 400),
    "chunk-without-crlf": (["Transfer-Encoding: chunked"], _SIZE + b"\r\n" + _BODY + b"XX", 400),
    "obsolete-line-folding": (["X-Folded: a", " b", "Content-Length: 23"], _BODY, 400),
    "space-before-colon": (["Content-Length : 23"], _BODY, 400),
    "no-colon": (["Content-Length 23"], _BODY, 400),
    "nul-in-value": (["X-Thing: a\x00b"], b"", 400),
    "vertical-tab-in-value": (["X-Thing: a\x0bb"], b"", 400),
    "del-in-value": (["X-Thing: a\x7fb"], b"", 400),
    "lone-cr-in-host": (["X-Thing: a\rInjected: yes"], b"", 400),
    "lf-line-end": (["X-Thing: a\nX-Other: b"], b"", 400),
    "unknown-coding": (["Transfer-Encoding: gzip, chunked"], b"0\r\n\r\n", 501),
}


@pytest.mark.parametrize(("fields", "body", "status"), REFUSED.values(), ids=REFUSED)
def test_bad_framing_is_refused_in_the_envelope_and_the_connection_closed(
    fake: FakeMissions, fields: list[str], body: bytes, status: int
) -> None:
    # Behind it, a request that a lenient server might take as the next one: never served.
    raw = _request(fake, "PATCH", *fields, body=body) + _get(fake)
    _assert_refused(fake, raw, status)
    assert fake.get_run(fake.runs[0].run_id).status == "running"


BAD_REQUEST_LINES = {
    "lowercase-method": (b"get /v2/ai/missions HTTP/1.1", 400),
    "two-spaces": (b"GET  /v2/ai/missions HTTP/1.1", 400),
    "control-byte-in-target": (b"GET /v2/ai/missions\x01 HTTP/1.1", 400),
    "absolute-form": (b"GET http://x/v2/ai/missions HTTP/1.1", 400),
    "fragment": (b"GET /v2/ai/missions#x HTTP/1.1", 400),
    "http-2": (b"GET /v2/ai/missions HTTP/2.0", 505),
    "not-http": (b"GARBAGE", 400),
}


@pytest.mark.parametrize(("line", "status"), BAD_REQUEST_LINES.values(), ids=BAD_REQUEST_LINES)
def test_a_bad_request_line_is_refused_in_the_envelope(
    fake: FakeMissions, line: bytes, status: int
) -> None:
    _assert_refused(fake, line + b"\r\nHost: x\r\nAuthorization: Bearer k\r\n\r\n", status)


def test_control_bytes_never_reach_an_answers_headers(fake: FakeMissions) -> None:
    """The 307 that toggles a trailing slash echoes the Host and the query in its Location."""
    for host, query in [("x\x0bEvil: 1", "a=1"), ("x", "a=\x01"), ("x\x7f", "")]:
        raw = f"GET /v2/ai/missions/?{query} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
        with _connect(fake) as client:
            client.sendall(raw)
            received = _until_closed(client)
        head = received.partition(b"\r\n\r\n")[0]
        assert head.startswith(b"HTTP/1.1 400 "), received
        assert not any((byte < 0x20 and byte not in b"\r\n") or byte == 0x7F for byte in head)


def test_a_bad_chunk_size_is_answered_before_the_close(fake: FakeMissions) -> None:
    with _connect(fake) as client:
        client.sendall(_request(fake, "PATCH", "Transfer-Encoding: chunked", body=b"zz\r\n"))
        error = json.loads(_until_closed(client).partition(b"\r\n\r\n")[2])["errors"][0]
    assert error["detail"].startswith("Bad chunk size 'zz'")


def test_no_100_continue_before_a_413(fake: FakeMissions) -> None:
    with _connect(fake) as client:
        client.sendall(_request(fake, "PATCH", "Content-Length: 5000", "Expect: 100-continue"))
        received = _until_closed(client)
    assert received.startswith(b"HTTP/1.1 413 "), received
    assert b"100 Continue" not in received


def test_100_continue_before_a_body_that_will_be_read(fake: FakeMissions) -> None:
    fields = [f"Content-Length: {len(_BODY)}", "Expect: 100-continue"]
    with _connect(fake) as client:
        client.sendall(_request(fake, "PATCH", *fields))
        assert client.recv(65536) == b"HTTP/1.1 100 Continue\r\n\r\n"
        client.sendall(_BODY)
        assert client.recv(65536).startswith(b"HTTP/1.1 200 OK")
    assert fake.get_run(fake.runs[0].run_id).status == "cancelled"


def test_repeated_list_fields_are_joined_and_a_leading_empty_line_ignored(
    fake: FakeMissions,
) -> None:
    fields = ["Accept: a/b", "Accept: c/d", "X-Tag: a", "X-Tag: b", "Connection: close"]
    with _connect(fake) as client:
        client.sendall(b"\r\n" + _request(fake, "GET", *fields))
        assert _until_closed(client).startswith(b"HTTP/1.1 200 OK")
    headers = fake.requests[0].headers
    assert (headers["accept"], headers["x-tag"]) == ("a/b, c/d", "b")
