"""A live session: each API request goes upstream, its answer back unchanged, the fake shadows it.

The fake's dispatch hands every Missions API request to :meth:`LiveSession.answer` (the
dispatch's live route) instead of its pipeline. The request passes the fence, goes upstream with
the live key, and the client gets the upstream's answer as it came. The same request (the tag in
a mission's name included) is then answered by the fake in-process, minting the ids the upstream
returned, so the journal and every assertion helper see what the test did; the two answers are
compared and what differs is kept, per test, for the report.

Without an upstream (a dry run) the fake alone answers, and the session keeps the plan: what
would have been sent, created and deleted.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .._api.answers import Outcome, Reply, to_reply
from .._api.errors import NO_RETRY, telnyx_error
from .._api.json_text import dump_json
from .._api.models import canonical_id
from .._api.request import Incoming
from .._pipeline.routes import OPERATIONS
from ._compare import Answer, Comparison, Divergence, Sent, sent_strings
from ._org_wide import created_ids
from ._safety import (
    Artifacts,
    Fence,
    Ledger,
    Refusal,
    is_clone,
    is_create_mission,
    is_delete_mission,
)
from ._upstream import BudgetExhausted, Upstream, UpstreamAnswer, UpstreamUnreachable, api_path

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

    from .._fake import FakeMissions
    from .._serving.dispatch import Answering
    from ._report import LiveFindings
    from ._settings import LiveSettings

__all__ = ["Exchange", "LiveSession", "TestRecord"]

_PAGE_SIZE = 100
_MAX_FENCE_PAGES = 1000
_JSON = "application/json"


@dataclass(frozen=True)
class Exchange:
    """One request of a live test: what was sent, what each side answered (for cassettes)."""

    operation: str
    sent: Sent
    real: Answer
    fake: Answer | None


@dataclass
class TestRecord:
    """What one test did upstream."""

    name: str
    divergences: list[Divergence] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Requests refused or unanswered: they fail the test at teardown."""
    exchanges: list[Exchange] = field(default_factory=list)
    planned: list[str] = field(default_factory=list)
    """A dry run's requests, ``METHOD /path``."""
    created: set[str] = field(default_factory=set)
    """The missions this test created (deleted at its end)."""
    deleted: set[str] = field(default_factory=set)
    owned: set[str] = field(default_factory=set)
    """Every id the upstream minted creating something for this test (missions, runs, events,
    steps): organisation-wide lists are cut to the items naming one."""


