"""The WSGI app: one request pipeline for every route.

route -> auth -> path params -> body -> fault rules -> validation -> handler -> journal. A route
is a row in the table (``routes.OPERATIONS``) plus a small handler; nothing here knows about runs.
The body is read as FastAPI reads it in ``body``.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pydantic import BaseModel, ValidationError

from .._api.answers import Outcome, Reply, to_reply
from .._api.errors import (
    NO_RETRY,
    ApiError,
    missing_error,
    pydantic_errors,
    telnyx_error,
    validation_error,
)
from .._api.models import CANONICAL_UUID, UUID_ADAPTER
from .._api.request import ADMISSION, Admission, Incoming
from .._journal.recording import Journal, recorded_request
from .._state.store import Conflict, NotFound, Store
from .body import TOO_DEEP, lenient_json, parse_body, sent_json, too_deep_to_answer
from .operations import Call, Operation

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from .faults.answers import Firing
    from .faults.rules import FaultRegistry

_UTC = timezone.utc
_SHALLOW_ENOUGH = 200  # brackets; far from any stack's limit (1000 frames by default)
_KNOWN_ROUTES_KEPT = 1024  # paths routed lately, kept with their operation and params


class App:
    """Routes, validates, dispatches and records; serves ``/v2/ai/missions/...`` and ``/ai/...``."""

    def __init__(
        self,
        operations: Sequence[Operation],
        store: Store,
        journal: Journal,
        *,
        authorize: Callable[[str | None], bool],
        faults: FaultRegistry | None = None,
    ) -> None:
        # Fixed segments before parameters, so /ai/missions/runs never reads as a mission id.
        self._operations = sorted(operations, key=lambda op: op.path.count("{"))
        # A parameter matches one whole segment, so a path can only match the operations with as
        # many segments: routing tries those of the request's method first, in the same order,
        # and the others only to tell a 405 from a 404.
        self._by_segments: dict[int, list[Operation]] = {}
        self._by_method: dict[tuple[int, str], list[Operation]] = {}
        for operation in self._operations:
            segments = operation.path.count("/")
            self._by_segments.setdefault(segments, []).append(operation)
            self._by_method.setdefault((segments, operation.method), []).append(operation)
        self._known_routes: dict[tuple[str, str], tuple[Operation, dict[str, str]]] = {}
        self._store = store
        self._journal = journal
        self._authorize = authorize
        self._faults = faults
        self.lock: threading.RLock = store.lock

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        return self.answer(environ)(environ, start_response)

    def answer(self, environ: WSGIEnvironment) -> Reply:
        """Answer the request of ``environ`` (left unchanged). Never raises."""
        return self._handle(Incoming(environ))

    def _handle(self, request: Incoming) -> Reply:
        raw = request.body
        exchange = _Exchange(brackets=raw.count(b"[") + raw.count(b"{"))
        if exchange.brackets < _SHALLOW_ENOUGH:
            response = self._answer(request, exchange)
        else:
            response = _on_a_fresh_stack(lambda: self._answer(request, exchange))
        if exchange.fault is not None:
            exchange.fault.wait()  # latency, after recording and never under the lock
        return response

    def _answer(self, request: Incoming, exchange: _Exchange) -> Reply:
        admission: Admission | None = request.environ.get(ADMISSION)
        if admission is None:
            return self._serve(request, exchange)
        # Admitted for one test: the switch to the next one takes this lock, so it comes
        # wholly before this request (refused here) or wholly after its effects.
        with self.lock:
            refusal = admission.refusal()
            return refusal if refusal is not None else self._serve(request, exchange)

    def _serve(self, request: Incoming, exchange: _Exchange) -> Reply:
        try:
            operation, call = self._prepare(request, exchange)
            with self.lock:  # the journal's order is the order changes were applied
                try:
                    outcome = Outcome(operation.success_status, operation.handler(call))
                finally:  # still under the lock: only this request's creations
                    if self._store.auto_create:
                        exchange.auto_created = tuple(self._store.take_auto_created())
                return self._finish(request, exchange, outcome)
        except ApiError as error:
            exchange.internal_error = error.internal_error
            outcome = Outcome(error.status, error.body, error.headers)
        except (NotFound, Conflict) as refusal:
            answer = _domain_error(refusal)
            outcome = Outcome(answer.status, answer.body, answer.headers)
        except Exception:  # noqa: BLE001 - reported by the teardown check, never swallowed
            exchange.internal_error = traceback.format_exc()
            crash = telnyx_error(500)
            outcome = Outcome(crash.status, crash.body)
        return self._finish(request, exchange, outcome)

    def _prepare(self, request: Incoming, exchange: _Exchange) -> tuple[Operation, Call]:
        operation, params, canonical = self._route(request)
        exchange.operation, exchange.params = operation, params
        if not self._authorize(request.environ.get("HTTP_AUTHORIZATION")):
            raise telnyx_error(401)
        errors: list[dict[str, Any]] = []
        for name in () if canonical else [n for n in params if n in operation.uuid_params]:
            if CANONICAL_UUID.fullmatch(params[name]):
                continue  # already what validating and writing it back would give
            try:
                params[name] = str(UUID_ADAPTER.validate_python(params[name]))
            except ValidationError as exc:
                errors.extend(pydantic_errors(exc, ("path", name)))
        query: BaseModel | None = None
        if operation.query is not None:
            # Starlette reads the last value of a repeated parameter.
            given = {key: values[-1] for key, values in request.query.items()}
            try:
                query = operation.query.model_validate(given)
            except ValidationError as exc:
                errors.extend(pydantic_errors(exc, ("query",)))
        body: BaseModel | None = None
        sent: Any = None
        unparsable: ApiError | None = None
        if operation.any_json:
            exchange.sent = sent = lenient_json(request)
        elif operation.body is not None:
            try:
                sent = parse_body(request, exchange.brackets)
            except ApiError as error:
                unparsable = error
            else:
                if not isinstance(sent, bytes):
                    exchange.sent = sent
                body, body_errors = _validate_body(operation, sent)
                errors.extend(body_errors)
        if self._faults is not None:
            exchange.fault = self._faults.fire(operation, params, exchange.sent)
            if exchange.fault is not None and not exchange.fault.passes_through:
                raise exchange.fault.stop()
        if unparsable is not None:
            raise unparsable
        if errors:
            raise validation_error(errors)
        if sent is not None and too_deep_to_answer(exchange.brackets, sent):
            raise telnyx_error(400, TOO_DEEP, headers=NO_RETRY)
        return operation, Call(
            self._store, params, body, sent if isinstance(sent, dict) else {}, query
        )

    def _finish(self, request: Incoming, exchange: _Exchange, outcome: Outcome) -> Reply:
        """Write the answer, then record it: one journal entry per request, whatever fails."""
        processed_status: int | None = None
        try:
            if exchange.fault is not None:
                processed_status = outcome.status if exchange.fault.passes_through else None
                outcome = exchange.fault.answer(outcome)
            reply = to_reply(outcome)
        except Exception:  # noqa: BLE001 - reported by the teardown check, never swallowed
            exchange.internal_error = traceback.format_exc()
            crash = telnyx_error(500)
            outcome = Outcome(crash.status, crash.body)
            reply = to_reply(outcome)
        self._journal.record(
            recorded_request(
                {
                    "method": request.method,
                    "path": request.path,
                    "operation": exchange.operation.name if exchange.operation else None,
                    "path_params": exchange.params,
                    "query": request.query,
                    "headers": request.headers(),
                    "body": request.body,
                    # A request refused before its body was read (401, 404...) shows what came.
                    "json": exchange.sent if exchange.sent is not None else sent_json(request),
                    "status_code": outcome.status,
                    "response": outcome.body,
                    "time": datetime.now(_UTC),
                    "internal_error": exchange.internal_error,
                    "response_headers": outcome.headers,
                    "fault": exchange.fault.description if exchange.fault else None,
                    "processed_status": processed_status,
                    "auto_created": exchange.auto_created,
                    "duration": time.perf_counter()
                    - exchange.started
                    + ((exchange.fault.fault.delay or 0.0) if exchange.fault else 0.0),
                    "response_size": len(reply.body),
                }
            )
        )
        return reply

    def _route(self, request: Incoming) -> tuple[Operation, dict[str, str], bool]:
        """The operation, its raw path params (a new dict) and whether its UUID params are all
        canonical already; or the answer Starlette's router would give."""
        known = self._known_routes.get((request.method, request.path))
        if known is not None:
            return known[0], dict(known[1]), True
        method, path = request.method, _unprefixed(request.path)
        segments = path.count("/")
        for operation in self._by_method.get((segments, method), ()):
            match = operation.pattern.match(path)
            if match is not None:
                params = match.groupdict()
                canonical = all(
                    CANONICAL_UUID.fullmatch(params[name])
                    for name in params
                    if name in operation.uuid_params
                )
                if canonical:  # the same path comes again (a run is patched many times)
                    if len(self._known_routes) >= _KNOWN_ROUTES_KEPT:
                        self._known_routes.clear()
                    self._known_routes[method, request.path] = (operation, params)
                    params = dict(params)
                return operation, params, canonical
        for operation in self._by_segments.get(segments, ()):
            if operation.pattern.match(path):  # Starlette answers with the first route matched
                raise ApiError(405, {"detail": "Method Not Allowed"}, {"allow": operation.method})
        toggled = path.rstrip("/") if path.endswith("/") else f"{path}/"
        if path != "/" and any(op.pattern.match(toggled) for op in self._operations):
            # Starlette's redirect_slashes: the same URL with the trailing slash toggled.
            target = request.path.rstrip("/") if path.endswith("/") else f"{request.path}/"
            query = request.environ.get("QUERY_STRING", "")
            mounted = request.environ.get("SCRIPT_NAME", "")  # a test's prefix, if any
            location = request.host_url() + mounted + quote(target) + (f"?{query}" if query else "")
            raise ApiError(307, None, {"location": location})
        raise telnyx_error(404, f"The fake has no route for {method} {path}.", headers=NO_RETRY)


