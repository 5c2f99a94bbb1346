"""The fake: store + journal + app, served over HTTP/1.1 keep-alive (``_http``) or in-process."""

from __future__ import annotations

import ipaddress
import socket
import threading
import uuid
from collections.abc import Mapping
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

from ._app import App
from ._assertions import RunUpdateAssertions, fields_match
from ._control import ControlApp
from ._faults import FaultControls, FaultRegistry
from ._http import WORKER_THREAD_NAME, KeepAliveServer, ServerLimits
from ._journal import Journal, RecordedRequest, RunUpdate, canonical_id
from ._models import Event, Mission, MissionRun, PlanStep, RunStatusName
from ._routes import OPERATIONS
from ._seeding import Seeder
from ._serving import Dispatcher
from ._state import Store
from ._transports import Transports

__all__ = ["WORKER_THREAD_NAME", "FakeMissions", "is_loopback"]

DEFAULT_API_KEY = "KEY_pytest_telnyx_missions"
DEFAULT_SEED = 0
DEFAULT_RUNS = 3
DEFAULT_MISSIONS = 2


class FakeMissions(RunUpdateAssertions, FaultControls, Transports):
    """An in-memory Telnyx AI Missions API. Every instance is independent; start it to serve HTTP.

    >>> with FakeMissions(seed=7, runs=2) as fake:
    ...     fake.base_url.endswith("/v2")
    True
    """

    def __init__(
        self,
        *,
        seed: int = DEFAULT_SEED,
        runs: int = DEFAULT_RUNS,
        missions: int = DEFAULT_MISSIONS,
        api_key: str = DEFAULT_API_KEY,
        host: str = "127.0.0.1",
        port: int = 0,
        control_api: bool = False,
        strict_transitions: bool = False,
        allow_remote: bool = False,
        limits: ServerLimits | None = None,
    ) -> None:
        """``control_api=True`` also serves the control API under ``/_fake/`` (see ``_control``);
        ``strict_transitions=True`` enforces the documented run transitions (README). The fake
        accepts any key, so it listens on loopback only, unless ``allow_remote=True``.
        ``limits`` bounds what its server accepts (``ServerLimits``: body size, idle time,
        open connections)."""
        if not allow_remote and not is_loopback(host):
            raise ValueError(
                f"host {host!r} is not a loopback address: anyone who can reach the fake can "
                "change it. Pass allow_remote=True to serve it there anyway."
            )
        self.api_key = api_key
        self._lock = threading.RLock()
        self._store = Store(self._lock)
        self._journal = Journal(self._lock)
        self._seeder = Seeder()
        self._faults = FaultRegistry(self._lock, OPERATIONS)
        self._app = App(
            OPERATIONS,
            self._store,
            self._journal,
            authorize=_has_bearer_token,
            faults=self._faults,
        )
        self._made_with: dict[str, Any] = {
            "seed": seed,
            "runs": runs,
            "missions": missions,
            "strict_transitions": strict_transitions,
        }
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

    def reset(
        self,
        *,
        seed: int | None = None,
        runs: int | None = None,
        missions: int | None = None,
        strict_transitions: bool | None = None,
    ) -> None:
        """Forget every change, recorded request and fault rule; reload the seeded data.

        An option left out keeps the value the fake was made with.
        """
        snapshot = self._seeder.snapshot(
            seed=self._made_with["seed"] if seed is None else seed,
            runs=self._made_with["runs"] if runs is None else runs,
            missions=self._made_with["missions"] if missions is None else missions,
        )
        with self._lock:
            self._store.restore(snapshot)
            self._store.strict_transitions = (
                self._made_with["strict_transitions"]
                if strict_transitions is None
                else strict_transitions
            )
            self._journal.clear()
            self._faults.clear()
            self._dispatcher.reset()

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
        """The events of a run (or of every run), in the order they were logged; copies."""
        wanted = None if run_id is None else canonical_id(str(run_id))
        return [event.model_copy(deep=True) for event in self._store.events_of(wanted)]

    def plan(self, run_id: str) -> list[PlanStep]:
        """The steps of a run's plan, by sequence; copies."""
        return [
            step.model_copy(deep=True) for step in self._store.plan_of(canonical_id(str(run_id)))
        ]

    def get_run(self, run_id: str) -> MissionRun:
        """The current state of a run (a copy: changing it changes nothing in the fake)."""
        with self._lock:
            run = self._store.runs.get(canonical_id(str(run_id)))
            if run is None:
                known = ", ".join(self._store.runs) or "none"
                raise LookupError(f"The fake has no run {run_id!r}. Known runs: {known}.")
            return run.model_copy(deep=True)

    def add_run(
        self,
        *,
        mission_id: str | None = None,
        run_id: str | None = None,
        status: RunStatusName = "running",
        **fields: Any,
    ) -> MissionRun:
        """Add a run (and its mission, if ``mission_id`` is new) and return it.

        Without ``mission_id`` the run joins the first mission (one is made if there is none).
        """
        with self._lock:
            now = self._store.now()
            if mission_id is None:
                mission_id = next(iter(self._store.missions), None) or str(uuid.uuid4())
            mission_id = canonical_id(mission_id)
            if mission_id not in self._store.missions:
                self._store.put_mission(
                    Mission(
                        mission_id=mission_id, name="Added mission", created_at=now, updated_at=now
                    )
                )
            values: dict[str, Any] = {"input": {}, "started_at": now, "updated_at": now, **fields}
            run = MissionRun(
                run_id=canonical_id(run_id or str(uuid.uuid4())),
                mission_id=mission_id,
                status=status,
                **values,
            )
            return self._store.put_run(run).model_copy(deep=True)

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
