"""The fake: store + journal + app, served over HTTP/1.1 keep-alive (``_http``) or in-process."""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
import warnings
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from ._api.models import Event, Mission, MissionRun, PlanStep, canonical_id
from ._checks.assertions import RunUpdateAssertions, fields_match
from ._checks.call_assertions import CallAssertions
from ._checks.waiting import Verification
from ._config import (
    DEFAULTS,
    FakeConfig,
    ResetOptions,
    StateSource,
    parse_clock,
    read_state_file,
)
from ._journal.recording import Journal, RecordedRequest, RunUpdate
from ._pipeline.app import App
from ._pipeline.faults.rules import FaultControls, FaultRegistry
from ._pipeline.routes import OPERATIONS
from ._serving.control import ControlApp, remote_access_warning
from ._serving.dispatch import Dispatcher
from ._serving.http import WORKER_THREAD_NAME, KeepAliveServer, ServerLimits
from ._serving.transports import Transports
from ._state.arranging import Arranging
from ._state.documents import dump as dump_state_doc
from ._state.documents import load as load_state_doc
from ._state.seeding import Seeder
from ._state.store import Snapshot, Store

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["WORKER_THREAD_NAME", "FakeMissions", "is_loopback"]

DEFAULT_API_KEY = "KEY_pytest_telnyx_missions"


