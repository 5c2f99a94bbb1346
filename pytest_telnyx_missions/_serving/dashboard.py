"""What the dashboard shows: the journal, each run's timeline, the state and the fault rules,
as one JSON document; and the page itself, which reads that document.

The same document feeds the live page at ``/_fake/ui`` (it polls ``/_fake/ui/data``) and the
self-contained page written for a failing test (the document is embedded in it). The page builds
its DOM from the document with ``textContent`` and SVG attributes only, so whatever a client sent
is shown as text and never run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .._api.answers import Reply
from .._journal.calls import calls_in, status_changes
from .._journal.recording import RecordedRequest
from .journal_pages import consistent, page_end

if TYPE_CHECKING:
    from .._pipeline.faults.rules import FaultRule

__all__ = [
    "DashboardSource",
    "asset_reply",
    "dashboard_data",
    "page_reply",
    "rule_json",
    "static_page",
]

_UI = Path(__file__).with_name("ui")
ASSETS = {"dashboard.js": "text/javascript", "dashboard.css": "text/css"}
"""The page's own files, served under ``/_fake/ui/``: fixed names, never a path a request gives."""

_MAX_TIMELINES = 50
"""Runs drawn at most: the touched ones first, then the others in the state's order."""


class DashboardSource(Protocol):
    """What the dashboard reads of a fake (``FakeMissions`` is one)."""

    @property
    def requests(self) -> list[RecordedRequest]: ...
    @property
    def dropped_requests(self) -> int: ...
    @property
    def faults(self) -> list[FaultRule]: ...
    def dump_state(self) -> dict[str, list[dict[str, Any]]]: ...


