"""Waiting for a call made on another thread, task or process, asked of the journal."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from .._journal.calls import OperationName, RecordedCall, calls_in, checked_operation
from .._journal.recording import Journal
from .call_assertions import never_called, path_ids
from .diff import describe, fields_text, matches, miss_message, shown_fields
from .fields import FieldsOf, check_fields

__all__ = ["DEFAULT_WAIT_TIMEOUT", "Waiting"]

DEFAULT_WAIT_TIMEOUT = 5.0
_LISTED_CALLS = 20

CallPredicate = Callable[[RecordedCall], object]


@dataclass(frozen=True)
class _Wanted:
    """What one ``wait_for`` call waits for, checked before any waiting."""

    helper: str
    operation: str | None
    predicate: CallPredicate | None
    fields: dict[str, Any]

    def __call__(self, call: RecordedCall) -> bool:
        __tracebackhide__ = True  # a predicate that raises: its frame is the one to read
        if self.predicate is not None:
            return bool(self.predicate(call)) and matches(call, self.fields)
        return call.applied and matches(call, self.fields)


class Waiting:
    """``wait_for`` and ``wait_for_async``: woken by the journal on every record.

    ``fields_of`` gives each operation's fields: one it does not have is refused before waiting.
    """

    def __init__(self, journal: Journal, fields_of: FieldsOf) -> None:
        self._journal = journal
        self._fields_of = fields_of

    def wait_for(
        self,
        /,
        predicate_or_operation: OperationName | CallPredicate,
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        **fields: Any,
    ) -> RecordedCall:
        """The first call that matches, as soon as it is recorded (already recorded ones count).

        With an operation name, the first *applied* call of it that sent at least ``fields``; with
        a predicate, the first call (applied or not) for which ``predicate(call)`` is truthy and
        that sent ``fields``. After ``timeout`` seconds without one, fails like ``assert_called``.
        An unknown operation is a ``ValueError``, a field the operation does not have a
        ``TypeError``, both raised at once, before any waiting.
        """
        __tracebackhide__ = True
        wanted = self._wanted("wait_for", predicate_or_operation, fields)
        found = self._first(wanted, timeout)
        if found is None:
            self._fail_wait(wanted, timeout)
        return found

    async def wait_for_async(
        self,
        /,
        predicate_or_operation: OperationName | CallPredicate,
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        **fields: Any,
    ) -> RecordedCall:
        """``wait_for`` for asyncio code: the event loop keeps running while it waits."""
        __tracebackhide__ = True
        import asyncio  # only for async tests: the standalone server never waits this way

        wanted = self._wanted("wait_for_async", predicate_or_operation, fields)
        # The wait runs on a worker thread, but whatever it ends in is raised here, in the
        # awaiting frame: the traceback a test shows is its own, not asyncio's executor's.
        found = await asyncio.to_thread(self._first_or_error, wanted, timeout)
        if isinstance(found, Exception):
            raise found
        if found is None:
            self._fail_wait(wanted, timeout)
        return found

    def _wanted(
        self, helper: str, predicate_or_operation: str | CallPredicate, fields: dict[str, Any]
    ) -> _Wanted:
        __tracebackhide__ = True
        if not isinstance(predicate_or_operation, str):
            return _Wanted(helper, None, predicate_or_operation, fields)
        operation = checked_operation(predicate_or_operation)
        check_fields(helper, operation, fields, self._fields_of)
        return _Wanted(helper, operation, None, fields)

    def _first(self, wanted: _Wanted, timeout: float) -> RecordedCall | None:
        """The first call ``wanted``, or None once ``timeout`` seconds passed without one."""
        __tracebackhide__ = True
        deadline = time.monotonic() + timeout
        while True:
            # The predicate (user code) runs outside the lock: it may ask the fake anything.
            marker, entries = self._journal.snapshot()
            for call in calls_in(entries, wanted.operation):
                if wanted(call):
                    return call
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._journal.wait_after(marker, remaining):
                return None

    def _first_or_error(self, wanted: _Wanted, timeout: float) -> RecordedCall | Exception | None:
        __tracebackhide__ = True
        try:
            return self._first(wanted, timeout)
        except Exception as error:  # noqa: BLE001 - a predicate's error, raised by the awaiter
            return error

    def _fail_wait(self, wanted: _Wanted, timeout: float) -> NoReturn:
        __tracebackhide__ = True
        helper, operation, predicate, fields = (
            wanted.helper,
            wanted.operation,
            wanted.predicate,
            wanted.fields,
        )
        shown = shown_fields(fields)
        calls = calls_in(self._journal.entries, operation)
        numbered = list(enumerate(calls, 1))
        within = f"within {timeout:g} s"
        if predicate is None and operation is not None:
            raise AssertionError(
                miss_message(
                    f"{helper}: no applied call of {operation} matched the expected fields "
                    f"{within}.",
                    shown,
                    numbered,
                    fields,
                    listed=f"Calls of {operation}",
                    label=path_ids,
                    otherwise=never_called(operation, calls_in(self._journal.entries))
                    if not numbered
                    else (),
                )
            )
        name = getattr(predicate, "__qualname__", repr(predicate))
        extra = f" with {fields_text(shown)}" if fields else ""
        lines = [f"{helper}: no call satisfied <predicate {name}>{extra} {within}."]
        if not numbered:
            lines.append("No call was recorded.")
        else:
            lines.append(f"Calls recorded ({len(numbered)}), in order:")
        if len(numbered) > _LISTED_CALLS:
            lines.append(f"  ... {len(numbered) - _LISTED_CALLS} earlier calls left out")
        lines.extend(
            describe(number, call, f"{call.operation} {path_ids(call)}")
            for number, call in numbered[-_LISTED_CALLS:]
        )
        raise AssertionError("\n".join(lines))
