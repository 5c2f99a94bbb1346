"""Calls of every operation: the typed list, the status history, and their assertion helpers.

``FakeMissions`` holds one :class:`CallChecks` and hands these methods on; the messages come from
the one diff engine (``diff``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from .._api.models import canonical_id
from .._config import named_with_hints, unknown_names
from .._journal.calls import (
    CallList,
    OperationName,
    RecordedCall,
    StatusChange,
    calls_in,
    checked_operation,
    status_calls,
    status_changes,
)
from .._journal.recording import Journal
from .diff import describe, fields_text, matches, miss_message, plural, shown_fields
from .fields import FieldsOf, check_fields

__all__ = ["CallChecks", "called_operations", "never_called", "path_ids"]


class CallChecks:
    """``calls``, ``status_history``, ``assert_called`` and friends, asked of the journal.

    ``run_ids`` lists the fake's runs now (a message says when the run asked about is unknown);
    ``fields_of`` each operation's fields (one it does not have is a ``TypeError``).
    """

    def __init__(
        self,
        journal: Journal,
        run_ids: Callable[[], Collection[str]],
        fields_of: FieldsOf,
        path_ids_of: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self._journal = journal
        self._run_ids = run_ids
        self._fields_of = fields_of
        self._path_ids_of = path_ids_of or {}

    def calls(self, /, operation: OperationName | None = None, **path_params: str) -> CallList:
        """Every call of ``operation`` (or of any operation) in arrival order, rejected ones
        included, optionally only those with these ids in their path (``run_id=...``)."""
        if operation is not None:
            checked_operation(operation)
        if path_params and self._path_ids_of:
            self._check_path_ids(operation, path_params)
        if "run_id" in path_params:  # the journal's indexes: no scan of every request
            path_params = dict(path_params)
            entries = self._journal.of_run(path_params.pop("run_id"))
        elif operation is not None:
            entries = self._journal.of_operation(operation)
        else:
            entries = self._journal.entries
        return calls_in(entries, operation, path_params)

    def _check_path_ids(self, operation: str | None, given: Collection[str]) -> None:
        """A key no path of ``operation`` (or of any operation) has could never match: a
        ``TypeError`` naming the ids it has, as the assertions refuse a field."""
        __tracebackhide__ = True
        known = (
            self._path_ids_of.get(operation, ())
            if operation is not None
            else list(dict.fromkeys(name for ids in self._path_ids_of.values() for name in ids))
        )
        unknown = unknown_names(given, known)
        if not unknown:
            return
        names = f"{'id' if len(unknown) == 1 else 'ids'} {named_with_hints(unknown, known)}"
        problem = (
            f"the path of {operation} has no {names}; "
            + (f"the ids it has: {', '.join(known)}" if known else "it has no ids")
            if operation is not None
            else f"no operation's path has the {names}; the ids paths have: {', '.join(known)}"
        )
        raise TypeError(
            f"calls: {problem} (calls() matches ids in the path; assert_called matches the "
            "body's fields too)."
        )

    def status_history(self, run_id: str) -> list[StatusChange]:
        """Every applied change of the run's status, in order, each with the call that made it:
        a PATCH that sent a status, ``pause_run``, ``resume_run``, ``cancel_run``."""
        return status_changes(status_calls(self._journal.of_run(run_id)))

    def assert_called(
        self, /, operation: OperationName, *, times: int | None = None, **fields: Any
    ) -> CallList:
        """Some applied call of ``operation`` (exactly ``times`` of them, when given) sent at
        least ``fields`` (ids in the path count as fields); returns the matching calls."""
        __tracebackhide__ = True
        checked_operation(operation)
        check_fields("assert_called", operation, fields, self._fields_of)
        shown = shown_fields(fields)
        numbered = list(enumerate(self.calls(operation), 1))
        found = [(n, call) for n, call in numbered if call.applied and matches(call, fields)]
        if (times is None and found) or len(found) == times:
            return CallList(call for _, call in found)
        if found:
            numbers = ", ".join(f"#{number}" for number, _ in found)
            what = (
                f"{len(found)} applied calls of {operation} ({numbers}) matched the expected "
                f"fields; expected {times}."
            )
        else:
            expectation = "" if times is None else f"; expected {times}"
            what = f"no applied call of {operation} matched the expected fields{expectation}."
        raise AssertionError(
            miss_message(
                f"assert_called: {what}",
                shown,
                numbered,
                fields,
                listed=f"Calls of {operation}",
                label=path_ids,
                otherwise=never_called(operation, self.calls()) if not numbered else (),
            )
        )

    def assert_not_called(self, /, operation: OperationName, **fields: Any) -> None:
        """No applied call of ``operation`` (that sent these ``fields``, when given).

        Rejected calls do not count (the fake changed nothing); ``calls()`` lists them.
        """
        __tracebackhide__ = True
        checked_operation(operation)
        check_fields("assert_not_called", operation, fields, self._fields_of)
        numbered = list(enumerate(self.calls(operation), 1))
        found = [(n, call) for n, call in numbered if call.applied and matches(call, fields)]
        if not found:
            return
        which = f" matching {fields_text(shown_fields(fields))}" if fields else ""
        lines = [
            f"assert_not_called: expected no applied call of {operation}{which}, "
            f"but {plural(len(found), 'call')} came:",
            *(describe(number, call, path_ids(call)) for number, call in found),
        ]
        raise AssertionError("\n".join(lines))

    def assert_event_logged(self, /, run_id: str, **fields: Any) -> RecordedCall:
        """Some applied ``log_event`` of ``run_id`` sent at least ``fields`` (``type=...``,
        ``summary=...``); returns the first such call."""
        __tracebackhide__ = True
        return self._assert_run_call("assert_event_logged", "log_event", run_id, fields)

    def assert_plan_step_updated(self, /, run_id: str, step_id: str, **fields: Any) -> RecordedCall:
        """Some applied ``update_plan_step`` of that step sent at least ``fields``
        (``status=...``); returns the first such call."""
        __tracebackhide__ = True
        expected = {"step_id": step_id, **fields}
        return self._assert_run_call(
            "assert_plan_step_updated", "update_plan_step", run_id, expected
        )

    # -- shared ----------------------------------------------------------------------------
    def _assert_run_call(
        self, helper: str, operation: OperationName, run_id: str, fields: Mapping[str, Any]
    ) -> RecordedCall:
        __tracebackhide__ = True
        check_fields(helper, operation, fields, self._fields_of)
        shown = shown_fields(fields)
        run = canonical_id(str(run_id))
        numbered = list(enumerate(self.calls(operation, run_id=run), 1))
        for _, call in numbered:
            if call.applied and matches(call, fields):
                return call
        raise AssertionError(
            miss_message(
                f"{helper}: no applied {operation} call of run {run} matched the expected fields.",
                shown,
                numbered,
                fields,
                listed=f"{operation} calls of run {run}",
                otherwise=self._runs_that_got(operation, run) if not numbered else (),
            )
        )

    def _runs_that_got(self, operation: OperationName, run: str) -> list[str]:
        lines = [f"Run {run} got no {operation} calls at all (applied or rejected)."]
        if run not in self._run_ids():
            lines[0] += " The fake has no run with this id."
        others: dict[str, list[RecordedCall]] = {}
        for call in self.calls(operation):
            others.setdefault(call.run_id or "", []).append(call)
        if not others:
            lines.append(f"No run got any {operation} call.")
            return lines
        lines.append(f"Runs that did get {operation} calls:")
        for other, calls in others.items():
            applied = sum(call.applied for call in calls)
            lines.append(
                f"  {other} (mission {calls[0].mission_id}): {plural(len(calls), 'call')}, "
                f"{applied} applied, {len(calls) - applied} rejected"
            )
        return lines


def path_ids(call: RecordedCall) -> str:
    """The ids in a call's path but the mission's, so calls of several runs tell apart."""
    ids = [f"{key}={value}" for key, value in call.path_params.items() if key != "mission_id"]
    return f"[{', '.join(ids)}] " if ids else ""


def called_operations(calls: CallList) -> str:
    if not calls:
        return "No operation was called."
    counts: dict[str, int] = {}
    for call in calls:
        counts[call.operation] = counts.get(call.operation, 0) + 1
    listed = ", ".join(f"{name} ({count})" for name, count in counts.items())
    return f"Operations that were called: {listed}"


def never_called(operation: str, calls: CallList) -> list[str]:
    """What a message says when ``operation`` got no call at all."""
    return [f"{operation} was never called (applied or rejected).", called_operations(calls)]
