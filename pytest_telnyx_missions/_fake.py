"""The fake: it holds its collaborators and hands each method on to the one that does it.

store and baseline (``_state``), journal (``_journal``), fault rules and the pipeline
(``_pipeline``), the checks asked of the journal (``_checks``), dispatch and the socket server
(``_serving``). None of them knows the fake, nor reaches into another.
"""

from __future__ import annotations

import copy
import functools
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from types import TracebackType
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from ._api.models import Event, Mission, MissionRun, PlanStep
from ._checks.assertions import RunUpdateChecks
from ._checks.call_assertions import CallChecks
from ._checks.problems import Checks, UnhandledRequests
from ._checks.waiting import Waiting
from ._config import (
    DEFAULT_JOURNAL_MAX_BYTES,
    DEFAULTS,
    FakeConfig,
    JournalLimits,
    ResetOptions,
    StateSource,
)
from ._journal.recording import Journal, RecordedRequest
from ._pipeline.app import App
from ._pipeline.faults.rules import FaultRegistry, FaultRule
from ._pipeline.routes import OPERATIONS
from ._serving.dispatch import Answering, Dispatcher
from ._serving.http import WORKER_THREAD_NAME, KeepAliveServer, ServerLimits
from ._serving.loopback import is_loopback, remote_access_warning
from ._state.arranging import Arranger
from ._state.baseline import Baseline
from ._state.documents import dump as dump_state_doc
from ._state.store import Store

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._serving.inprocess import AsyncFakeTransport, FakeTransport
    from ._serving.user_handlers import UserHandlers

__all__ = ["WORKER_THREAD_NAME", "FakeMissions", "is_loopback"]

DEFAULT_API_KEY = "KEY_pytest_telnyx_missions"
P = ParamSpec("P")
R = TypeVar("R")


