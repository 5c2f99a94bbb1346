"""The standalone fake: ``python -m pytest_telnyx_missions`` (or ``telnyx-missions-fake``).

Serves a ``FakeMissions`` with its control API under ``/_fake/`` until SIGINT or SIGTERM, for
tests outside pytest: another language's SDK, a manual session, a CI job without docker.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sys
import threading
import warnings
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from ._config import DEFAULT_JOURNAL_MAX_BYTES, DEFAULTS, FakeConfig
from ._fake import FakeMissions
from ._pipeline.routes import OPERATIONS
from ._serving.control import CONTROL_PREFIX, ControlApp
from ._serving.limits import ServerLimits
from ._serving.loopback import is_loopback, remote_access_warning
from .live._proxy_options import add_live_options, proxy_settings

if TYPE_CHECKING:
    from .live._proxy import LiveProxy

PROG = "telnyx-missions-fake"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4010  # where the official SDKs' own test suites look for a mock server
# A server left running for days must not grow without bound (an entry is a few KB).
DEFAULT_JOURNAL_LIMIT = 10_000
_USAGE_ERROR = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:  # the options a reset restores, checked as every entry point checks them
        FakeConfig.parse(
            {
                "seed": args.seed,
                "runs": args.runs,
                "missions": args.missions,
                "clock": args.clock,
            }
        )
        live = proxy_settings(args)  # the key leaves os.environ here
    except ValueError as error:
        parser.error(str(error))
    if not args.allow_remote and not is_loopback(args.host):
        parser.error(
            f"--host {args.host} is not a loopback address. The fake accepts any API key and "
            "its control API (/_fake/) needs none, so anyone who can reach it can change it. "
            "Pass --allow-remote to serve it there anyway."
        )
    busy = _bind_problem(args.host, args.port)
    if busy:
        return _fail(busy)

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    proxy: LiveProxy | None = None
    runs, missions = (0, 0) if live else (args.runs, args.missions)  # a proxy's fake: empty
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # said below on stderr, once the port is known
            fake = FakeMissions(
                seed=args.seed,
                runs=runs,
                missions=missions,
                strict_transitions=args.strict_transitions,
                auto_create=args.auto_create,
                clock=args.clock,
                state=args.state,
                host=args.host,
                port=args.port,
                allow_remote=args.allow_remote,
                journal_limit=args.journal_limit or None,
                journal_max_bytes=args.journal_max_bytes or None,
                limits=_limits(args),
            )
            # The control API is mounted beside the fake, on its one way in.
            control = ControlApp(fake, OPERATIONS)
            fake.wsgi_app().mount(CONTROL_PREFIX, control)
            if live is not None:
                from .live._proxy import LiveProxy  # the engine and httpx: only with --live

                proxy = LiveProxy(fake, *live)  # lists the upstream's missions: the fence
                proxy.serve_on(control)
    # a state file or a limit that is invalid, an upstream that cannot be listed
    except (OSError, ValueError, RuntimeError) as error:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        return _fail(f"--state {args.state}: {error}" if args.state else str(error))
    wrote_ready = False
    try:
        try:
            fake.start()
        except OSError as error:  # taken since the probe
            return _fail(f"cannot listen on {args.host}:{args.port}: {error}")
        if args.allow_remote:
            warning = remote_access_warning("--allow-remote", fake.url, control_api=True)
            print(f"{PROG}: warning: {warning}", file=sys.stderr, flush=True)
        ready = ready_document(fake.url, fake.base_url, fake.api_key)
        if args.json:  # the first line of stdout is for a program; the banner for people
            print(json.dumps(ready), flush=True)
        print(
            f"{PROG}: serving {fake.url} (seed {args.seed}, {runs} runs; control API "
            f"{fake.url}/_fake/; Ctrl+C stops) -- export TELNYX_BASE_URL={fake.base_url} "
            f"TELNYX_API_KEY={fake.api_key}",
            file=sys.stderr if args.json else sys.stdout,
            flush=True,
        )
        if proxy is not None:
            print(f"{PROG}: {proxy.banner(fake.url)}", file=sys.stderr, flush=True)
        if args.ready_file:
            try:
                write_atomically(Path(args.ready_file), json.dumps(ready) + "\n")
                wrote_ready = True
            except OSError as error:
                return _fail(f"--ready-file {args.ready_file}: {error}")
        while not stop.wait(0.2):
            pass
    finally:
        fake.stop()
        if wrote_ready:  # no longer true: a later reader must not find a dead server there
            Path(args.ready_file).unlink(missing_ok=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    code = 0 if proxy is None else proxy.finish(lambda line: _say(f"checking proxy: {line}"))
    _say("stopped")
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Serve the in-memory fake of the Telnyx AI Missions API, with a control API "
        "under /_fake/ (reset, journal, run updates, runs, fault rules), until Ctrl+C or SIGTERM.",
    )
    add = parser.add_argument
    add("--host", default=DEFAULT_HOST, help="address to listen on (default %(default)s)")
    add("--port", type=_port, default=DEFAULT_PORT, help="0 picks a free one (default %(default)s)")
    add("--seed", type=int, default=DEFAULTS.seed, help="seed of the data (default %(default)s)")
    add("--runs", type=int, default=DEFAULTS.runs, help="seeded runs (default %(default)s)")
    add(
        "--missions",
        type=int,
        default=DEFAULTS.missions,
        help="missions the runs are spread over (default %(default)s)",
    )
    add(
        "--strict-transitions",
        action="store_true",
        help="enforce the documented run transitions (cancel, pause, resume; final statuses)",
    )
    add(
        "--state",
        metavar="FILE",
        help="a state document (JSON, or YAML with PyYAML) to serve instead of seeded data; "
        "what POST /_fake/reset returns to (a reset naming seed, runs or missions: seeded data)",
    )
    add(
        "--auto-create",
        action="store_true",
        help="create an unknown mission, run, event, step, agent, knowledge base, MCP server or "
        "tool that a request names, on the spot (for clients whose ids come from elsewhere)",
    )
    add(
        "--clock",
        metavar="TIME",
        help="a fixed start time (ISO 8601, e.g. 2025-01-01T00:00:00Z): every change ticks it "
        "by one second, so answers are byte-identical from run to run (default: real time)",
    )
    add(
        "--journal-limit",
        type=_journal_limit,
        default=DEFAULT_JOURNAL_LIMIT,
        help="keep only the latest N requests in the journal, 0 for all (default %(default)s)",
    )
    add(
        "--journal-max-bytes",
        type=_journal_limit,
        default=DEFAULT_JOURNAL_MAX_BYTES,
        metavar="N",
        help="keep only the latest requests whose bodies (sent, twice once parsed, and answered, "
        "plus 4 KiB each) add up to N bytes, 0 for no budget (default %(default)s, 64 MiB)",
    )
    defaults = ServerLimits()
    add(
        "--max-body-bytes",
        type=int,
        default=defaults.max_body_bytes,
        metavar="N",
        help="a larger request body is answered 413 unread (default %(default)s)",
    )
    add(
        "--idle-timeout",
        type=float,
        default=defaults.idle_timeout,
        metavar="SECONDS",
        help="close a connection silent this long (default %(default)s)",
    )
    add(
        "--max-connections",
        type=int,
        default=defaults.max_connections,
        metavar="N",
        help="connections open at once; one more is answered 503 (default %(default)s)",
    )
    for flag, kind, help_text in (
        ("--max-request-line-bytes", int, "a longer request line is answered 414"),
        ("--max-header-bytes", int, "header fields over this many bytes are answered 431"),
        ("--max-header-count", int, "more header fields than this are answered 431"),
        ("--head-timeout", float, "seconds a request head may take to arrive (408 past it)"),
        ("--body-timeout", float, "seconds a request body may take to arrive (408 past it)"),
    ):
        name = flag[2:].replace("-", "_")
        add(
            flag,
            type=kind,
            default=getattr(defaults, name),
            metavar="SECONDS" if kind is float else "N",
            help=f"{help_text} (default %(default)s)",
        )
    add(
        "--ready-file",
        metavar="PATH",
        help="once serving, write {url, base_url, api_key, pid} there as JSON (atomically: a "
        "program that sees the file can read it whole)",
    )
    add(
        "--json",
        action="store_true",
        help="print {url, base_url, api_key, pid} as JSON, the first line on stdout (the "
        "human banner goes to stderr)",
    )
    add(
        "--allow-remote",
        action="store_true",
        help="allow a --host that is not a loopback address (anyone reaching it can use it)",
    )
    add_live_options(parser)
    return parser


def _limits(args: argparse.Namespace) -> ServerLimits:
    """Every limit has its flag, named as the field (``--max-body-bytes``: ``max_body_bytes``)."""
    return ServerLimits(**{f.name: getattr(args, f.name) for f in fields(ServerLimits)})


def ready_document(url: str, base_url: str, api_key: str) -> dict[str, str | int]:
    """What a program needs to use this server: where it is, the key, whom to signal."""
    return {"url": url, "base_url": base_url, "api_key": api_key, "pid": os.getpid()}


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader sees no file or all of it, never a part."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0-65535, got {value}")
    return value


def _journal_limit(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 (no limit) or more, got {value}")
    return value


def _bind_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on ``host:port`` (tried on a probe socket), or None."""
    if port == 0:
        return None
    family = socket.AF_INET6 if ":" in host else socket.AF_INET  # as the server (cheroot) chooses
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        if sys.platform != "win32":  # as the server; on Windows it would allow sharing the port
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            reason = exc.strerror or str(exc)
            hint = (
                " (another fake still running?). Stop it, pick another --port, or pass "
                "--port 0 for a free one."
                if port and "in use" in reason.lower()
                else "."
            )
            return f"cannot listen on {host}:{port}: {reason}{hint}"
    return None


def _say(line: str) -> None:
    print(f"{PROG}: {line}", file=sys.stderr, flush=True)


def _fail(message: str) -> int:
    _say(f"error: {message}")
    return _USAGE_ERROR