def dashboard_data(
    source: DashboardSource,
    *,
    since: int = 0,
    last: str | None = None,
    initial_statuses: Mapping[str, str] | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """The document the page renders.

    ``since`` is the number of the first journal entry the caller lacks (numbers count dropped
    entries too, so they stay put while the journal is trimmed) and ``last`` the time of the
    entry before it: when that entry is not there any more (a reset, or trimmed away), the whole
    journal comes back with ``"full": true``. With a ``limit``, the journal part is one page
    (``journal_pages``: at most ``limit`` entries and about 4 MiB) and ``next`` the number the
    caller asks for next; ``total`` counts every entry recorded since the reset.
    """
    dropped, entries = consistent(source)
    state = source.dump_state()
    before = since - dropped - 1
    follows = since == 0 or (
        0 <= before < len(entries) and entries[before].time.isoformat() == last
    )
    first = since - dropped if follows else 0
    end = len(entries) if limit is None else page_end(entries, first, limit)
    return {
        "full": not follows or since == 0,
        "next": dropped + end,
        "total": dropped + len(entries),
        "dropped": dropped,
        "journal": [_entry(dropped + index, entries[index]) for index in range(first, end)],
        "timelines": _timelines(entries, state, initial_statuses or {}),
        "state": state,
        "faults": [rule_json(rule) for rule in source.faults],
    }


def rule_json(rule: FaultRule) -> dict[str, Any]:
    """A fault rule as the control API and the dashboard show it."""
    return {
        "number": rule.number,
        "operation": rule.operations[0] if len(rule.operations) == 1 else list(rule.operations),
        "run_id": rule.run_id,
        "times": rule.times,
        "fired": rule.fired,
        "description": str(rule),
        "faults": [str(fault) for fault in rule.faults],
    }


def _entry(number: int, entry: RecordedRequest) -> dict[str, Any]:
    return {
        "number": number,
        "time": entry.time.isoformat(),
        "method": entry.method,
        "path": entry.path,
        "operation": entry.operation,
        "run_id": entry.path_params.get("run_id"),
        "status_code": entry.status_code,
        "duration_ms": round(entry.duration * 1000, 3),
        "fault": entry.fault,
        "internal_error": entry.internal_error is not None,
        "request": {
            "query": {key: list(values) for key, values in entry.query.items()},
            "headers": {k: v for k, v in entry.headers.items() if k.lower() != "authorization"},
            "json": entry.json,
            "body": None if entry.json is not None else entry.body.decode("utf-8", "replace"),
        },
        "response": {"headers": dict(entry.response_headers), "json": entry.response},
    }


def _timelines(
    entries: Sequence[RecordedRequest],
    state: Mapping[str, list[dict[str, Any]]],
    initial_statuses: Mapping[str, str],
) -> list[dict[str, Any]]:
    runs = {run["run_id"]: run for run in state.get("runs", [])}
    touched = [rid for entry in entries if (rid := entry.path_params.get("run_id")) in runs]
    chosen = list(dict.fromkeys([*touched, *runs]))[:_MAX_TIMELINES]
    steps = _by_run(state.get("plan_steps", []))
    events = _by_run(state.get("events", []))
    timelines = []
    for run_id in chosen:
        run = runs[run_id]
        changes = status_changes(calls_in(entries, None, {"run_id": run_id}))
        start = initial_statuses.get(run_id) or (run["status"] if not changes else None)
        points = [{"status": start, "time": run.get("started_at"), "operation": None}]
        points += [
            {"status": c.status, "time": c.call.request.time.isoformat(), "operation": c.operation}
            for c in changes
        ]
        timelines.append(
            {
                "run_id": run_id,
                "mission_id": run.get("mission_id"),
                "status": run["status"],
                "summary": run.get("result_summary"),
                "points": points,
                "steps": [
                    {key: step.get(key) for key in _STEP_KEYS} for step in steps.get(run_id, [])
                ],
                "events": [
                    {key: event.get(key) for key in _EVENT_KEYS} for event in events.get(run_id, [])
                ],
            }
        )
    return timelines


_STEP_KEYS = ("step_id", "sequence", "description", "status", "started_at", "completed_at")
_EVENT_KEYS = ("event_id", "type", "summary", "timestamp", "step_id")


def _by_run(items: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for item in items:
        grouped.setdefault(str(item.get("run_id")), []).append(item)
    return grouped


@cache
def asset(name: str) -> bytes:
    """One of the page's own files (``name`` is a key of ``ASSETS``; anything else: KeyError)."""
    ASSETS[name]
    return (_UI / name).read_bytes()


def _page(body_attributes: str, head: str) -> str:
    return (
        (_UI / "dashboard.html")
        .read_text(encoding="utf-8")
        .format(body_attributes=body_attributes, head=head)
    )


# The live page may load its own files and ask the fake, and nothing else: no other host, no
# inline script, no plug-in, no frame.
_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' blob: data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def _served(body: bytes, content_type: str) -> Reply:
    headers = [
        ("Content-Type", content_type),
        ("Content-Length", str(len(body))),
        ("Content-Security-Policy", _POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("Cache-Control", "no-store"),
    ]
    return Reply(200, headers, body)


def page_reply() -> Reply:
    """``/_fake/ui``: the page, which loads its script and style from ``/_fake/ui/``."""
    head = (
        '<link rel="stylesheet" href="/_fake/ui/dashboard.css">\n'
        '<script src="/_fake/ui/dashboard.js" defer></script>'
    )
    return _served(_page('data-mode="live"', head).encode("utf-8"), "text/html; charset=utf-8")


def asset_reply(name: str) -> Reply:
    return _served(asset(name), ASSETS[name] + "; charset=utf-8")


def static_page(title: str, data: Mapping[str, Any]) -> str:
    """A self-contained page (style, script and the document inline) for one failing test."""
    # In a <script> element only "</" can end it early: escaped, the JSON still parses the same.
    embedded = json.dumps(data, default=str).replace("</", "<\\/")
    head = (
        f"<title>{_escape(title)}</title>\n"
        f"<style>{asset('dashboard.css').decode('utf-8')}</style>\n"
        f'<script type="application/json" id="ptm-data">{embedded}</script>\n'
        f"<script>{asset('dashboard.js').decode('utf-8')}</script>"
    )
    return _page('data-mode="static"', head)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
