"""What the fake saw during a failing test, as a section of pytest's report (like captured logs):
the journal as a compact table and a one-line status timeline of each run the test touched."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from ._journal.calls import calls_in, status_changes
from ._journal.recording import RecordedRequest
from ._serving.dashboard import dashboard_data, static_page

if TYPE_CHECKING:
    from ._fake import FakeMissions

__all__ = ["DEFAULT_MAX_ROWS", "SECTION_TITLE", "TestJournal"]

SECTION_TITLE = "telnyx_missions journal"
DEFAULT_MAX_ROWS = 40
_UUID = re.compile(r"([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_ARROW = " → "


@dataclass(frozen=True)
class TestJournal:
    """The fake as a test found it: when it began and the status each run had then."""

    __test__ = False  # a helper, not a test class, whatever its name

    fake: FakeMissions
    started: datetime
    initial_statuses: Mapping[str, str]

    @classmethod
    def begin(cls, fake: FakeMissions) -> TestJournal:
        return cls(fake, datetime.now(timezone.utc), fake._run_statuses())

    def render(self, max_rows: int = DEFAULT_MAX_ROWS) -> str:
        entries = self.fake.requests
        dropped = self.fake.dropped_requests
        lines = [_heading(len(entries), dropped)]
        lines.extend(_table(entries, self.started, max_rows))
        timelines = self._timelines(entries)
        if timelines:
            lines.append("Status timeline of each run the test touched:")
            lines.extend(timelines)
        return "\n".join(lines)

    def write_page(self, folder: Path, test: str) -> Path:
        """Write the dashboard's page for this test, self-contained, into ``folder``."""
        data = dashboard_data(self.fake, initial_statuses=self.initial_statuses)
        data["test"] = test
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / _page_name(test)
        path.write_text(static_page(f"{test}: telnyx_missions", data), encoding="utf-8")
        return path

    def _timelines(self, entries: Sequence[RecordedRequest]) -> list[str]:
        touched = dict.fromkeys(
            run for entry in entries if (run := entry.path_params.get("run_id")) is not None
        )
        created = {
            data["run_id"]: str(data.get("status"))
            for call in calls_in(entries, "create_run")
            if call.applied and isinstance(data := _data(call.response), dict) and "run_id" in data
        }
        lines = []
        for run in dict.fromkeys([*touched, *created]):
            start = self.initial_statuses.get(run) or created.get(run)
            if start is None:
                continue  # not a run of this fake (a mistyped id): the table shows the 404s
            changes = status_changes(calls_in(entries, None, {"run_id": run}))
            steps = [start, *(f"{c.status} ({c.operation})" for c in changes)]
            note = "" if changes else " (unchanged)"
            lines.append(f"  {run}: {_ARROW.join(steps)}{note}")
        return lines


def _page_name(test: str) -> str:
    """A file name for a test id: readable, short, and distinct for distinct ids."""
    readable = re.sub(r"[^A-Za-z0-9_.-]+", "_", test).strip("_.")[:120]
    digest = hashlib.sha256(test.encode("utf-8")).hexdigest()[:10]
    return f"{readable}-{digest}.html"


def _data(response: object) -> object:
    return response.get("data") if isinstance(response, dict) else None


def _heading(count: int, dropped: int) -> str:
    text = f"{count} request{'' if count == 1 else 's'} to the fake during this test"
    if dropped:
        text += f" ({dropped} older ones dropped by the journal's limits)"
    return text + ("; times from the test's start:" if count else ".")


def _table(entries: Sequence[RecordedRequest], started: datetime, max_rows: int) -> list[str]:
    if not entries:
        return []
    rows = [_row(entry, started) for entry in entries]
    left_out = 0
    if len(rows) > max_rows:
        # The start shows how it began, the end how it failed; the middle is cut.
        head = max_rows // 4
        left_out = len(rows) - max_rows
        rows = [*rows[:head], ("", "", "", "", "", "", ""), *rows[head + left_out :]]
    rows.insert(0, ("time", "method", "path", "operation", "status", "took", ""))
    widths = [max((len(row[i]) for row in rows), default=0) for i in range(6)]
    lines = []
    for row in rows:
        if not row[0]:
            lines.append(f"  ... {left_out} requests left out ...")
            continue
        cells = [
            row[0].rjust(widths[0]),
            row[1].ljust(widths[1]),
            row[2].ljust(widths[2]),
            row[3].ljust(widths[3]),
            row[4].rjust(widths[4]),
            row[5].rjust(widths[5]),
        ]
        lines.append(("  " + "  ".join(cells) + (f"  {row[6]}" if row[6] else "")).rstrip())
    return lines


def _row(entry: RecordedRequest, started: datetime) -> tuple[str, str, str, str, str, str, str]:
    offset = (entry.time - started).total_seconds()
    status = str(entry.status_code) if entry.status_code else "---"
    if entry.fault is not None:
        mark = f"faulted: {entry.fault}"
    elif entry.internal_error is not None:
        mark = "internal error"
    elif not entry.applied:
        mark = "rejected"
    else:
        mark = ""
    return (
        f"+{offset:.3f}s",
        entry.method,
        _UUID.sub(lambda m: f"{m.group(1)}…", entry.path),
        entry.operation or "(no route)",
        status,
        f"{entry.duration * 1000:.1f} ms",
        mark,
    )
