"""Waiting for a call made on another thread, task or process, asked of the journal."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, NoReturn

from .._journal.calls import OperationName, RecordedCall, calls_in, checked_operation
from .._journal.recording import Journal
from .call_assertions import never_called, path_ids
from .diff import describe, fields_text, matches, miss_message, shown_fields

__all__ = ["DEFAULT_WAIT_TIMEOUT", "Waiting"]

DEFAULT_WAIT_TIMEOUT = 5.0
_LISTED_CALLS = 20

CallPredicate = Callable[[RecordedCall], object]


class Waiting:
    """``wait_for`` and ``wait_for_async``: woken by the journal on every record."""

    def __init__(self, journal: Journal) -> None:
        self._journal = journal

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
        """
        __tracebackhide__ = True
        if isinstance(predicate_or_operation, str):
            operation: str | None = checked_operation(predicate_or_operation)
            predicate = None
        else:
            operation, predicate = None, predicate_or_operation

        def wanted(call: RecordedCall) -> bool:
            if predicate is not None:
                return bool(predicate(call)) and matches(call, fields)
            return call.applied and matches(call, fields)

        deadline = time.monotonic() + timeout
        while True:
            # The predicate (user code) runs outside the lock: it may ask the fake anything.
            marker, entries = self._journal.snapshot()
            for call in calls_in(entries, operation):
                if wanted(call):
                    return call
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._journal.wait_after(marker, remaining):
                break
        self._fail_wait(operation, predicate, fields, timeout)

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

        return await asyncio.to_thread(
            self.wait_for, predicate_or_operation, timeout=timeout, **fields
        )

    def _fail_wait(
        self,
        operation: str | None,
        predicate: CallPredicate | None,
        fields: dict[str, Any],
        timeout: float,
    ) -> NoReturn:
        __tracebackhide__ = True
        shown = shown_fields(fields)
        calls = calls_in(self._journal.entries, operation)
        numbered = list(enumerate(calls, 1))
        within = f"within {timeout:g} s"
        if predicate is None and operation is not None:
            raise AssertionError(
                miss_message(
                    f"wait_for: no applied call of {operation} matched the expected fields "
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
        lines = [f"wait_for: no call satisfied <predicate {name}>{extra} {within}."]
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
