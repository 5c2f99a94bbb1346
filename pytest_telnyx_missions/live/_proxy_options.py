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

from .._config import DEFAULTS
from ._settings import SHARED_OPTIONS, LiveSettings, add_shared_options
from ._upstream import KEY_VARIABLE

__all__ = ["add_live_options", "proxy_settings"]

FLAG = "--live"
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
    add_shared_options(add, FLAG, _HELPS)


_HELPS = {
    "url": "the upstream (default %(default)s)",
    "record": "on stopping, write the exchanges as a cassette (default DIR: LIVE_DIR/cassettes)",
    "tag": "name prefix of every mission created through the proxy (default %(default)s)",
    "max-requests": "requests sent upstream at most, the fence's listing included (default "
    "%(default)s)",
    "rate": "requests per second at most; x-ratelimit-* answers slow it further (default "
    "%(default)s)",
}


def proxy_settings(
    args: argparse.Namespace, environ: MutableMapping[str, str] = os.environ
) -> tuple[LiveSettings, str] | None:
    """The proxy the command line asks for, and the live key (taken out of ``environ``, so
    that no process started from the server inherits it); None without ``--live``.
    ``ValueError`` says what is wrong, for a usage error."""
    if not args.live:
        given = [
            f"{FLAG}-{name}"
            for name, declared in SHARED_OPTIONS.items()
            if getattr(args, f"live_{name.replace('-', '_')}") != declared["default"]
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
    settings = LiveSettings.read(args, FLAG)  # checks the URL, the budget and the rate
    environ.pop(KEY_VARIABLE, None)
    return settings, key
