"""The standalone server's ``--live`` options: the checking proxy's command line (``cli``).

Apart from the proxy itself (``_proxy``), so that a server started without ``--live`` pays for
an argument group only: the proxy, the comparison engine and httpx load with ``--live``.
The key comes from ``TELNYX_MISSIONS_LIVE_API_KEY`` only: never a flag (a command line is
visible to every user of the machine), never ``TELNYX_API_KEY``.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import MutableMapping
from pathlib import Path

from .._config import DEFAULTS
from ._safety import DEFAULT_TAG
from ._settings import LiveSettings
from ._upstream import DEFAULT_MAX_REQUESTS, DEFAULT_RATE, DEFAULT_URL, KEY_VARIABLE

__all__ = ["add_live_options", "proxy_settings"]

FLAG = "--live"
DEFAULT_DIR = ".telnyx-live"
_EMPTY_FAKE_ONLY = ("state", "auto_create", "clock")


def add_live_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "checking proxy",
        f"with {FLAG}, every API request goes to the real API with the key in {KEY_VARIABLE}; "
        "the client gets the real answer, an empty fake answers the same request beside it, "
        "and where they differ is served at GET /_fake/live",
    )
    add = group.add_argument
    add(FLAG, action="store_true", help=f"be a checking proxy (the key from {KEY_VARIABLE})")
    add("--live-url", default=DEFAULT_URL, metavar="URL", help="the upstream (default %(default)s)")
    add(
        "--live-dir",
        default=DEFAULT_DIR,
        metavar="DIR",
        help="where report.json, report.md and the ledger go (default %(default)s)",
    )
    add(
        "--live-record",
        nargs="?",
        const="",
        default=None,
        metavar="DIR",
        help="on stopping, write the exchanges as a cassette (default DIR: LIVE_DIR/cassettes)",
    )
    add(
        "--live-tag",
        default=DEFAULT_TAG,
        help="name prefix of every mission created through the proxy (default %(default)s)",
    )
    add(
        "--live-max-requests",
        type=int,
        default=DEFAULT_MAX_REQUESTS,
        metavar="N",
        help="requests sent upstream at most, the fence's listing included (default %(default)s)",
    )
    add(
        "--live-rate",
        type=float,
        default=DEFAULT_RATE,
        metavar="PER_SECOND",
        help="requests per second at most; x-ratelimit-* answers slow it further (default "
        "%(default)s)",
    )


def proxy_settings(
    args: argparse.Namespace, environ: MutableMapping[str, str] = os.environ
) -> tuple[LiveSettings, str] | None:
    """The proxy the command line asks for, and the live key (taken out of ``environ``, so
    that no process started from the server inherits it); None without ``--live``.
    ``ValueError`` says what is wrong, for a usage error."""
    if not args.live:
        given = [
            f"--{name.replace('_', '-')}"
            for name, default in _LIVE_DEFAULTS.items()
            if getattr(args, name) != default
        ]
        if given:
            raise ValueError(f"{', '.join(given)} only with {FLAG}")
        return None
    key = environ.get(KEY_VARIABLE, "").strip()
    if not key:
        raise ValueError(
            f"{FLAG} needs the live API key in the environment variable {KEY_VARIABLE} "
            "(never on the command line; TELNYX_API_KEY is never used for it)"
        )
    arranged = [f"--{name.replace('_', '-')}" for name in _EMPTY_FAKE_ONLY if getattr(args, name)]
    seeded = ("runs", "missions")
    arranged += [f"--{n}" for n in seeded if getattr(args, n) != getattr(DEFAULTS, n)]
    if arranged:
        raise ValueError(
            f"{FLAG} cannot be used with {', '.join(arranged)}: the fake beside the real API "
            "starts empty and makes only what the client makes through it"
        )
    settings = LiveSettings(  # checks the URL, the budget and the rate
        dry_run=False,
        url=args.live_url,
        directory=Path(args.live_dir),
        strict=False,
        known=None,
        tag=args.live_tag,
        max_requests=args.live_max_requests,
        rate=args.live_rate,
        record=args.live_record,
        flags=FLAG,
    )
    environ.pop(KEY_VARIABLE, None)
    return settings, key


_LIVE_DEFAULTS = {
    "live_url": DEFAULT_URL,
    "live_dir": DEFAULT_DIR,
    "live_record": None,
    "live_tag": DEFAULT_TAG,
    "live_max_requests": DEFAULT_MAX_REQUESTS,
    "live_rate": DEFAULT_RATE,
}