def handed_to(
    member: str, method: Callable[Concatenate[Any, P], R]
) -> Callable[Concatenate[Any, P], R]:
    """``method`` of the collaborator the fake holds as ``member``, as a method of the fake
    (its signature, its docstring; a failing assertion's traceback hides this frame)."""

    def handed_on(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> R:
        __tracebackhide__ = True
        return method(getattr(self, member), *args, **kwargs)

    return functools.update_wrapper(handed_on, method)


class FakeMissions:
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
        journal_max_bytes: int | None = DEFAULT_JOURNAL_MAX_BYTES,
        limits: ServerLimits | None = None,
    ) -> None:
        """The options up to ``state`` are what :meth:`reset` restores (README, ``FakeMissions``).
        ``control_api=True`` also serves the control API under ``/_fake/`` (see ``_control``).
        The fake accepts any key, so it listens on loopback only, unless ``allow_remote=True``.
        ``journal_limit`` keeps only the latest entries of the journal, ``journal_max_bytes``
        only the latest whose bodies (sent, twice once parsed, and answered, plus 4 KiB each)
        add up to at most that many bytes (default 64 MiB; None for no budget): the oldest are
        dropped and counted (``dropped_requests``), the newest always kept.
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
        self._test_prefix = ""
        self._lock = threading.RLock()
        self._store = Store(self._lock)
        self._journal = Journal(self._lock, JournalLimits(journal_limit, journal_max_bytes))
        made_with = FakeConfig.parse(
            {
                "seed": seed,
                "runs": runs,
                "missions": missions,
                "strict_transitions": strict_transitions,
                "auto_create": auto_create,
                "clock": clock,
                "state": state,
            }
        )
        self._baseline = Baseline(self._store, made_with)
        self._arranger = Arranger(self._store)
        self._faults = FaultRegistry(self._lock, OPERATIONS, self._store.run_ids)
        self._app = App(
            OPERATIONS, self._store, self._journal, authorize=_has_bearer_token, faults=self._faults
        )
        self._dispatcher = Dispatcher(self._app, self._lock)
        if control_api:
            # A convenience kept from before the control API was mounted beside the fake (the
            # CLI mounts it so): the one import of it here, named in pyproject's contracts.
            from ._serving.control import CONTROL_PREFIX, ControlApp

            self._dispatcher.mount(CONTROL_PREFIX, ControlApp(self, OPERATIONS))
        self._server = KeepAliveServer(self._dispatcher, host, port, limits)
        fields_of = {operation.name: operation.matchable for operation in OPERATIONS}
        self._updates = RunUpdateChecks(self._journal, self._store.run_ids, fields_of)
        path_ids_of = {op.name: tuple(op.pattern.groupindex) for op in OPERATIONS}
        self._calls = CallChecks(self._journal, self._store.run_ids, fields_of, path_ids_of)
        self._waiting = Waiting(self._journal, fields_of)
        self._unhandled = UnhandledRequests(self._journal)
        self._checks = Checks(
            self._journal,
            unhandled=[self._unhandled, self._dispatcher],
            expectations=[self._faults],
        )
        self.reset()

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeMissions:
        if not self._server.is_running():
            self._server.start()
        return self

    def stop(self) -> None:
        if self._server.is_running():
            self._faults.end_delays()  # a pending latency fault must not hold the stop up
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
        set); ``state=None``, or a ``seed``, ``runs`` or ``missions``, goes back to seeded data.
        """
        self._baseline.restore(options, then=self._forget_the_test)

    def configure(self, **options: Unpack[ResetOptions]) -> None:
        """Make ``options`` what the fake is made with (one left out: its default), then
        :meth:`reset`. The fixture does this before each test, so nothing a test set
        (``load_state`` included) reaches the next one."""
        self._baseline.restore(options, made_with=True, then=self._forget_the_test)

    def _forget_the_test(self) -> None:
        self._journal.clear()
        self._faults.clear()
        self._dispatcher.reset()

    # -- state documents -------------------------------------------------------------------
    def dump_state(self) -> dict[str, list[dict[str, Any]]]:
        """Every resource, JSON-ready, as the API answers with it (README: State documents)."""
        return dump_state_doc(self._store.snapshot())

    def load_state(self, doc_or_path: StateSource) -> None:
        """Replace the whole state with a document (a dict, or a JSON/YAML file's path).

        Every item is checked first: a bad document raises ``ValueError`` naming each bad item
        and field, and changes nothing. A :meth:`reset` naming no seeded option returns to it.
        """
        self._baseline.load(doc_or_path)

    @contextmanager
    def _minting(self, ids: Iterable[str]) -> Iterator[None]:
        """While inside, the resources the fake creates get these ids first, in order (then its
        own): a live run shadows the upstream's answer with the upstream's ids, a replay uses
        its recording's. Ids left unused are dropped on the way out."""
        self._store.pin_ids(ids)
        try:
            yield
        finally:
            self._store.pin_ids(())

    def advance(self, by: timedelta) -> None:
        """Move the fake's clock on (fixed or real), e.g. to make a run look long-running."""
        with self._lock:
            self._store.clock.advance(by)

    # -- where it is served ----------------------------------------------------------------
    @property
    def url(self) -> str:
        """The server's root, e.g. ``http://127.0.0.1:41234`` (the fake also serves ``/ai/...``);
        the ``telnyx_missions`` fixture's adds the test's prefix (``/_t/<token>``), so that a
        client made from it is refused once the test ends."""
        if not self._server.is_running():
            raise RuntimeError(
                "The fake is not running: call start() or use it as a context manager."
            )
        host, port = self._server.format_host(self._server.host), self._server.port
        return f"http://{host}:{port}{self._test_prefix}"

    @property
    def base_url(self) -> str:
        """What ``TELNYX_BASE_URL`` should be: :attr:`url` plus ``/v2``."""
        return f"{self.url}/v2"

    def _for_test(self, prefix: str) -> FakeMissions:
        """This fake as one test sees it: the same server, state, journal and rules (every
        member shared), with :attr:`url` and :attr:`base_url` carrying the test's ``prefix``
        (from ``Dispatcher.begin_test``)."""
        seen = copy.copy(self)
        seen._test_prefix = prefix
        return seen

    def wsgi_app(self) -> Dispatcher:
        """The WSGI application, for serving the fake in-process (no socket): the same one way
        in as its socket server's (the API, the control API if any, ``httpserver``'s handlers)."""
        return self._dispatcher

    def _route_api_through(self, route: Answering | None) -> Answering:
        """Have ``route`` answer the Missions API's requests in the pipeline's place, whichever
        way they come (a live run: ``live/_session``), or the pipeline again for None. Returns
        the pipeline, which the route has shadow each request."""
        self._dispatcher.live = route
        return self._app

    def httpx_transport(self) -> FakeTransport:
        """An httpx transport answering from this fake in-process, no socket (started or not).

        ``httpx.Client(transport=fake.httpx_transport(), base_url=...)``: the journal, the
        assertions and the fault rules work as over the socket; a dropped or garbled answer
        raises what httpx raises over a socket (``httpx.RemoteProtocolError``), and a latency
        fault longer than the client's read timeout raises ``httpx.ReadTimeout``.
        """
        from ._serving.inprocess import FakeTransport  # httpx: only when a transport is asked

        return FakeTransport(self._dispatcher, self._faults)

    def async_httpx_transport(self) -> AsyncFakeTransport:
        """The same as :meth:`httpx_transport`, for ``httpx.AsyncClient``."""
        from ._serving.inprocess import AsyncFakeTransport

        return AsyncFakeTransport(self._dispatcher, self._faults)

    @property
    def httpserver(self) -> UserHandlers:
        """A pytest-httpserver ``HTTPServer`` served by this fake, at the fake's own address.

        Register handlers for other endpoints (``expect_request("/v2/calls")``), with the
        paths the API has; requests outside the Missions API then reach them. An unmatched
        one fails the test at teardown, as with pytest-httpserver's own fixture.
        """
        return self._dispatcher.user_handlers_at(self._server.host, self._server.port)

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
            run = self._store.existing_run(run_id)
            return [event.model_copy(deep=True) for event in self._store.events_of(run.run_id)]

    def plan(self, run_id: str) -> list[PlanStep]:
        """The steps of a run's plan, by sequence; copies. An unknown run raises ``LookupError``."""
        with self._lock:
            run = self._store.existing_run(run_id)
            return [step.model_copy(deep=True) for step in self._store.plan_of(run.run_id)]

    def get_run(self, run_id: str) -> MissionRun:
        """The current state of a run (a copy: changing it changes nothing in the fake)."""
        with self._lock:
            return self._store.existing_run(run_id).model_copy(deep=True)

    # -- arranging (``_state.arranging``) --------------------------------------------------
    # These lines are a table (public method -> the collaborator that does it), alike on purpose.
    add_mission = handed_to("_arranger", Arranger.add_mission)
    add_run = handed_to("_arranger", Arranger.add_run)
    add_event = handed_to("_arranger", Arranger.add_event)
    add_plan_step = handed_to("_arranger", Arranger.add_plan_step)
    link_agent = handed_to("_arranger", Arranger.link_agent)
    add_knowledge_base = handed_to("_arranger", Arranger.add_knowledge_base)
    add_mcp_server = handed_to("_arranger", Arranger.add_mcp_server)
    add_tool = handed_to("_arranger", Arranger.add_tool)

    # -- journal and checks (``_journal``, ``_checks``) ------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received since the last reset, in the order it was applied."""
        return self._journal.entries

    @property
    def dropped_requests(self) -> int:
        """How many of the oldest entries the journal dropped to keep within ``journal_limit``
        and ``journal_max_bytes`` since the last reset."""
        return self._journal.dropped

    @property
    def journal_bytes(self) -> int:
        """What the kept entries count against ``journal_max_bytes``: request bodies (twice
        when parsed: the entry keeps the JSON too), answer bodies, and 4 KiB each for the rest."""
        return self._journal.bytes

    run_updates = handed_to("_updates", RunUpdateChecks.run_updates)
    assert_run_updated = handed_to("_updates", RunUpdateChecks.assert_run_updated)
    assert_run_updated_once = handed_to("_updates", RunUpdateChecks.assert_run_updated_once)
    assert_run_status_history = handed_to("_updates", RunUpdateChecks.assert_run_status_history)
    assert_no_run_updates = handed_to("_updates", RunUpdateChecks.assert_no_run_updates)
    calls = handed_to("_calls", CallChecks.calls)
    status_history = handed_to("_calls", CallChecks.status_history)
    assert_called = handed_to("_calls", CallChecks.assert_called)
    assert_not_called = handed_to("_calls", CallChecks.assert_not_called)
    assert_event_logged = handed_to("_calls", CallChecks.assert_event_logged)
    assert_plan_step_updated = handed_to("_calls", CallChecks.assert_plan_step_updated)
    wait_for = handed_to("_waiting", Waiting.wait_for)
    wait_for_async = handed_to("_waiting", Waiting.wait_for_async)
    check = handed_to("_checks", Checks.check)

    def _problems_text(self, *, unhandled: bool = True) -> str:
        return self._checks.text(unhandled=unhandled)

    def _unhandled_problems(self) -> str:
        return self._unhandled.problems()

    def _run_statuses(self) -> dict[str, str]:
        """Each run's status now, cheaply (no copies): where a failing test's timeline starts."""
        return self._store.run_statuses()

    # -- fault rules (``_pipeline.faults``) ------------------------------------------------
    add_fault = handed_to("_faults", FaultRegistry.add_fault)
    fail_next = handed_to("_faults", FaultRegistry.fail_next)
    clear_faults = handed_to("_faults", FaultRegistry.clear_faults)

    @property
    def faults(self) -> list[FaultRule]:
        """The fault rules added since the last reset, in order, with how often each fired."""
        return self._faults.rules

    def __repr__(self) -> str:
        where = self.url if self._server.is_running() else "not running"
        return f"<FakeMissions {where} runs={len(self._store.runs)} requests={len(self.requests)}>"


def _has_bearer_token(authorization: str | None) -> bool:
    scheme, _, token = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and bool(token.strip())