class FakeMissions(
    Arranging, RunUpdateAssertions, CallAssertions, Verification, FaultControls, Transports
):
    """An in-memory Telnyx AI Missions API. Every instance is independent; start it to serve HTTP.

    >>> with FakeMissions(seed=7, runs=2) as fake:
    ...     fake.base_url.endswith("/v2")
    True
    """

    def __init__(
        self,
        *,
        seed: int = DEFAULTS.seed,
        runs: int = DEFAULTS.runs,
        missions: int = DEFAULTS.missions,
        strict_transitions: bool = DEFAULTS.strict_transitions,
        auto_create: bool = DEFAULTS.auto_create,
        clock: datetime | str | None = DEFAULTS.clock,
        state: StateSource | None = DEFAULTS.state,
        api_key: str = DEFAULT_API_KEY,
        host: str = "127.0.0.1",
        port: int = 0,
        control_api: bool = False,
        allow_remote: bool = False,
        journal_limit: int | None = None,
        limits: ServerLimits | None = None,
    ) -> None:
        """The options up to ``state`` are what :meth:`reset` restores (README, ``FakeMissions``).
        ``control_api=True`` also serves the control API under ``/_fake/`` (see ``_control``).
        The fake accepts any key, so it listens on loopback only, unless ``allow_remote=True``.
        ``journal_limit`` keeps only the latest entries of the journal (``dropped_requests``).
        ``limits`` bounds what its server accepts (``ServerLimits``: body size, idle time,
        open connections)."""
        if not allow_remote and not is_loopback(host):
            raise ValueError(
                f"host {host!r} is not a loopback address: anyone who can reach the fake can "
                "change it. Pass allow_remote=True to serve it there anyway."
            )
        if allow_remote:
            where = host if port == 0 else f"{host}:{port}"
            warning = remote_access_warning("allow_remote=True", where, control_api=control_api)
            warnings.warn(warning, stacklevel=2)
        self.api_key = api_key
        self._lock = threading.RLock()
        self._store = Store(self._lock)
        self._journal = Journal(self._lock, journal_limit)
        self._seeder = Seeder()
        self._loaded_states: dict[str, Snapshot] = {}
        self._faults = FaultRegistry(self._lock, OPERATIONS)
        self._app = App(
            OPERATIONS,
            self._store,
            self._journal,
            authorize=_has_bearer_token,
            faults=self._faults,
        )
        self._made_with = FakeConfig(
            seed=seed,
            runs=runs,
            missions=missions,
            strict_transitions=strict_transitions,
            auto_create=auto_create,
            clock=parse_clock(clock),
            state=state,
        )
        control = ControlApp(self) if control_api else None
        self._dispatcher = Dispatcher(self._app, control)
        self._server = KeepAliveServer(self._dispatcher, host, port, limits)
        self.reset()

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeMissions:
        if not self._server.is_running():
            self._server.start()
        return self

    def stop(self) -> None:
        if self._server.is_running():
            self._server.stop()

    def __enter__(self) -> FakeMissions:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def reset(self, **options: Unpack[ResetOptions]) -> None:
        """Forget every change, recorded request and fault rule; reload the seeded data (or the
        state document), restart the ids and the clock.

        An option left out keeps the value the fake was made with (or that :meth:`load_state`
        set); ``state=None`` given explicitly goes back to seeded data.
        """
        config = self._made_with.with_options(options)
        self._reset_to(config, self._base_snapshot(config))

    def configure(self, **options: Unpack[ResetOptions]) -> None:
        """Make ``options`` what the fake is made with (one left out: its default), then
        :meth:`reset`. The fixture does this before each test, so nothing a test set
        (``load_state`` included) reaches the next one."""
        config = DEFAULTS.with_options(options)
        snapshot = self._base_snapshot(config)  # a bad state document fails here, changing nothing
        with self._lock:
            self._made_with = config
            self._reset_to(config, snapshot)

    def _reset_to(self, config: FakeConfig, snapshot: Snapshot) -> None:
        with self._lock:
            self._restore(snapshot, config)
            self._journal.clear()
            self._faults.clear()
            self._dispatcher.reset()

    def _restore(self, snapshot: Snapshot, config: FakeConfig) -> None:
        self._store.restore(
            snapshot,
            seed=config.seed,
            clock=config.clock,
            strict_transitions=config.strict_transitions,
            auto_create=config.auto_create,
        )

    def _base_snapshot(self, config: FakeConfig) -> Snapshot:
        if config.state is None:
            return self._seeder.snapshot(
                seed=config.seed, runs=config.runs, missions=config.missions
            )
        return self._snapshot_of(config.state)

    def _snapshot_of(self, source: StateSource) -> Snapshot:
        """The validated snapshot of a state document, cached by its content (or file)."""
        if isinstance(source, Mapping):
            key = "doc:" + json.dumps(source, sort_keys=True, default=str)
        else:
            path = Path(source).resolve()
            key = f"file:{path}:{path.stat().st_mtime_ns}"
        with self._lock:
            snapshot = self._loaded_states.get(key)
        if snapshot is None:
            doc = source if isinstance(source, Mapping) else read_state_file(source)
            snapshot = load_state_doc(doc)
            with self._lock:
                self._loaded_states[key] = snapshot
        return snapshot

    # -- state documents -------------------------------------------------------------------
    def dump_state(self) -> dict[str, list[dict[str, Any]]]:
        """Every resource, JSON-ready, as the API answers with it (README: State documents)."""
        return dump_state_doc(self._store.snapshot())

    def load_state(self, doc_or_path: StateSource) -> None:
        """Replace the whole state with a document (a dict, or a JSON/YAML file's path).

        Every item is checked first: a bad document raises ``ValueError`` naming each bad item
        and field, and changes nothing. The loaded state is what :meth:`reset` returns to.
        """
        snapshot = self._snapshot_of(doc_or_path)
        source = doc_or_path if isinstance(doc_or_path, Mapping) else Path(doc_or_path)
        with self._lock:
            self._made_with = replace(self._made_with, state=source)
            self._restore(snapshot, self._made_with.with_options({}))

    def advance(self, by: timedelta) -> None:
        """Move the fake's clock on (fixed or real), e.g. to make a run look long-running."""
        with self._lock:
            self._store.clock.advance(by)

    @property
    def url(self) -> str:
        """The server's root, e.g. ``http://127.0.0.1:41234`` (the fake also serves ``/ai/...``)."""
        if not self._server.is_running():
            raise RuntimeError(
                "The fake is not running: call start() or use it as a context manager."
            )
        return f"http://{self._server.format_host(self._server.host)}:{self._server.port}"

    @property
    def base_url(self) -> str:
        """What ``TELNYX_BASE_URL`` should be: :attr:`url` plus ``/v2``."""
        return f"{self.url}/v2"

    def wsgi_app(self) -> App:
        """The WSGI application, for serving the fake in-process (no socket)."""
        return self._app

    # -- data ------------------------------------------------------------------------------
    @property
    def runs(self) -> list[MissionRun]:
        """Every run, seeded ones first in seed order, then added ones; current state, copied."""
        return [run.model_copy(deep=True) for run in self._store.runs_of()]

    @property
    def missions(self) -> list[Mission]:
        with self._lock:
            return [mission.model_copy(deep=True) for mission in self._store.missions.values()]

    def events(self, run_id: str | None = None) -> list[Event]:
        """The events of a run (or of every run), in the order they were logged; copies.

        An unknown ``run_id`` raises ``LookupError``."""
        if run_id is None:
            return [event.model_copy(deep=True) for event in self._store.events_of()]
        with self._lock:
            run = self._existing_run(run_id)
            return [event.model_copy(deep=True) for event in self._store.events_of(run.run_id)]

    def plan(self, run_id: str) -> list[PlanStep]:
        """The steps of a run's plan, by sequence; copies. An unknown run raises ``LookupError``."""
        with self._lock:
            run = self._existing_run(run_id)
            return [step.model_copy(deep=True) for step in self._store.plan_of(run.run_id)]

    def get_run(self, run_id: str) -> MissionRun:
        """The current state of a run (a copy: changing it changes nothing in the fake)."""
        with self._lock:
            return self._existing_run(run_id).model_copy(deep=True)

    def _existing_run(self, run_id: str) -> MissionRun:
        run = self._store.runs.get(canonical_id(str(run_id)))
        if run is None:
            known = ", ".join(self._store.runs) or "none"
            raise LookupError(f"The fake has no run {run_id!r}. Known runs: {known}.")
        return run

    # -- journal ---------------------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received since the last reset, in the order it was applied."""
        return self._journal.entries

    def run_updates(self, run_id: str | None = None, **fields: Any) -> list[RunUpdate]:
        """Every ``PATCH`` of ``run_id`` (or of any run) in arrival order, rejected ones too.

        ``fields`` keeps the updates that sent at least those fields, matched as the asserts do.
        """
        updates = self._journal.run_updates(run_id)
        return [u for u in updates if fields_match(u.fields, fields)] if fields else updates

    def _unhandled_problems(self) -> str:
        """What the teardown check reports: requests the fake could not serve as asked, or ''."""
        lines: list[str] = []
        for entry in self.requests:
            query = f"?{urlencode(entry.query, doseq=True)}" if entry.query else ""
            where = f"{entry.method} {entry.path}{query}"
            if entry.internal_error:  # reported even when a fault rule shaped the answer
                lines.append(
                    f"- {where}: the fake failed with an internal error (answered "
                    f"{entry.status_code}):\n{entry.internal_error.rstrip()}"
                )
            elif entry.fault is not None:
                continue  # the test asked for this answer
            elif entry.operation is None:
                lines.append(f"- {where}: {_miss(entry)}")
            elif entry.status_code == 401:
                lines.append(f"- {where}: answered 401, {_auth_problem(entry.headers)}")
        if not lines:
            return ""
        return "\n".join(["The Telnyx Missions fake received requests it could not serve:", *lines])

    def __repr__(self) -> str:
        where = self.url if self._server.is_running() else "not running"
        return f"<FakeMissions {where} runs={len(self._store.runs)} requests={len(self.requests)}>"


