"""The fake server's limits, and the answers it gives a request it will not dispatch."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from .._api.answers import reason_phrase
from .._api.errors import NO_RETRY, telnyx_error

__all__ = ["ServerLimits", "refusal"]

MIB = 1024 * 1024


@dataclass(frozen=True)
class ServerLimits:
    """What the fake's HTTP server accepts. ``FakeMissions(limits=ServerLimits(...))``.

    - ``max_body_bytes``: a larger request body is answered 413, in Telnyx's error envelope,
      without being read; the connection then closes (default 10 MiB).
    - ``idle_timeout``: seconds a connection may stay silent, between requests or in the middle
      of one, before the server closes it (default 10).
    - ``max_connections``: connections open at once; one more is answered 503 and closed
      (default 512).
    """

    max_body_bytes: int = 10 * MIB
    idle_timeout: float = 10.0
    max_connections: int = 512

    def __post_init__(self) -> None:
        if self.max_body_bytes < 0:
            raise ValueError(f"max_body_bytes must be >= 0, got {self.max_body_bytes}")
        if not (math.isfinite(self.idle_timeout) and self.idle_timeout > 0):
            raise ValueError(
                f"idle_timeout must be a number of seconds > 0, got {self.idle_timeout}"
            )
        if self.max_connections < 1:
            raise ValueError(f"max_connections must be >= 1, got {self.max_connections}")


def refusal(status: int, detail: str, *, headers: dict[str, str] | None = None) -> bytes:
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


def too_large(length: int | None, limits: ServerLimits) -> bytes:
    """The 413 for a body of ``length`` bytes (None: chunked, known only to be too long)."""
    most = limits.max_body_bytes
    size = f"{length} bytes" if length is not None else f"over {most} bytes (chunked)"
    return refusal(
        413,
        f"The request body is {size}; the fake accepts at most {most} bytes "
        "(ServerLimits.max_body_bytes).",
        headers=NO_RETRY,
    )


def too_many_connections(limits: ServerLimits) -> bytes:
    return refusal(
        503,
        f"The fake already has {limits.max_connections} connections open "
        "(ServerLimits.max_connections); try again when one closes.",
        headers={"retry-after": "1"},
    )
