"""The standalone server in a subprocess, for tests of code that runs in other processes.

``StandaloneFake`` starts ``python -m pytest_telnyx_missions`` with ``--ready-file``, waits for
that file (written atomically once the server serves), and stops the process cleanly. It imports
nothing of the fake itself: the fake runs in the child, and the parent only reads what it wrote.
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

OPTIONS = (
    "host",
    "port",
    "seed",
    "runs",
    "missions",
    "strict_transitions",
    "state",
    "auto_create",
    "clock",
    "journal_limit",
    "journal_max_bytes",
    "max_body_bytes",
    "idle_timeout",
    "max_connections",
    "max_request_line_bytes",
    "max_header_bytes",
    "max_header_count",
    "head_timeout",
    "body_timeout",
    "allow_remote",
    "live",
    "live_url",
    "live_dir",
    "live_record",
    "live_tag",
    "live_max_requests",
    "live_rate",
)
"""The keyword arguments of ``StandaloneFake``: every flag of the command line, in Python
spelling, but ``--ready-file`` and ``--json`` (which it uses itself)."""
_FLAG_OPTIONS = ("strict_transitions", "auto_create", "allow_remote", "live")
_OPTIONAL_VALUE_OPTIONS = ("live_record",)  # True: the flag alone; a path: the flag with it

_PROG = "telnyx-missions-fake"
_READY_POLL_SECONDS = 0.01  # the server is up in a few tenths of a second; a file has no event
_STOP_GRACE_SECONDS = 10.0
# A checking proxy deletes what it created upstream before it exits, at its pace (--live-rate):
# 500 requests at 2 a second. Killing it sooner would leave missions behind.
_LIVE_STOP_GRACE_SECONDS = 600.0


class StandaloneFake:
    """The standalone server (``telnyx-missions-fake``) in a subprocess, with its control API.

    The options are the command line's, every one of them, in Python spelling
    (``StandaloneFake(seed=7, auto_create=True, state="state.json", max_header_count=50)``; a
    flag is ``True``, a state document a dict or a path); ``port`` defaults to ``0``, a free
    port. Use it as a context manager, or call ``start()`` and ``stop()``; a process started with
    ``fake.environ`` in its environment (a worker, ``node worker.js``) reaches it with its SDK:

    >>> code = "import telnyx; print(len(telnyx.Telnyx().ai.missions.runs.list_runs().data))"
    >>> with StandaloneFake(runs=5) as fake:
    ...     worker = [sys.executable, "-c", code]
    ...     subprocess.run(worker, env={**os.environ, **fake.environ}, capture_output=True).stdout
    b'5\\n'

    ``url``, ``base_url``, ``api_key`` and ``pid`` are what the server wrote in its ready file;
    ``environ`` the variables that point an official SDK at it.
    """

    def __init__(self, *, startup_timeout: float = 60.0, **options: Any) -> None:
        unknown = sorted(set(options) - set(OPTIONS))
        if unknown:
            hints = [
                f"{name!r} (did you mean {', '.join(map(repr, near))}?)"
                if (near := difflib.get_close_matches(name, OPTIONS, n=2))
                else repr(name)
                for name in unknown
            ]
            raise TypeError(
                f"StandaloneFake got unknown options {', '.join(hints)}; "
                f"it takes {', '.join(OPTIONS)}"
            )
        self._options = {"port": 0, **options}
        _command_line(self._options, None)  # a value that is no flag's fails here, not later
        self._startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._directory: Path | None = None
        self._ready: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.returncode: int | None = None
        """The server's exit status once stopped (``0``: a clean stop)."""
        self.stderr = ""
        """What the server wrote on stderr, once stopped (its traceback, if it failed)."""

    # -- where it serves -----------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The server's root, ``http://127.0.0.1:<port>`` (the control API is under ``/_fake/``)."""
        return str(self._running()["url"])

    @property
    def base_url(self) -> str:
        """What ``TELNYX_BASE_URL`` must be: the server's URL ending in ``/v2``."""
        return str(self._running()["base_url"])

    @property
    def api_key(self) -> str:
        """A key the server accepts (it accepts any non-empty bearer token)."""
        return str(self._running()["api_key"])

    @property
    def pid(self) -> int:
        """The server process's id."""
        return int(self._running()["pid"])

    @property
    def environ(self) -> dict[str, str]:
        """``TELNYX_BASE_URL`` and ``TELNYX_API_KEY`` for a process that should use this server."""
        return {"TELNYX_BASE_URL": self.base_url, "TELNYX_API_KEY": self.api_key}

    # -- life ----------------------------------------------------------------------------------
    def start(self) -> StandaloneFake:
        """Start the server and return once it serves; a server that fails to start raises
        ``RuntimeError`` with what it printed (a bad option: its usage error)."""
        with self._lock:
            if self._process is not None:
                raise RuntimeError("this StandaloneFake is already started")
            self._directory = Path(tempfile.mkdtemp(prefix="telnyx-missions-"))
            ready_file = self._directory / "ready.json"
            arguments = _command_line(self._options, self._directory)
            errors = (self._directory / "stderr.txt").open("wb")
            try:  # stderr to a file: nothing can fill a pipe nobody reads and block the server
                self._process = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "pytest_telnyx_missions",
                        *arguments,
                        "--ready-file",
                        str(ready_file),
                    ],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=errors,
                )
            finally:
                errors.close()
            self.returncode = None
        try:
            self._ready = self._await_ready(ready_file)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server (SIGTERM, as Ctrl+C; killed if it does not end in 10 s, or in 10
        minutes with ``live=True``, which deletes what it created first) and wait."""
        with self._lock:
            process, self._process = self._process, None
            directory, self._directory = self._directory, None
            self._ready = {}
        grace = _LIVE_STOP_GRACE_SECONDS if self._options.get("live") else _STOP_GRACE_SECONDS
        if process is not None:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM if sys.platform != "win32" else signal.SIGINT)
                try:
                    process.wait(grace)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            self.returncode = process.returncode
        if directory is not None:
            self.stderr = _errors_in(directory)
            shutil.rmtree(directory, ignore_errors=True)

    def __enter__(self) -> StandaloneFake:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self._ready.get("url", "not started")
        return f"StandaloneFake({where})"

    # -- inside --------------------------------------------------------------------------------
    def _await_ready(self, ready_file: Path) -> dict[str, Any]:
        process = self._process
        assert process is not None
        deadline = time.monotonic() + self._startup_timeout
        while True:
            if ready_file.exists():  # written whole, then renamed: never read half-written
                ready: dict[str, Any] = json.loads(ready_file.read_text(encoding="utf-8"))
                return ready
            if process.poll() is not None:
                raise RuntimeError(
                    f"the standalone fake exited ({process.returncode}) before serving: "
                    f"{self._stderr().strip() or 'it printed nothing'}"
                )
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"the standalone fake did not serve within {self._startup_timeout:g} s: "
                    f"{self._stderr().strip() or 'it printed nothing'}"
                )
            time.sleep(_READY_POLL_SECONDS)

    def _stderr(self) -> str:
        """What the server printed on stderr; from its error on when it gave one (no usage text)."""
        if self._directory is None:
            return ""
        text = _errors_in(self._directory)
        _, error, after = text.partition(f"{_PROG}: error:")
        return error + after if error else text

    def _running(self) -> dict[str, Any]:
        if not self._ready:
            raise RuntimeError("the StandaloneFake is not serving: start() it first")
        return self._ready


def _errors_in(directory: Path) -> str:
    try:
        return (directory / "stderr.txt").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _command_line(options: dict[str, Any], directory: Path | None) -> list[str]:
    """The command line's flags for these options (``auto_create=True``: ``--auto-create``);
    a state document given as a dict is written to ``directory`` for ``--state``."""
    arguments = []
    for name, value in options.items():
        flag = "--" + name.replace("_", "-")
        if name in _FLAG_OPTIONS:
            if not isinstance(value, bool):
                raise TypeError(f"{name} is True or False, got {value!r}")
            arguments += [flag] if value else []
        elif name in _OPTIONAL_VALUE_OPTIONS:
            if value is True:
                arguments.append(flag)
            elif value is not None and value is not False:
                arguments.append(f"{flag}={os.fspath(value)}")
        elif name in ("journal_limit", "journal_max_bytes") and value is None:
            arguments += [flag, "0"]  # as FakeMissions(journal_limit=None): no such bound
        elif value is None:
            continue
        elif name == "state" and isinstance(value, dict):
            document = (directory or Path()) / "state.json"
            if directory is not None:
                document.write_text(json.dumps(value), encoding="utf-8")
            arguments += [flag, str(document)]
        elif isinstance(value, datetime):
            arguments += [flag, value.isoformat()]
        else:
            arguments += [flag, os.fspath(value) if isinstance(value, os.PathLike) else str(value)]
    return arguments
