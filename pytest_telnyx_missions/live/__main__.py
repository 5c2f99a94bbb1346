"""``python -m pytest_telnyx_missions.live COMMAND``: the live run's tools outside pytest.

``cleanup --ledger FILE [--yes]`` lists (and deletes) the missions a live run left behind;
``replay PATH... [--known FILE] [--json OUT]`` replays recorded cassettes on a fresh fake.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ._replay_command import add_replay_command, run_replay
from ._safety import DEFAULT_TAG

PROG = "python -m pytest_telnyx_missions.live"
_USAGE_ERROR = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "cleanup":
        return _cleanup(args)
    if args.command == "replay":
        return run_replay(args, PROG)
    parser.print_help()
    return _USAGE_ERROR


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="The tools of a live run, outside pytest."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    cleanup = commands.add_parser(
        "cleanup",
        help="list, and with --yes delete, the missions a live run left behind",
        description="List the missions a live run's ledger says it created and did not delete; "
        "with --yes, delete them. A mission whose name lacks the tag is never deleted. The key "
        "comes from TELNYX_MISSIONS_LIVE_API_KEY.",
    )
    cleanup.add_argument("--ledger", required=True, type=Path, metavar="FILE")
    cleanup.add_argument("--yes", action="store_true", help="delete them, not only list them")
    cleanup.add_argument(
        "--url", help="the upstream (default: the one the ledger says each was created at)"
    )
    cleanup.add_argument("--tag", default=DEFAULT_TAG, help="the name prefix (default %(default)s)")
    add_replay_command(commands)
    return parser


def _cleanup(args: argparse.Namespace) -> int:
    from ._cleanup import cleanup

    try:
        result = cleanup(args.ledger, yes=args.yes, out=sys.stdout, url=args.url, tag=args.tag)
    except (OSError, ValueError) as error:
        print(f"{PROG} cleanup: error: {error}", file=sys.stderr)
        return _USAGE_ERROR
    return result.exit_code


if __name__ == "__main__":  # pragma: no cover - python -m
    sys.exit(main())
