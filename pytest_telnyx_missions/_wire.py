"""The wire shapes an answer takes: what the pipeline decided, and its bytes.

Below the fault rules and the pipeline, so both can speak of an answer without importing each
other.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Response

from ._json_text import dump_json

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

_NO_BODY_STATUSES = frozenset({204, 304})


@dataclass(frozen=True)
class Outcome:
    """What the pipeline decided to answer; the server turns it into bytes on the wire."""

    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)
    wire: bytes | None = None
    """Raw bytes sent instead of an HTTP response, then the connection closes (a fault)."""


class WireAnswer(Response):
    """Raw bytes written on the socket instead of a response, then the connection is closed."""

    def __init__(self, raw: bytes) -> None:
        super().__init__(b"", 500)
        self.raw = raw

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        connection = environ.get("werkzeug.socket")
        if not isinstance(connection, socket.socket):
            raise ConnectionAbortedError(
                "A fault rule dropped or garbled this answer; only the fake's own server can do "
                "that on the wire, so in-process it raises instead."
            )
        try:
            if self.raw:
                connection.sendall(self.raw)
            connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # the client gave up first: nothing left to break
        # Werkzeug treats this as the client going away: no 500, no log line.
        raise ConnectionAbortedError("closed by a fault rule")


def to_response(outcome: Outcome) -> Response:
    if outcome.wire is not None:
        return WireAnswer(outcome.wire)
    headers = dict(outcome.headers)
    if outcome.status in _NO_BODY_STATUSES or outcome.body is None:
        return Response(b"", outcome.status, headers)
    # A fault rule's own content-type wins: the test asked for exactly that header.
    has_type = any(key.lower() == "content-type" for key in headers)
    return Response(
        dump_json(outcome.body),
        outcome.status,
        headers,
        content_type=None if has_type else "application/json",
    )