class LiveSession:
    """The dispatch's live route for one pytest session or one proxy."""

    def __init__(
        self,
        fake: FakeMissions,
        *,
        upstream: Upstream | None,
        fence: Fence,
        ledger: Ledger | None,
        pin_ids: Callable[[Sequence[str]], AbstractContextManager[None]] | None = None,
    ) -> None:
        self.fake = fake
        self.upstream = upstream
        self.fence = fence
        self.ledger = ledger
        self.tests: dict[str, TestRecord] = {}
        self.upstream_errors: list[str] = []
        self.created: list[dict[str, str]] = []
        self.would_delete: list[str] = []
        """A dry run's deletions of what each test left: the missions' ids."""
        """Every mission created upstream (or, in a dry run, on the fake): id, name, test."""
        self._pin_ids = pin_ids or fake._minting
        self._pipeline: Answering | None = None
        self._lock = threading.RLock()
        self._current = self._record("(outside any test)")
        self._comparison = Comparison(own_ids=self._current.owned.copy)

    @classmethod
    def opened(
        cls, fake: FakeMissions, settings: LiveSettings, key: str | None, artifacts: Artifacts
    ) -> LiveSession:
        """The session ``settings`` ask for, installed on ``fake``: with ``key``, an upstream
        (paced, budgeted) and a ledger in the run's directory; without, a dry run. A tag or a
        URL that cannot be used raises ``ValueError``."""
        fence = Fence(settings.tag)
        upstream: Upstream | None = None
        ledger: Ledger | None = None
        if key is not None:
            upstream = Upstream(
                settings.url,
                key,
                rate=settings.rate,
                max_requests=settings.max_requests,
                budget_flag=f"{settings.flags}-max-requests",
            )
            ledger = Ledger(settings.directory / "ledger.jsonl", artifacts)
        session = cls(fake, upstream=upstream, fence=fence, ledger=ledger)
        session.install()
        return session

    @property
    def dry_run(self) -> bool:
        return self.upstream is None

    def tally(self, findings: LiveFindings) -> None:
        """Put what the whole session did so far in ``findings``: requests sent, missions
        created and deleted, answers not compared (a 429 or 5xx of the upstream)."""
        with self._lock:
            findings.requests = self.upstream.sent if self.upstream is not None else 0
            findings.created = list(self.created)
            findings.deleted = [m for m in self.fence.created if m in self.fence.deleted]
            findings.unavailable = list(self.upstream_errors)

    # -- the session's edges ---------------------------------------------------------------
    def install(self) -> None:
        """Answer the fake's Missions API requests from now on (until :meth:`uninstall`)."""
        self._pipeline = self.fake._route_api_through(self)

    def uninstall(self) -> None:
        self.fake._route_api_through(None)
        self._pipeline = None

    @property
    def pipeline(self) -> Answering:
        if self._pipeline is None:
            raise RuntimeError("the live session is not installed on the fake")
        return self._pipeline

    def list_existing(self) -> int:
        """List the upstream's missions: the fence. Returns how many there are."""
        if self.upstream is None:
            return 0
        found: list[str] = []
        for number in range(1, _MAX_FENCE_PAGES + 1):
            query = f"page%5Bnumber%5D={number}&page%5Bsize%5D={_PAGE_SIZE}"
            answer = self.upstream.send("GET", "/ai/missions", query=query)
            body = answer.json()
            if answer.status != 200 or not isinstance(body, dict):
                raise RuntimeError(
                    f"listing the upstream's missions (the fence) was answered {answer.status}; "
                    "the live run does not start without it"
                )
            items = body.get("data") or []
            found.extend(str(m.get("mission_id")) for m in items if isinstance(m, dict))
            pages = (body.get("meta") or {}).get("total_pages")
            if len(items) < _PAGE_SIZE or (isinstance(pages, int) and number >= pages):
                break
        self.fence.knows(found)
        return len(found)

    def begin_test(self, name: str) -> TestRecord:
        with self._lock:
            self._current = record = self._record(name)
            self._comparison = Comparison(own_ids=record.owned.copy)  # placeholders per test
            return record

    @property
    def current(self) -> TestRecord:
        return self._current

    def end_test(self) -> TestRecord:
        with self._lock:
            ended = self._current
            self._current = self._record("(outside any test)")
            return ended

    def delete_leftovers(self, of: TestRecord | None = None) -> list[str]:
        """Delete every mission this session (or the test ``of``) created and did not delete;
        what could not be deleted. A test's missions go at its end, so the next test finds the
        upstream as its empty fake is: holding only what was there before the run."""
        failures: list[str] = []
        if self.upstream is None:  # a dry run: its fake makes the same ids in every test
            if of is not None:
                self.would_delete.extend(sorted(of.created - of.deleted))
            return failures
        for mission_id, name in self.fence.leftovers():
            if of is not None and mission_id not in of.created:
                continue
            try:
                answer = self.upstream.send("DELETE", f"/ai/missions/{mission_id}", budgeted=False)
            except UpstreamUnreachable as error:
                failures.append(f"{mission_id} ({name}): {error}")
                continue
            if answer.status in (200, 204, 404):  # 404: gone already
                self._deleted(mission_id)
            else:
                failures.append(f"{mission_id} ({name}): DELETE answered {answer.status}")
        return failures

    # -- the live route --------------------------------------------------------------------
    def answer(self, environ: WSGIEnvironment) -> Reply:
        """Answer one request of the Missions API (the dispatch calls this instead of the
        fake's pipeline, once the test prefix is off and a late request refused). Never raises.
        """
        admitted = environ
        request = Incoming(admitted)
        if not api_path(request.path).startswith("/ai/missions"):
            return self.pipeline.answer(admitted)  # not the Missions API: never sent
        with self._lock:
            record = self._current
            parsed = _json(request.body)
            body = self.fence.tagged(request.method, request.path, parsed)
            raw = request.body if body is parsed else dump_json(body)
            query = {key: values[-1] for key, values in request.query.items()}
            authorization = _authorization_for(request)
            sent = Sent(request.method, api_path(request.path), query, body)
            sent = replace(sent, authorized=authorization == "live")
            content_type = admitted.get("CONTENT_TYPE")
            if raw and (body is None or "json" not in (content_type or "json").lower()):
                # not sent as JSON: its bytes, so that a cassette's replay sends the same
                sent = replace(sent, raw=raw, content_type=content_type)
            operation = operation_of(request.method, request.path)
            try:
                self.fence.check(request.method, request.path)
            except Refusal as refusal:
                return self._refused(record, 403, str(refusal))
            if self.upstream is None:
                return self._planned(record, admitted, request, raw, operation)
            try:
                real = self.upstream.send(
                    request.method,
                    request.path,
                    query=admitted.get("QUERY_STRING", ""),
                    body=raw,
                    content_type=content_type or (_JSON if raw else None),
                    authorization=authorization,
                )
            except BudgetExhausted as spent:
                return self._refused(record, 429, str(spent))
            except UpstreamUnreachable as error:
                return self._refused(record, 502, f"the upstream did not answer: {error}")
            real_answer = Answer(real.status, real.headers, real.json())
            if real.unavailable:
                line = f"{request.method} {request.path}: upstream answered {real.status}"
                self.upstream_errors.append(f"{record.name}: {line} (not compared)")
                record.exchanges.append(Exchange(operation, sent, real_answer, None))
                return _passed_on(real)
            with self._pinned(sent, real_answer):
                shadow = self.pipeline.answer(_again(admitted, raw))
            fake_answer = Answer(shadow.status, dict(shadow.headers), _json(shadow.body))
            self._note_resources(record, request, real_answer)
            record.owned |= created_ids(
                sent.method, sent_strings(sent), real.status, real_answer.body
            )
            record.exchanges.append(Exchange(operation, sent, real_answer, fake_answer))
            found = self._comparison.compare(operation, sent, fake_answer, real_answer)
            record.divergences.extend(found)
            return _passed_on(real)

    # -- inside the route ------------------------------------------------------------------
    def _planned(
        self,
        record: TestRecord,
        admitted: WSGIEnvironment,
        request: Incoming,
        raw: bytes,
        operation: str,
    ) -> Reply:
        query = admitted.get("QUERY_STRING", "")
        record.planned.append(f"{request.method} {request.path}" + (f"?{query}" if query else ""))
        reply = self.pipeline.answer(_again(admitted, raw))
        self._note_resources(record, request, Answer(reply.status, {}, _json(reply.body)))
        return reply

    def _refused(self, record: TestRecord, status: int, reason: str) -> Reply:
        record.problems.append(reason)
        refusal = telnyx_error(status, f"pytest-telnyx-missions live run: {reason}")
        return to_reply(Outcome(status, refusal.body, NO_RETRY))

    def _note_resources(self, record: TestRecord, request: Incoming, answer: Answer) -> None:
        method, path = request.method, request.path
        data = answer.body.get("data") if isinstance(answer.body, dict) else None
        if (is_create_mission(method, path) or is_clone(method, path)) and answer.status in (
            200,
            201,
        ):
            if isinstance(data, dict) and data.get("mission_id"):
                mission_id, name = str(data["mission_id"]), str(data.get("name", ""))
                self.fence.note_created(mission_id, name)
                record.created.add(_canonical(mission_id))
                self.created.append({"mission_id": mission_id, "name": name, "test": record.name})
                if self.ledger is not None and self.upstream is not None:
                    self.ledger.created(
                        mission_id, name, url=self.upstream.base_url, test=record.name
                    )
        elif is_delete_mission(method, path) and answer.status in (200, 204):
            mission_id = path.rstrip("/").rsplit("/", 1)[1]
            if _canonical(mission_id) in self.fence.own():
                record.deleted.add(_canonical(mission_id))
                self._deleted(_canonical(mission_id))

    def _deleted(self, mission_id: str) -> None:
        self.fence.note_deleted(mission_id)
        if self.ledger is not None and self.upstream is not None:
            self.ledger.deleted(mission_id)

    @contextmanager
    def _pinned(self, sent: Sent, real: Answer) -> Iterator[None]:
        ids = self._comparison.ids_to_pin(sent, real) if real.status < 300 else []
        if not ids:
            yield
            return
        with self._pin_ids(ids):
            yield

    def _record(self, name: str) -> TestRecord:
        record = self.tests.get(name)
        if record is None:
            record = self.tests[name] = TestRecord(name)
        return record


