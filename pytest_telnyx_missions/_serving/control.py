"""The control API of a served fake: ``/_fake/...``, beside the fake's request pipeline.

The fake's HTTP server hands ``/_fake/`` paths to :class:`ControlApp` before the fake's ``App``
sees them, so control requests need no key, are never recorded in the journal and are never
answered by fault rules. Only a fake made with ``control_api=True`` (the standalone server) has it.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Iterable
from dataclasses import fields
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from .._api.answers import Outcome, Reply, to_reply
from .._api.models import MissionRun
from .._api.request import Incoming
from .._checks.fields import unknown_fields_problem
from .._checks.waiting import DEFAULT_WAIT_TIMEOUT
from .._config import OPTION_NAMES, OPTION_NAMES_IN_ORDER, ResetOptions, StateSource, unknown_names
from .._journal.calls import (
    OPERATION_NAMES,
    OperationName,
    RecordedCall,
    RunUpdate,
    unknown_operation,
)
from .._pipeline.faults.rules import Fault, FaultRule, Operations
from .._pipeline.operations import Operation
from .control_arranging import arranging_routes
from .control_input import (
    WAIT_PARAMETERS,
    BadRequest,
    FaultRuleBody,
    journal_number,
    json_object,
    page_query,
    parse,
    rule_number,
    state_document,
)
from .dashboard import ASSETS, DashboardSource, asset_reply, dashboard_data, page_reply, rule_json
from .journal_pages import MAX_PAGE_SIZE, requests_page

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment
    from typing_extensions import Unpack

CONTROL_PREFIX = "/_fake/"
_MAX_WAIT = 300.0

_Handler = Callable[[Incoming], "Outcome | Reply"]


class ControlledFake(DashboardSource, Protocol):
    """What the control API drives (what the dashboard reads, and more): ``FakeMissions``,
    which it never imports."""

    @property
    def url(self) -> str: ...
    @property
    def runs(self) -> list[MissionRun]: ...
    def reset(self, **options: Unpack[ResetOptions]) -> None: ...
    def load_state(self, doc_or_path: StateSource) -> None: ...
    def run_updates(self, run_id: str | None = None) -> list[RunUpdate]: ...
    def check(self) -> None: ...
    def add_fault(
        self,
        operation: Operations,
        *faults: Fault,
        times: int | None = ...,
        run_id: str | None = ...,
    ) -> FaultRule: ...
    def clear_faults(self) -> None: ...
    def wait_for(
        self, predicate_or_operation: OperationName, *, timeout: float = ..., **fields: Any
    ) -> RecordedCall: ...


class ControlApp:
    """The WSGI app of ``/_fake/...``: reset, journal, runs and fault rules of one fake."""

    def __init__(self, fake: ControlledFake, operations: Iterable[Operation] = ()) -> None:
        self._fake = fake
        # What GET /_fake/wait may match on, per operation: its path's ids and its body's fields.
        self._wait_keys: dict[str, tuple[str, ...] | None] = {
            operation.name: operation.matchable for operation in operations
        }
        self._routes: dict[str, dict[str, _Handler]] = {
            "/_fake/health": {"GET": self._health},
            "/_fake/reset": {"POST": self._reset},
            "/_fake/state": {"GET": self._state, "PUT": self._load_state},
            "/_fake/requests": {"GET": self._requests},
            "/_fake/run-updates": {"GET": self._run_updates},
            "/_fake/runs": {"GET": self._runs},
            "/_fake/faults": {
                "GET": self._faults,
                "POST": self._add_fault,
                "DELETE": self._clear_faults,
            },
            "/_fake/faults/{number}": {"DELETE": self._remove_fault},
            "/_fake/check": {"GET": self._check},
            "/_fake/wait": {"GET": self._wait},
            "/_fake/ui": {"GET": self._ui},
            "/_fake/ui/data": {"GET": self._ui_data},
            **{f"/_fake/ui/{name}": {"GET": self._ui_asset} for name in ASSETS},
        }
        for path, arrange in arranging_routes(fake).items():
            self._routes.setdefault(path, {})["POST"] = arrange
        self._changes_refused = ""

    def add_route(self, path: str, method: str, handler: _Handler) -> None:
        """Serve ``method path`` with ``handler`` too (the checking proxy's ``GET /_fake/live``)."""
        self._routes.setdefault(path, {})[method] = handler

    def refuse_changes(self, reason: str) -> None:
        """Answer each request but a ``GET`` ``409`` from now on, saying ``reason`` (the
        checking proxy: its fake holds only what the client's requests made)."""
        self._changes_refused = reason

    def answer(self, environ: WSGIEnvironment) -> Reply:
        """Answer a request mounted under ``/_fake`` (see ``Dispatcher.mount``)."""
        return self.handle(Incoming(environ))

    def handle(self, request: Incoming) -> Reply:
        try:
            served_url = self._fake.url
        except RuntimeError:  # stopping: the server still answers what it already accepted
            return to_reply(Outcome(503, {"error": "The fake is stopping."}))
        refusal = _foreign_caller(request, served_url)
        if refusal:
            return to_reply(Outcome(403, {"error": refusal}))
        methods = self._routes.get(_route_of(request.path))
        if methods is None:
            known = ", ".join(f"{' '.join(m)} {path}" for path, m in self._routes.items())
            message = f"The fake has no control route {request.path}. Control routes: {known}."
            return to_reply(Outcome(404, {"error": message}))
        handler = methods.get(request.method)
        if handler is None:
            allow = ", ".join(methods)
            message = f"{request.method} {request.path} is not allowed; use {allow}."
            return to_reply(Outcome(405, {"error": message}, {"allow": allow}))
        if self._changes_refused and request.method != "GET":
            message = f"{request.method} {request.path} is refused: {self._changes_refused}"
            return to_reply(Outcome(409, {"error": message}))
        try:
            answer = handler(request)
            return answer if isinstance(answer, Reply) else to_reply(answer)
        except BadRequest as error:
            return to_reply(Outcome(400, {"error": str(error)}))
        except Exception as error:  # noqa: BLE001 - logged here, never sent
            # The traceback names the install's files: it stays on the server's stderr.
            where = f"{request.method} {request.path}"
            print(f"The fake's control API failed on {where}:", file=sys.stderr)
            print(traceback.format_exc(), end="", file=sys.stderr, flush=True)
            message = (
                f"The fake's control API failed on {where} ({type(error).__name__}); "
                "the details are on the fake's stderr."
            )
            return to_reply(Outcome(500, {"error": message}))

    # -- handlers ------------------------------------------------------------------------------
    def _health(self, request: Incoming) -> Outcome:
        return Outcome(200, {"status": "ok"})

    def _reset(self, request: Incoming) -> Outcome:
        keys = ", ".join(OPTION_NAMES_IN_ORDER)
        given = json_object(request.body, "reset body", keys)
        unknown = unknown_names(given, OPTION_NAMES)
        if unknown:
            problems = "; ".join(f"{key}: unknown key" for key in unknown)
            raise BadRequest(f"Invalid reset body: {problems}. It takes the keys {keys}.")
        strictly = [_strict_problem(key, value) for key, value in given.items()]
        if any(strictly):
            problems = "; ".join(problem for problem in strictly if problem)
            raise BadRequest(f"Invalid reset body: {problems}. It takes the keys {keys}.")
        if not isinstance(given.get("state"), (dict, type(None))):
            # A path would name a file on the server's machine: only a document is taken.
            raise BadRequest("Invalid reset body: state: a state document (an object) or null.")
        try:
            # A key left out keeps what the fake was started with (or the state loaded since).
            self._fake.reset(**given)
        except ValueError as error:  # FakeConfig's message, as every entry point gives it
            raise BadRequest(f"Invalid reset body: {error}. It takes the keys {keys}.") from error
        return Outcome(204, None)

    def _state(self, request: Incoming) -> Outcome:
        return Outcome(200, self._fake.dump_state())

    def _load_state(self, request: Incoming) -> Outcome:
        doc = state_document(request.body)
        try:
            self._fake.load_state(doc)
        except ValueError as error:
            raise BadRequest(str(error)) from error
        return Outcome(204, None)

    def _requests(self, request: Incoming) -> Outcome:
        offset, limit = page_query(request.query)
        return Outcome(200, requests_page(self._fake, offset, limit))

    def _run_updates(self, request: Incoming) -> Outcome:
        updates = [
            {
                "mission_id": update.mission_id,
                "run_id": update.run_id,
                "fields": update.fields,
                "status_code": update.status_code,
                "applied": update.applied,
                "fault": update.fault,
            }
            for update in self._fake.run_updates((request.query.get("run_id") or [""])[-1] or None)
        ]
        return Outcome(200, {"data": updates})

    def _check(self, request: Incoming) -> Outcome:
        # Always 200: the check ran; whether the fake is happy is the answer's content.
        try:
            self._fake.check()
        except AssertionError as problems:
            return Outcome(200, {"ok": False, "problems": str(problems)})
        return Outcome(200, {"ok": True, "problems": ""})

    def _wait(self, request: Incoming) -> Outcome:
        """``wait_for`` over HTTP, for a worker in another process: ``?operation=update_run
        &timeout=5`` plus fields the call must have sent or have in its path (``run_id=...``)."""
        query = {key: values[-1] for key, values in request.query.items()}
        operation = query.pop("operation", None)
        if not operation:
            raise BadRequest("GET /_fake/wait needs ?operation=<operation name>")
        try:
            timeout = float(query.pop("timeout", DEFAULT_WAIT_TIMEOUT))
        except ValueError as error:
            raise BadRequest("timeout must be a number of seconds") from error
        if not 0 <= timeout <= _MAX_WAIT:
            raise BadRequest(f"timeout must be 0-{_MAX_WAIT:g} seconds, got {timeout:g}")
        if operation not in OPERATION_NAMES:
            raise BadRequest(f"GET /_fake/wait: {unknown_operation(operation)}")
        known = self._wait_keys.get(operation)
        if known is None:  # any field it sent may be waited for, but never wait_for's own names
            if reserved := sorted(set(query) & WAIT_PARAMETERS):
                raise BadRequest(
                    f"GET /_fake/wait: {', '.join(map(repr, reserved))} cannot be waited for "
                    "(wait_for's own parameter names)."
                )
        elif unknown := unknown_names(query, known):
            raise BadRequest(
                f"GET /_fake/wait: {unknown_fields_problem(operation, unknown, known)} Besides "
                "them, it takes operation and timeout."
            )
        try:
            call = self._fake.wait_for(operation, timeout=timeout, **query)  # type: ignore[arg-type]
        except ValueError as error:  # an operation name that does not exist
            raise BadRequest(str(error)) from error
        except AssertionError as missed:
            return Outcome(408, {"error": str(missed)})
        return Outcome(
            200,
            {
                "data": {
                    "operation": call.operation,
                    "path_params": dict(call.path_params),
                    "fields": call.fields,
                    "status_code": call.status_code,
                    "applied": call.applied,
                }
            },
        )

    def _ui(self, request: Incoming) -> Reply:
        return page_reply()

    def _ui_asset(self, request: Incoming) -> Reply:
        return asset_reply(request.path.rpartition("/")[2])  # only a routed name gets here

    def _ui_data(self, request: Incoming) -> Outcome:
        query = {key: values[-1] for key, values in request.query.items()}
        since = journal_number(query.get("since", "0"), "since")
        data = dashboard_data(self._fake, since=since, last=query.get("last"), limit=MAX_PAGE_SIZE)
        return Outcome(200, data)

    def _runs(self, request: Incoming) -> Outcome:
        return Outcome(200, {"data": [run.model_dump(mode="json") for run in self._fake.runs]})

    def _faults(self, request: Incoming) -> Outcome:
        return Outcome(200, {"data": [rule_json(rule) for rule in self._fake.faults]})

    def _add_fault(self, request: Incoming) -> Outcome:
        keys = ", ".join(f.name for f in fields(Fault))
        body = parse(
            request,
            FaultRuleBody,
            "fault rule",
            f"operation, times, run_id, faults (a list of objects with {keys})",
        )
        try:
            rule = self._fake.add_fault(
                body.operation, *body.faults, times=body.times, run_id=body.run_id
            )
        except ValueError as error:
            raise BadRequest(f"Invalid fault rule: {error}") from error
        return Outcome(201, {"data": rule_json(rule)})

    def _clear_faults(self, request: Incoming) -> Outcome:
        self._fake.clear_faults()
        return Outcome(204, None)

    def _remove_fault(self, request: Incoming) -> Outcome:
        given = request.path.rpartition("/")[2]
        number = rule_number(given)
        rules = self._fake.faults
        chosen = [rule for rule in rules if rule.number == number]
        if not chosen:
            numbers = ", ".join(str(rule.number) for rule in rules) or "none"
            message = f"There is no fault rule number {given!r}. Rule numbers: {numbers}."
            return Outcome(404, {"error": message})
        chosen[0].remove()
        return Outcome(204, None)


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "seed": (int,),
    "runs": (int,),
    "missions": (int,),
    "strict_transitions": (bool,),
    "auto_create": (bool,),
    "clock": (str, type(None)),
}
_JSON_TYPE_NAMES = {int: "a valid integer", bool: "a valid boolean", str: "a valid string"}


