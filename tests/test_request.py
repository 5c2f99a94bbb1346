"""How the fake reads a request from a WSGI environ, whichever server built it."""

from __future__ import annotations

import io
from typing import Any

import pytest

from pytest_telnyx_missions._api.request import Incoming


def _environ(**extra: Any) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "patch",
        "PATH_INFO": "/v2/ai/missions",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "4010",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
    }
    environ.update(extra)
    return environ


def test_method_and_path_as_werkzeug_reads_them() -> None:
    # A server hands the path's UTF-8 bytes over as latin-1 text (PEP 3333).
    sent = "/v2/ai/missions/caf\u00e9".encode().decode("latin-1")
    request = Incoming(_environ(PATH_INFO=sent))

    assert (request.method, request.path) == ("PATCH", "/v2/ai/missions/caf\u00e9")
    assert Incoming(_environ(PATH_INFO="")).path == "/"
    assert Incoming(_environ(PATH_INFO="/x/\xff")).path == "/x/\ufffd"


def test_a_stream_the_server_ended_is_read_whole() -> None:
    environ = _environ(**{"wsgi.input": io.BytesIO(b'{"a": 1}'), "wsgi.input_terminated": True})
    assert Incoming(environ).body == b'{"a": 1}'


@pytest.mark.parametrize(
    ("length", "expected"),
    [("4", b"abcd"), ("0", b""), ("", b""), ("x", b""), ("-3", b""), ("99", b"abcdefgh")],
)
def test_otherwise_the_body_is_content_length_bytes(length: str, expected: bytes) -> None:
    environ = _environ(**{"wsgi.input": io.BytesIO(b"abcdefgh"), "CONTENT_LENGTH": length})
    assert Incoming(environ).body == expected


def test_a_body_that_arrives_in_pieces_is_read_to_its_length() -> None:
    class Trickle(io.RawIOBase):
        def __init__(self) -> None:
            self.left = b"abcdef"

        def read(self, size: int = -1) -> bytes:
            taken = min(2, size)
            part, self.left = self.left[:taken], self.left[taken:]
            return part

    environ = _environ(**{"wsgi.input": Trickle(), "CONTENT_LENGTH": "5"})
    assert Incoming(environ).body == b"abcde"


def test_query_as_starlette_reads_it() -> None:
    request = Incoming(_environ(QUERY_STRING="a=1&a=2&blank=&page%5Bsize%5D=3&bad=%FF&sp=x+y"))
    assert request.query == {
        "a": ["1", "2"],
        "blank": [""],
        "page[size]": ["3"],
        "bad": ["\ufffd"],
        "sp": ["x y"],
    }


def test_headers_by_name_in_any_case() -> None:
    request = Incoming(_environ(HTTP_X_TRACE_ID="t1", CONTENT_TYPE="application/json"))
    assert request.header("X-Trace-Id") == "t1"
    assert request.header("content-type") == "application/json"
    assert request.header("origin") is None


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"HTTP_HOST": "127.0.0.1:4010"}, "http://127.0.0.1:4010"),
        ({"HTTP_HOST": "example.org:80"}, "http://example.org"),
        ({}, "http://127.0.0.1:4010"),
        ({"SERVER_PORT": "80"}, "http://127.0.0.1"),
        ({"wsgi.url_scheme": "https", "SERVER_PORT": "443"}, "https://127.0.0.1"),
    ],
)
def test_host_url_is_what_the_client_addressed(extra: dict[str, str], expected: str) -> None:
    assert Incoming(_environ(**extra)).host_url() == expected


def test_headers_as_werkzeug_lists_them() -> None:
    request = Incoming(
        _environ(
            HTTP_X_TRACE_ID="t1",
            HTTP_EMPTY="",
            CONTENT_TYPE="application/json",
            CONTENT_LENGTH="",
            HTTP_CONTENT_TYPE="text/plain",
        )
    )
    assert request.headers() == {
        "x-trace-id": "t1",
        "empty": "",
        "content-type": "application/json",
    }
