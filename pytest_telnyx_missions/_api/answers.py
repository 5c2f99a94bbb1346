"""The wire shapes an answer takes: what the pipeline decided, and its bytes.

Below the fault rules and the pipeline, so both can speak of an answer without importing each
other.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable, Mapping
from functools import lru_cache
from http import HTTPStatus
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from .json_text import dump_json

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

_NO_BODY = frozenset({204, 304})
_LENGTH = "content-length"
_JSON_TYPE = ("Content-Type", "application/json")


_NO_HEADERS: Mapping[str, str] = MappingProxyType({})


class Outcome(NamedTuple):
    """What the pipeline decided to answer; the server turns it into bytes on the wire.

    Immutable, and a tuple: made for every request, in a third of a frozen dataclass's time.
    """

    status: int
    body: Any
    headers: Mapping[str, str] = _NO_HEADERS
    wire: bytes | None = None
    """Raw bytes sent instead of an HTTP response, then the connection closes (a fault)."""


class Reply(NamedTuple):
    """An outcome as bytes: status, headers and body, or the raw bytes of a fault rule.

    A WSGI application, so a server serves it as it is; the in-process transport reads its
    fields and builds the client's response from them, with no WSGI round trip.
    """

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    wire: bytes | None = None
    """Written on the socket instead of an answer, then the connection closes."""

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if self.wire is not None:
            _write_and_close(environ, self.wire)
        start_response(status_line(self.status), self.headers)
        return [self.body]


def _write_and_close(environ: WSGIEnvironment, raw: bytes) -> None:
    connection = environ.get("werkzeug.socket")
    if not isinstance(connection, socket.socket):
        raise ConnectionAbortedError(
            "A fault rule dropped or garbled this answer; only the fake's own server can do "
            "that on the wire, so in-process it raises instead."
        )
    try:
        if raw:
            connection.sendall(raw)
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # the client gave up first: nothing left to break
    # The server treats this as the client going away: no 500, no log line.
    raise ConnectionAbortedError("closed by a fault rule")


def reason_phrase(status: int) -> str:
    """``"No Content"`` for 204: the phrase uvicorn sends; '' for a code it has none for."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


@lru_cache(maxsize=128)
def status_line(status: int) -> str:
    """``"204 No Content"``, and ``Unknown`` for a code without a phrase (WSGI needs one)."""
    return f"{status} {reason_phrase(status) or 'Unknown'}"


def to_reply(outcome: Outcome) -> Reply:
    """The bytes FastAPI writes for ``outcome``: JSON with its length; a 204 or 304 typed JSON
    and empty, with no length; no body (a redirect) a length of 0 and no type."""
    plain = not outcome.headers and outcome.wire is None and outcome.body is not None
    if plain and outcome.status not in _NO_BODY:  # most answers: what the general case gives
        body = dump_json(outcome.body)
        return Reply(outcome.status, [_JSON_TYPE, ("Content-Length", str(len(body)))], body)
    if outcome.wire is not None:
        return Reply(500, [], b"", outcome.wire)
    # A fault rule's own content-type wins: the test asked for exactly that header. Its length
    # does not: the length is what the body has, or the answer would not parse.
    headers = [(key, value) for key, value in outcome.headers.items() if key.lower() != _LENGTH]
    typed = bool(headers) and any(key.lower() == "content-type" for key, _ in headers)
    if outcome.status in _NO_BODY:
        return Reply(outcome.status, headers if typed else [*headers, _JSON_TYPE], b"")
    body = b"" if outcome.body is None else dump_json(outcome.body)
    if outcome.body is not None and not typed:
        headers.append(_JSON_TYPE)
    headers.append(("Content-Length", str(len(body))))
    return Reply(outcome.status, headers, body)
