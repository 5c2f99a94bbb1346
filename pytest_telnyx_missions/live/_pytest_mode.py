"""The pytest side of a live run: its command-line options, its rules, its hooks.

A live run is on only with ``--telnyx-missions-live`` given on the command line (never from an
ini file's ``addopts``) and ``TELNYX_MISSIONS_LIVE_API_KEY`` set; the flag without the key is a
usage error, the key without the flag changes nothing. ``--telnyx-missions-live-dry-run`` needs
no key and sends nothing. Only tests marked ``@pytest.mark.telnyx_missions(live=True)`` take part.
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, cast

import pytest

from ._settings import LiveSettings, add_shared_options
from ._upstream import KEY_VARIABLE

if TYPE_CHECKING:
    from .._fake import FakeMissions
    from ._pytest_run import LiveRun

__all__ = ["KEY_VARIABLE", "LiveSettings", "add_options", "live_settings"]

FLAG = "--telnyx-missions-live"
DRY_RUN = "--telnyx-missions-live-dry-run"
LIVE_RUN = pytest.StashKey["LiveRun"]()


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup(
        "telnyx-missions-live", "Telnyx Missions: the same tests against the real API"
    )
    add = group.addoption
    add(
        FLAG,
        action="store_true",
        help=f"run the tests marked telnyx_missions(live=True) against the real API too, with "
        f"the key in {KEY_VARIABLE}, and report where the fake answers otherwise",
    )
    add(DRY_RUN, action="store_true", help="send nothing; print what a live run would do")
    add_shared_options(add, FLAG, _HELPS, only=("url", "dir"))
    add(
        "--telnyx-missions-live-strict",
        action="store_true",
        help="fail a test with a 'breaks' divergence not in --telnyx-missions-live-known",
    )
    add("--telnyx-missions-live-known", metavar="FILE", help="divergences already known")
    add_shared_options(add, FLAG, _HELPS, only=("tag", "max-requests", "rate", "record"))


_HELPS = {
    "url": "the upstream",
    "tag": "name prefix of every mission the run creates (default %(default)s)",
    "max-requests": "requests sent upstream at most (default %(default)s)",
    "rate": "requests per second at most (default %(default)s)",
    "record": "write one cassette per test (default DIR: cassettes/ beside the test file)",
}


def live_settings(config: pytest.Config) -> LiveSettings | None:
    """The live run the command line asks for, or None; ``pytest.UsageError`` for a request
    that breaks the rules (the flag from an ini file, the flag without the key, ...)."""
    option = config.option
    live, dry_run = bool(option.telnyx_missions_live), bool(option.telnyx_missions_live_dry_run)
    if not live and not dry_run:
        return None
    given = [str(arg) for arg in config.invocation_params.args]
    for flag, on in ((FLAG, live), (DRY_RUN, dry_run)):
        if on and not any(arg == flag or arg.startswith(f"{flag}=") for arg in given):
            raise pytest.UsageError(
                f"{flag} must be given on the command line itself, not through addopts in an "
                "ini file or PYTEST_ADDOPTS: a live run is never switched on by a file"
            )
    if live and not dry_run and not os.environ.get(KEY_VARIABLE):
        raise pytest.UsageError(
            f"{FLAG} needs the live API key in the environment variable {KEY_VARIABLE} "
            "(TELNYX_API_KEY is never used for it); or run with "
            f"{DRY_RUN} to see what it would send"
        )
    if getattr(option, "numprocesses", None) or hasattr(config, "workerinput"):
        raise pytest.UsageError(
            "a live run is one session (one fence, one ledger, one pace): run it without -n"
        )
    known = option.telnyx_missions_live_known
    try:
        return LiveSettings.read(
            option,
            FLAG,
            dry_run=dry_run,
            strict=bool(option.telnyx_missions_live_strict),
            known=Path(known) if known else None,
        )
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None


def start_live_run(config: pytest.Config, fake: FakeMissions) -> LiveRun | None:
    """Start the live run the command line asks for (from ``pytest_configure``), or None.

    The key leaves ``os.environ`` here, for as long as the session runs (a dry run's too,
    though it sends nothing: no test reads it); SIGTERM then stops the session as Ctrl-C does,
    so the missions it created are still deleted."""
    settings = live_settings(config)
    if settings is None:
        return None
    from ._pytest_run import LiveRun

    taken = os.environ.pop(KEY_VARIABLE, None)
    try:
        run = LiveRun(config, settings, fake, None if settings.dry_run else taken)
    except ValueError as error:
        if taken is not None:
            os.environ[KEY_VARIABLE] = taken
        raise pytest.UsageError(str(error)) from None
    run.taken_key = taken
    config.stash[LIVE_RUN] = run
    config.pluginmanager.register(run, "telnyx_missions_live")
    if threading.current_thread() is threading.main_thread():
        # None: a handler not set from Python, which is then the default one to go back to.
        run.previous_sigterm = signal.signal(signal.SIGTERM, _interrupt) or signal.SIG_DFL
    return run


def live_run_of(config: pytest.Config) -> LiveRun | None:
    return config.stash.get(LIVE_RUN, None)


def stop_live_run(config: pytest.Config) -> None:
    """Give the key back to the environment and SIGTERM its handler (``pytest_unconfigure``)."""
    run = config.stash.get(LIVE_RUN, None)
    if run is None:
        return
    del config.stash[LIVE_RUN]
    if run.taken_key is not None:
        os.environ[KEY_VARIABLE] = run.taken_key
    if run.previous_sigterm is not None and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, cast(Any, run.previous_sigterm))
    run.close()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt("SIGTERM")