def _domain_error(refusal: NotFound | Conflict) -> ApiError:
    """The store's refusals in Telnyx's envelope; a conflict is not to be retried."""
    if isinstance(refusal, NotFound):
        return telnyx_error(404, str(refusal))
    return telnyx_error(409, str(refusal), headers=NO_RETRY)


def _on_a_fresh_stack(answer: Callable[[], Reply]) -> Reply:
    """``answer()`` run on a new thread, whose stack is always the same.

    Parsing, validating and describing JSON (``json.loads``, an enum's error message) recurse
    once per level of nesting, so how deep a body they manage depends on how deep the stack
    already is: a pytest run or a server thread would each answer deep input differently. A
    body with enough brackets to come near the limit is answered from a fresh stack instead.
    """
    answered: list[Reply] = []
    worker = threading.Thread(
        target=lambda: answered.append(answer()), name="telnyx-missions-fake-deep-body"
    )
    worker.start()
    worker.join()
    return answered[0]


def _unprefixed(path: str) -> str:
    return path[3:] if path == "/v2" or path.startswith("/v2/") else path


@dataclass(slots=True)
class _Exchange:
    """What the pipeline learnt about a request so far, for the journal whatever the outcome."""

    operation: Operation | None = None
    params: dict[str, str] = field(default_factory=dict)
    sent: Any = None
    internal_error: str | None = None
    fault: Firing | None = None
    auto_created: tuple[str, ...] = ()
    started: float = field(default_factory=time.perf_counter)
    brackets: int = 0
    """How many ``[`` and ``{`` the body holds: only a body with that many can nest so deep."""


def _validate_body(
    operation: Operation, sent: Any
) -> tuple[BaseModel | None, list[dict[str, Any]]]:
    assert operation.body is not None
    if sent is None:
        return None, [missing_error(("body",))] if operation.body_required else []
    try:
        # The model's validator itself: model_validate adds a call and a few lookups to it.
        validate = operation.body.__pydantic_validator__.validate_python
        return validate(sent, from_attributes=True), []
    except ValidationError as exc:
        return None, pydantic_errors(exc, ("body",))
