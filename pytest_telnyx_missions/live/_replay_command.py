"""``python -m pytest_telnyx_missions.live replay PATH... [--known FILE] [--json OUT]``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_replay_command", "run_replay"]

_USAGE_ERROR = 2


def add_replay_command(commands: Any) -> None:
    """Add ``replay`` to an ``argparse`` sub-parsers object."""
    replay = commands.add_parser(
        "replay",
        help="replay recorded cassettes on a fresh fake and compare its answers",
        description="Drive a fresh fake with each cassette's requests in order (the ids pinned "
        "from the recording) and compare its answers with the recorded ones. Exit 1 on a "
        "divergence not in the known file, or a known entry that no longer occurs.",
    )
    replay.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="cassettes or dirs")
    replay.add_argument(
        "--known",
        type=Path,
        metavar="FILE",
        help='divergences already known: a JSON list of {"operation", "kind", "path"[, "test"]} '
        "(or a report.json)",
    )
    replay.add_argument("--json", type=Path, metavar="OUT", help="write the report as JSON")


def run_replay(args: argparse.Namespace, prog: str) -> int:
    from ._replay import replay

    try:
        report = replay(args.paths, known=args.known)
    except ValueError as error:
        print(f"{prog} replay: error: {error}", file=sys.stderr)
        return _USAGE_ERROR
    for line in report.lines():
        print(line)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
    return 0 if report.ok else 1