def _strict_problem(key: str, value: object) -> str:
    """Why a reset body's value has the wrong JSON type, or '' (as strict as the fault body:
    ``"3"`` or ``1.0`` is not a seed, nor ``"yes"`` or ``1`` a boolean)."""
    wanted = _JSON_TYPES.get(key)
    if wanted is None:
        return ""
    # bool is an int in Python, not in JSON: true is no seed, and 1 no boolean.
    if isinstance(value, wanted) and (type(value) is bool) == (bool in wanted):
        return ""
    return f"{key}: Input should be {_JSON_TYPE_NAMES[wanted[0]]} (got {value!r})"


def _foreign_caller(request: Incoming, served_url: str) -> str:
    """Why a control request must be refused as coming from a web page, or ''.

    A page in the user's browser can POST to the fake (a "simple" cross-site request needs no
    preflight), and with DNS rebinding read its answers; its requests carry a ``Host`` naming the
    attacker's domain, or an ``Origin`` naming the page's site. Tests, curl and the SDKs send
    the fake's own address and no ``Origin``.
    """
    served = urlsplit(served_url)
    port = served.port
    own = {served.netloc.lower(), f"localhost:{port}"}
    host = (request.header("host") or "").strip().lower()
    # Served on every interface (allow_remote, warned about): the machine's own addresses are not
    # known here, so any Host naming the right port passes.
    wildcard = served.hostname in ("0.0.0.0", "::")
    if not host:
        return _refusal("it has no Host header", own)
    if host not in own and not (wildcard and host.rpartition(":")[2] == str(port)):
        return _refusal(f"it is addressed to Host {host!r}", own)
    origin = request.header("origin")
    if origin is not None and origin.lower() not in {f"http://{name}" for name in own}:
        return _refusal(f"it comes from a web page at Origin {origin!r}", own)
    return ""


def _refusal(why: str, own: set[str]) -> str:
    addresses = " or ".join(f"http://{name}" for name in sorted(own))
    return (
        f"The control API refused this request: {why}. It answers only requests addressed to "
        f"{addresses} with no Origin from another site, so that a web page open in a browser "
        "cannot reset the fake, add fault rules or read the recorded requests."
    )


def _route_of(path: str) -> str:
    """The route a control path takes: ``/_fake/faults/3`` is ``/_fake/faults/{number}``."""
    head, _, last = path.rpartition("/")
    return f"{head}/{{number}}" if head == "/_fake/faults" and last else path
