"""Recorded calls of every operation, typed, and the status history of a run, from the journal.

A *call* is a journal entry whose request reached an operation (routed); requests that matched no
route stay in ``requests`` only. This module sits beside the journal: it knows operation names
(a ``Literal`` a test holds equal to the route table), never the route table itself.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, cast, get_args

from .._api.models import canonical_id
from .._config import did_you_mean
from .recording import UPDATE_RUN, RecordedRequest

__all__ = [
    "OPERATION_NAMES",
    "STATUS_OPERATIONS",
    "CallList",
    "OperationName",
    "RecordedCall",
    "RunUpdate",
    "StatusChange",
    "call_of",
    "calls_in",
    "checked_operation",
    "status_calls",
    "status_changes",
    "status_of",
    "unknown_operation",
]

OperationName = Literal[
    "list_missions",
    "create_mission",
    "list_recent_events",
    "list_recent_runs",
    "get_mission",
    "update_mission",
    "delete_mission",
    "clone_mission",
    "list_knowledge_bases",
    "create_knowledge_base",
    "get_knowledge_base",
    "update_knowledge_base",
    "delete_knowledge_base",
    "list_mcp_servers",
    "create_mcp_server",
    "get_mcp_server",
    "update_mcp_server",
    "delete_mcp_server",
    "list_tools",
    "create_tool",
    "get_tool",
    "update_tool",
    "delete_tool",
    "list_runs",
    "create_run",
    "get_run",
    "update_run",
    "cancel_run",
    "pause_run",
    "resume_run",
    "list_events",
    "log_event",
    "get_event",
    "get_plan",
    "create_plan",
    "add_plan_steps",
    "get_plan_step",
    "update_plan_step",
    "list_telnyx_agents",
    "link_telnyx_agent",
    "unlink_telnyx_agent",
]
"""Every operation's name, in the route table's order (a test keeps the two equal): what the
journal, ``calls()``, the assertions and the fault rules take (``fail_next("update_run")``)."""

OPERATION_NAMES: tuple[str, ...] = get_args(OperationName)

# The status each run action sets (``_routes.runs``); a test holds this equal to what the fake does.
_STATUS_SET_BY: Mapping[str, str] = {
    "cancel_run": "cancelled",
    "pause_run": "paused",
    "resume_run": "running",
}
STATUS_OPERATIONS: frozenset[str] = frozenset({UPDATE_RUN, *_STATUS_SET_BY})
"""The operations that can change a run's status."""


_Call = TypeVar("_Call", bound="RecordedCall")


@dataclass(frozen=True)
class RecordedCall:
    """One request that reached an operation, applied or rejected."""

    operation: OperationName
    path_params: Mapping[str, str]
    """The ids in the path (``mission_id``, ``run_id``, ``step_id``...), as the fake read them."""
    fields: dict[str, Any]
    """Exactly the keys of the JSON object sent (empty when the body was none or not an object)."""
    status_code: int
    """The status answered; 0 when a fault dropped the connection or sent garbage bytes."""
    response: Any
    request: RecordedRequest

    @property
    def applied(self) -> bool:
        """True when the fake applied the call (even if a fault then lost the answer)."""
        return self.request.applied

    @property
    def fault(self) -> str | None:
        """The fault rule that answered this call, or None."""
        return self.request.fault

    @property
    def mission_id(self) -> str | None:
        return self.path_params.get("mission_id")

    @property
    def run_id(self) -> str | None:
        return self.path_params.get("run_id")

    @property
    def duration(self) -> float:
        """Seconds the answer took (see ``RecordedRequest.duration``)."""
        return self.request.duration

    @classmethod
    def from_request(cls: type[_Call], request: RecordedRequest) -> _Call:
        assert request.operation is not None, "only routed requests are calls"
        return cls(
            operation=cast(OperationName, request.operation),
            path_params=request.path_params,
            fields=request.json if isinstance(request.json, dict) else {},
            status_code=request.status_code,
            response=request.response,
            request=request,
        )


@dataclass(frozen=True)
class RunUpdate(RecordedCall):
    """One ``PATCH`` of a run (``update_run``), applied or rejected: a recorded call."""

    @property
    def mission_id(self) -> str:
        return self.path_params.get("mission_id", "")

    @property
    def run_id(self) -> str:
        return self.path_params.get("run_id", "")

    @property
    def status(self) -> Any:
        """The ``status`` field as sent, or None."""
        return self.fields.get("status")


class CallList(list[RecordedCall]):
    """Recorded calls in arrival order; a list, with the names of respx's call lists."""

    @property
    def called(self) -> bool:
        return bool(self)

    @property
    def call_count(self) -> int:
        return len(self)

    @property
    def last(self) -> RecordedCall:
        """The latest call; IndexError when there is none."""
        if not self:
            raise IndexError("no call was recorded")
        return self[-1]


@dataclass(frozen=True)
class StatusChange:
    """One applied change of a run's status, and the call that made it."""

    status: str
    operation: OperationName
    call: RecordedCall


def call_of(entry: RecordedRequest) -> RecordedCall:
    """The call a routed entry records: a :class:`RunUpdate` for a ``PATCH`` of a run."""
    if entry.operation == UPDATE_RUN:
        return RunUpdate.from_request(entry)
    return RecordedCall.from_request(entry)


def checked_operation(operation: str) -> OperationName:
    """``operation`` if it names an operation; otherwise :func:`unknown_operation`'s error."""
    __tracebackhide__ = True
    if operation in OPERATION_NAMES:
        return cast(OperationName, operation)
    raise unknown_operation(operation)


def unknown_operation(name: object, known: Collection[str] = OPERATION_NAMES) -> ValueError:
    """The one error for a name that is no operation, whichever function was given it: its
    nearest names, and where the list of every name is (never the whole list)."""
    near = did_you_mean(name, known) if isinstance(name, str) else ""
    hint = near or "no operation has a name like it."
    return ValueError(
        f"unknown operation {name!r}; {hint} Every operation is listed in the docs' "
        "reference page 'Operations' (docs/reference/operations.md)."
    )


def calls_in(
    entries: Iterable[RecordedRequest],
    operation: str | None = None,
    path_params: Mapping[str, Any] | None = None,
) -> CallList:
    """The routed entries, optionally of one operation and with these path params (ids compared
    in canonical form, so an upper-case UUID finds the call)."""
    wanted = {key: canonical_id(str(value)) for key, value in (path_params or {}).items()}
    return CallList(
        call_of(entry)
        for entry in entries
        if entry.operation is not None
        and (operation is None or entry.operation == operation)
        and all(
            canonical_id(entry.path_params.get(key, "")) == value for key, value in wanted.items()
        )
    )


def status_of(call: RecordedCall) -> str | None:
    """The status an applied call set, or None when it set none (a PATCH without a status)."""
    if not call.applied:
        return None
    if call.operation == UPDATE_RUN:
        status = call.fields.get("status")
        return None if status is None else str(status)
    return _STATUS_SET_BY.get(call.operation)


def status_changes(calls: Iterable[RecordedCall]) -> list[StatusChange]:
    """The changes of status the calls made, in order (give it one run's calls)."""
    changes = []
    for call in calls:
        status = status_of(call) if call.operation in STATUS_OPERATIONS else None
        if status is not None:
            changes.append(StatusChange(status, call.operation, call))
    return changes


def status_calls(entries: Iterable[RecordedRequest]) -> CallList:
    """The calls that can change a run's status, applied or not, in order (give it the entries
    of one run)."""
    return CallList(call_of(entry) for entry in entries if entry.operation in STATUS_OPERATIONS)