def operation_of(method: str, path: str) -> str:
    """The operation a request is (``update_run``), or ``METHOD /path`` when it is none."""
    route = api_path(path)
    for operation in OPERATIONS:
        if operation.method == method and operation.pattern.match(route):
            return operation.name
    return f"{method} {route}"


def _authorization_for(request: Incoming) -> str | None:
    """ "live" (the live key) when the client sent a usable Bearer key, else what it sent."""
    sent = request.header("Authorization")
    scheme, _, token = (sent or "").partition(" ")
    return "live" if scheme.lower() == "bearer" and token.strip() else sent


def _passed_on(real: UpstreamAnswer) -> Reply:
    headers = real.passed_on()
    if real.status not in (204, 304):
        headers.append(("Content-Length", str(len(real.body))))
    return Reply(real.status, headers, real.body if real.status not in (204, 304) else b"")


def _again(environ: WSGIEnvironment, body: bytes) -> dict[str, Any]:
    """A copy of ``environ`` whose body is ``body``, readable once more."""
    again: dict[str, Any] = {**environ, "wsgi.input": io.BytesIO(body)}
    again["wsgi.input_terminated"] = True
    again["CONTENT_LENGTH"] = str(len(body)) if body else ""
    return again


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def _canonical(value: str) -> str:
    return canonical_id(value)