def _miss(entry: RecordedRequest) -> str:
    """Why an unrouted request missed, in the words of the answer it got."""
    if entry.status_code == 405:
        return f"no route for this method (answered 405; allow: {entry.response_headers['allow']})"
    if entry.status_code == 307:
        location = entry.response_headers["location"]
        return f"redirected (307) to {location}: the path's trailing slash differs"
    return f"no such route (answered {entry.status_code})"


def _auth_problem(headers: Mapping[str, str]) -> str:
    """Why a request got 401, without echoing the key."""
    sent = headers.get("authorization")
    if sent is None:
        return "no Authorization header was sent (expected 'Bearer <key>')"
    scheme = sent.partition(" ")[0]
    if not scheme:
        return "the Authorization header is empty (expected 'Bearer <key>')"
    if scheme.lower() != "bearer":
        return f"the Authorization header uses scheme {scheme!r}, not 'Bearer <key>'"
    return "the Authorization header is 'Bearer' with an empty key"


def is_loopback(host: str) -> bool:
    """True for a loopback address, or a name whose every address is one (``localhost``)."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return False
    addresses = {info[4][0] for info in infos}
    return bool(addresses) and all(ipaddress.ip_address(a).is_loopback for a in addresses)


def _has_bearer_token(authorization: str | None) -> bool:
    scheme, _, token = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and bool(token.strip())
