"""The fake server's limits, and the answers it gives a request it will not dispatch."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass

from .._api.answers import reason_phrase
from .._api.errors import telnyx_error

__all__ = ["ServerLimits", "refusal", "timed_out", "too_many_connections"]

KIB = 1024
MIB = 1024 * KIB


@dataclass(frozen=True)
class ServerLimits:
    """What the fake's HTTP server accepts. ``FakeMissions(limits=ServerLimits(...))``.

    - ``max_body_bytes``: a larger request body is answered 413, in Telnyx's error envelope,
      without being read; the connection then closes (default 10 MiB).
    - ``idle_timeout``: seconds a connection may stay silent, between requests or in the middle
      of one, before the server closes it (default 10).
    - ``max_connections``: connections open at once; one more is answered 503 and closed
      (default 512).
    - ``max_request_line_bytes``: a longer request line (method, path and query, version) is
      answered 414 (default 16 KiB).
    - ``max_header_bytes`` and ``max_header_count``: header fields over this many bytes in all,
      or more fields than this, are answered 431 (defaults 64 KiB and 100).
    - ``head_timeout`` and ``body_timeout``: seconds a request's head, then its body, may take
      to arrive, however steadily it trickles in; past them the answer is 408 and the
      connection closes (defaults 10 and 30).
    """

    max_body_bytes: int = 10 * MIB
    idle_timeout: float = 10.0
    max_connections: int = 512
    max_request_line_bytes: int = 16 * KIB
    max_header_bytes: int = 64 * KIB
    max_header_count: int = 100
    head_timeout: float = 10.0
    body_timeout: float = 30.0

    def __post_init__(self) -> None:
        if self.max_body_bytes < 0:
            raise ValueError(f"max_body_bytes must be >= 0, got {self.max_body_bytes}")
        if not (math.isfinite(self.idle_timeout) and self.idle_timeout > 0):
            raise ValueError(
                f"idle_timeout must be a number of seconds > 0, got {self.idle_timeout}"
            )
        if self.max_connections < 1:
            raise ValueError(f"max_connections must be >= 1, got {self.max_connections}")
        # Below these, the SDK's own requests (a long list query, ~10 headers) would not fit.
        for name, least in (
            ("max_request_line_bytes", 256),
            ("max_header_bytes", 1024),
            ("max_header_count", 16),
        ):
            if getattr(self, name) < least:
                raise ValueError(f"{name} must be >= {least}, got {getattr(self, name)}")
        for name in ("head_timeout", "body_timeout"):
            seconds = getattr(self, name)
            if not (math.isfinite(seconds) and seconds > 0):
                raise ValueError(f"{name} must be a number of seconds > 0, got {seconds}")


def refusal(status: int, detail: str, *, headers: Mapping[str, str] | None = None) -> bytes:
    """A whole HTTP/1.1 answer in Telnyx's error envelope that closes the connection."""
    reason = reason_phrase(status)
    error = telnyx_error(status, detail, title=reason, headers=headers)
    body = json.dumps(error.body, separators=(",", ":")).encode("utf-8")
    lines = [
        f"HTTP/1.1 {status} {reason}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        "Connection: close",
        *(f"{key}: {value}" for key, value in error.headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def timed_out(limits: ServerLimits, *, body: bool) -> bytes:
    """The 408 for a request whose head or body did not arrive in time."""
    part, seconds, name = (
        ("body", limits.body_timeout, "body_timeout")
        if body
        else ("head", limits.head_timeout, "head_timeout")
    )
    return refusal(
        408,
        f"The request's {part} did not arrive within {seconds:g} s (ServerLimits.{name}), "
        f"nor with a pause under {limits.idle_timeout:g} s (ServerLimits.idle_timeout).",
    )


def too_many_connections(limits: ServerLimits) -> bytes:
    return refusal(
        503,
        f"The fake already has {limits.max_connections} connections open "
        "(ServerLimits.max_connections); try again when one closes.",
        headers={"retry-after": "1"},
    )
