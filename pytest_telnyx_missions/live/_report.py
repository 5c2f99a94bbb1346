"""What a live run found, for people: the terminal summary, a test's section, report.json/.md.

``report.json`` is ``{"divergences": [{"test", "operation", "kind", "path", "severity", "fake",
"real"}, ...], "requests": N, "created": [...], "deleted": [...]}`` (plus what was refused and
what the upstream could not answer); ``report.md`` says the same for a person, ready to paste
into an issue of the project. Both are written through ``Artifacts`` (never the key).
"""

from __future__ import annotations

import contextlib
import json
import platform
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._compare import Divergence
from ._safety import Artifacts

__all__ = ["LiveFindings", "divergence_lines", "summary_lines"]

_SHOWN = 60  # characters of a value in a line


@dataclass(frozen=True)
class Found:
    """A divergence, with the test it came from."""

    test: str
    divergence: Divergence

    def to_json(self) -> dict[str, Any]:
        return {"test": self.test, **self.divergence.to_json()}


@dataclass
class LiveFindings:
    """Everything a live run reports, gathered as it goes."""

    upstream: str
    dry_run: bool
    found: list[Found] = field(default_factory=list)
    requests: int = 0
    created: list[dict[str, str]] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    not_deleted: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)
    planned: dict[str, list[str]] = field(default_factory=dict)
    keys_removed: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "divergences": [item.to_json() for item in self.found],
            "requests": self.requests,
            "created": self.created,
            "deleted": self.deleted,
            "not_deleted": self.not_deleted,
            "refused": self.refused,
            "unavailable": self.unavailable,
            "upstream": self.upstream,
        }

    def write(self, directory: Path, artifacts: Artifacts) -> list[Path]:
        text = json.dumps(self.to_json(), indent=2, sort_keys=False, default=str) + "\n"
        return [
            artifacts.write(directory / "report.json", text),
            artifacts.write(directory / "report.md", self.markdown()),
        ]

    def markdown(self) -> str:
        lines = [
            "# pytest-telnyx-missions: the fake against the real API",
            "",
            f"- upstream: {self.upstream}",
            f"- requests sent: {self.requests}",
            f"- missions created: {len(self.created)}, deleted: {len(self.deleted)}"
            + (f", NOT deleted: {len(self.not_deleted)}" if self.not_deleted else ""),
            f"- divergences: {len(self.found)} ({_severities(self.found)})",
            f"- python {platform.python_version()}, {_versions()}",
            "",
        ]
        if self.found:
            lines += ["## Divergences", "", "| count | severity | kind | operation | path |"]
            lines += ["| ---: | --- | --- | --- | --- |"]
            for (severity, kind, operation, path), count in _grouped(self.found):
                lines.append(f"| {count} | {severity} | {kind} | {operation} | `{path}` |")
            lines += ["", "### Each one", ""]
            for item in self.found:
                d = item.divergence
                lines.append(
                    f"- `{item.test}` {d.operation} `{d.path}` ({d.kind}, {d.severity}): "
                    f"fake `{_short(d.fake)}`, real `{_short(d.real)}`"
                )
            lines.append("")
        for title, items in (
            ("Refused locally (never sent)", self.refused),
            ("Not compared (the upstream answered 429/5xx)", self.unavailable),
            ("Missions that could not be deleted", self.not_deleted),
        ):
            if items:
                lines += [f"## {title}", "", *(f"- {item}" for item in items), ""]
        lines += [
            "Share this file in an issue of pytest-telnyx-missions: it holds no key and no",
            "header but content-type and the retry headers; ids are the upstream's.",
            "",
        ]
        return "\n".join(lines)


def divergence_lines(divergences: Sequence[Divergence]) -> list[str]:
    """One line per divergence, for a test's report section and its strict failure."""
    return [
        f"- {d.operation} {d.path}: {d.kind} ({d.severity}): fake {_short(d.fake)}, "
        f"real {_short(d.real)}"
        for d in divergences
    ]


def summary_lines(findings: LiveFindings, report_paths: Sequence[Path]) -> list[str]:
    """The terminal summary: divergences grouped by kind, operation and path, with counts."""
    lines = [
        f"upstream {findings.upstream}: {findings.requests} requests sent, "
        f"{len(findings.created)} missions created, {len(findings.deleted)} deleted"
    ]
    if findings.found:
        lines.append(f"{len(findings.found)} divergences ({_severities(findings.found)}):")
        for (severity, kind, operation, path), count in _grouped(findings.found):
            lines.append(f"  {count:>4} x {severity:<6} {kind:<16} {operation} {path}")
    else:
        lines.append("no divergence: the fake answered every compared request as the upstream did")
    for title, items in (
        ("refused locally, never sent", findings.refused),
        ("not compared (upstream 429/5xx)", findings.unavailable),
    ):
        if items:
            lines.append(f"{len(items)} {title}:")
            lines.extend(f"  {item}" for item in items)
    if findings.not_deleted:
        lines.append(
            f"{len(findings.not_deleted)} missions created upstream could NOT be deleted (see "
            "the ledger; python -m pytest_telnyx_missions.live cleanup --ledger FILE):"
        )
        lines.extend(f"  {item}" for item in findings.not_deleted)
    if findings.keys_removed:
        lines.append(
            f"the live key was found {findings.keys_removed} times in what was to be written "
            "(an answer echoed it?) and removed"
        )
    lines.extend(f"wrote {path}" for path in report_paths)
    return lines


def plan_lines(findings: LiveFindings, rate: float, deletions: int) -> list[str]:
    """A dry run's plan: what a live run of the same tests would send, create and delete."""
    count = sum(len(requests) for requests in findings.planned.values())
    created = [f"{item['name']} ({item['test']})" for item in findings.created]
    total = count + 1 + deletions
    lines = [
        f"DRY RUN: nothing was sent. A live run of these tests would send to {findings.upstream}:",
        f"  1+ request to list the existing missions (the fence), {count} requests of the "
        f"tests, {deletions} deletions of what they leave (about {total / rate:.0f} s at "
        f"{rate:g} requests/s)",
        f"  missions it would create (each deleted when its test ends): {len(created)}",
        *(f"    {line}" for line in created),
        "  requests, by test:",
    ]
    for test, requests in findings.planned.items():
        if requests:
            lines.append(f"    {test}:")
            lines.extend(f"      {request}" for request in requests)
    return lines


def _grouped(found: Sequence[Found]) -> list[tuple[tuple[str, str, str, str], int]]:
    counts = Counter(
        (f.divergence.severity, f.divergence.kind, f.divergence.operation, f.divergence.path)
        for f in found
    )
    order = {"breaks": 0, "poorer": 1, "note": 2}
    return sorted(counts.items(), key=lambda item: (order.get(item[0][0], 3), -item[1], item[0]))


def _severities(found: Sequence[Found]) -> str:
    counts = Counter(f.divergence.severity for f in found)
    return ", ".join(f"{counts[s]} {s}" for s in ("breaks", "poorer", "note") if counts[s]) or "-"


def _short(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in ("pytest-telnyx-missions", "telnyx"):
        with contextlib.suppress(PackageNotFoundError):
            found.append(f"{name} {version(name)}")
    return ", ".join(found)
