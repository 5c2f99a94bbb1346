"""The journal in pages, for ``GET /_fake/requests`` and the dashboard's data.

Entries are numbered from 0 since the last reset, dropped ones included, so a number stays put
while the journal drops its oldest entries: a client asks for ``offset=N`` and is given the
number to ask for next. A page holds at most ``limit`` entries and stops before their sizes
(``RecordedRequest.size``: the bodies sent and answered, plus a fixed overhead) pass
:data:`PAGE_BYTES`, though it always holds one; so no answer is built from the whole journal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from .._journal.recording import RecordedRequest

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "PAGE_BYTES",
    "JournalSource",
    "consistent",
    "page_end",
    "requests_page",
]

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1_000
PAGE_BYTES = 4 * 1024 * 1024
"""Bytes of entries a page holds at most (counted as the journal counts them), beyond its first:
a few hundred ordinary entries, or one large one (a body is at most the server's 10 MiB)."""


class JournalSource(Protocol):
    """What a page is read from (``FakeMissions`` is one)."""

    @property
    def requests(self) -> list[RecordedRequest]: ...
    @property
    def dropped_requests(self) -> int: ...


def page_end(entries: Sequence[RecordedRequest], first: int, limit: int) -> int:
    """The index after the last entry of the page that starts at ``first``."""
    end, counted = first, 0
    while end < len(entries) and end - first < limit:
        counted += entries[end].size
        if counted > PAGE_BYTES and end > first:
            break
        end += 1
    return end


def consistent(source: JournalSource) -> tuple[int, list[RecordedRequest]]:
    """``(dropped, entries)`` read together: read again if an entry was dropped in between,
    so that numbering entries from ``dropped`` names each one rightly."""
    while True:
        dropped = source.dropped_requests
        entries = source.requests
        if source.dropped_requests == dropped:
            return dropped, entries


def requests_page(source: JournalSource, offset: int, limit: int) -> dict[str, Any]:
    """The answer of ``GET /_fake/requests?offset=...&limit=...``."""
    dropped, entries = consistent(source)
    first = min(max(offset - dropped, 0), len(entries))
    end = page_end(entries, first, limit)
    return {
        "data": [_entry(dropped + index, entries[index]) for index in range(first, end)],
        "offset": dropped + first,
        "next_offset": dropped + end if end < len(entries) else None,
        "total": len(entries),
        "dropped": dropped,
        "bytes": sum(entry.size for entry in entries),
    }


def _entry(number: int, entry: RecordedRequest) -> dict[str, Any]:
    return {
        "number": number,
        "method": entry.method,
        "path": entry.path,
        "operation": entry.operation,
        "path_params": dict(entry.path_params),
        "query": dict(entry.query),
        "status_code": entry.status_code,
        "json": entry.json,
        "response": entry.response,
        "time": entry.time.isoformat(),
        "fault": entry.fault,
        "auto_created": list(entry.auto_created),
        "size": entry.size,
    }
