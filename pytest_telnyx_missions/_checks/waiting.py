"""Waiting for a call made on another thread, task or process, and the fake's own ``check()``
(mixed into ``FakeMissions``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

from .._journal.calls import OperationName, RecordedCall, calls_in, checked_operation
from .assertions import describe, fields_text, matches, nearest_first, shown_fields
from .call_assertions import called_operations, path_ids

if TYPE_CHECKING:
    from .._journal.recording import Journal
    from .._state.store import Store

__all__ = ["DEFAULT_WAIT_TIMEOUT", "Verification"]

DEFAULT_WAIT_TIMEOUT = 5.0
_LISTED_CALLS = 20

CallPredicate = Callable[[RecordedCall], object]


class Verification:
    """``wait_for``, ``wait_for_async``, ``check`` and ``dropped_requests``."""

    if TYPE_CHECKING:
        _journal: Journal
        _store: Store

        def _unhandled_problems(self) -> str: ...

        def _unused_fault_problems(self) -> str: ...

        def _user_handler_problems(self) -> str: ...

    @property
    def dropped_requests(self) -> int:
        """How many of the oldest entries the journal dropped to keep within ``journal_limit``."""
        return self._journal.dropped

    def wait_for(
        self,
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

    def check(self, *, unhandled: bool = True) -> None:
        """Raise ``AssertionError`` saying what went wrong, as the plugin's teardown check does:
        requests the fake could not serve (``unhandled=False`` leaves those out), internal errors,
        and strict fault rules that did not fire as often as expected. Returns None when all is
        well; usable outside pytest (``unittest``, scripts)."""
        __tracebackhide__ = True
        problems = self._problems_text(unhandled=unhandled)
        if problems:
            raise AssertionError(problems)

    def _run_statuses(self) -> dict[str, str]:
        """Each run's status now, cheaply (no copies): where a failing test's timeline starts."""
        with self._store.lock:
            return {run_id: run.status for run_id, run in self._store.runs.items()}

    def _problems_text(self, *, unhandled: bool = True) -> str:
        """What :meth:`check` raises, or ``""`` when all is well."""
        sections = []
        if unhandled and (found := self._unhandled_problems()):
            sections.append(f"{found}\n{SWITCH_OFF_HINT}")
        if unhandled and (found := self._user_handler_problems()):
            sections.append(f"{found}\n{SWITCH_OFF_HINT}")
        if unused := self._unused_fault_problems():
            sections.append(unused)
        if sections and self._journal.dropped:
            sections.append(
                f"({self._journal.dropped} older requests were dropped from the journal "
                f"(journal_limit={self._journal.limit}) and were not checked.)"
            )
        return "\n\n".join(sections)

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
        if predicate is None:
            lines = [
                f"wait_for: no applied call of {operation} matched the expected fields {within}.",
                f"Expected: {fields_text(shown)}",
            ]
            if numbered:
                lines.append(
                    f"Calls of {operation} ({len(numbered)} recorded), nearest miss first:"
                )
                lines.extend(nearest_first(numbered, fields, shown, path_ids))
            else:
                lines.append(f"{operation} was never called (applied or rejected).")
                lines.append(called_operations(calls_in(self._journal.entries)))
        else:
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


SWITCH_OFF_HINT = (
    "If the test sends these on purpose, switch the check off for it (or its module) with "
    "@pytest.mark.telnyx_missions(check_unhandled=False); see the README section 'Teardown checks'."
)
