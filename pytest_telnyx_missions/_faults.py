"""Fault rules: match a request, then answer an error, wait, drop or garble.

A rule is consulted by the request pipeline after routing and auth, once the path ids are
canonical and the body is parsed (see ``_app``). It fires once per matching request, answering
with its faults in order; when they are used up the requests it matched are served normally.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ._fault_answers import Firing, generated_errors
from ._fault_options import Fault, FaultOptions
from ._journal import canonical_id

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._app import Operation

__all__ = ["Fault", "FaultControls", "FaultOptions", "FaultRegistry", "FaultRule"]

Predicate = Callable[[Any], bool]


class FaultRule:
    """A registered rule: which requests it matches and the faults it answers them with."""

    def __init__(
        self,
        number: int,
        operation: str,
        faults: Sequence[Fault],
        *,
        times: int | None,
        run_id: str | None,
        when: Predicate | None,
        strict: bool,
    ) -> None:
        self.number = number
        self.operation = operation
        self.faults = tuple(faults)
        self.times = times
        self.run_id = None if run_id is None else canonical_id(str(run_id))
        self.when = when
        self.strict = strict
        self.fired = 0
        """How many requests this rule has answered so far."""

    @property
    def total(self) -> int | None:
        """How many requests the rule answers in all (None: every matching one)."""
        return None if self.times is None else self.times * len(self.faults)

    @property
    def exhausted(self) -> bool:
        return self.total is not None and self.fired >= self.total

    def matches(self, operation: str, params: Mapping[str, str], sent: Any) -> bool:
        if self.exhausted or operation != self.operation:
            return False
        if self.run_id is not None and params.get("run_id") != self.run_id:
            return False
        return self.when is None or (sent is not None and bool(self.when(sent)))

    def take(self) -> tuple[Fault, int]:
        fault = self.faults[self.fired % len(self.faults)]
        self.fired += 1
        return fault, self.fired

    def __str__(self) -> str:
        scope = [f"run {self.run_id}"] if self.run_id else []
        if self.when is not None:
            scope.append(f"when {getattr(self.when, '__name__', repr(self.when))}")
        where = f" ({', '.join(scope)})" if scope else ""
        return f"fault rule #{self.number} on {self.operation}{where}"

    def __repr__(self) -> str:
        times = "" if self.times == 1 else f", times={self.times}"
        faults = ", ".join(map(repr, self.faults))
        return f"<FaultRule #{self.number} {self.operation!r}: {faults}{times}, fired={self.fired}>"


class FaultRegistry:
    """The fake's rules, in the order they were added; consulted under the fake's lock."""

    def __init__(self, lock: threading.RLock, operations: Iterable[Operation]) -> None:
        self._lock = lock
        self._operations = {operation.name: operation for operation in operations}
        self._rules: list[FaultRule] = []
        self._added = 0
        self._released = threading.Event()

    def add(
        self,
        operation: str,
        faults: Sequence[Fault],
        *,
        times: int | None,
        run_id: str | None,
        when: Predicate | None,
        strict: bool,
    ) -> FaultRule:
        known = self._operations.get(operation)
        if known is None:
            names = ", ".join(sorted(self._operations))
            raise ValueError(f"Unknown operation {operation!r}; known operations: {names}")
        if not faults:
            raise ValueError("Give at least one Fault(...) to answer with")
        if times is not None and (
            not isinstance(times, int) or isinstance(times, bool) or times < 1
        ):
            raise ValueError(f"times must be >= 1 (or None for every request), got {times}")
        for fault in faults:
            if fault.status == 422 and fault.detail is None:
                generated_errors(known, None, fault.field)  # an unknown field fails here, now
        with self._lock:
            self._added += 1
            rule = FaultRule(
                self._added, operation, faults, times=times, run_id=run_id, when=when, strict=strict
            )
            self._rules.append(rule)
            return rule

    def fire(self, operation: Operation, params: Mapping[str, str], sent: Any) -> Firing | None:
        """The first live rule matching the request, fired (counted); None when none matches."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(operation.name, params, sent):
                    fault, count = rule.take()
                    return Firing(rule, fault, count, operation, dict(params), sent, self._released)
        return None

    def clear(self) -> None:
        """Forget every rule and end the delays still pending (their test is over)."""
        with self._lock:
            self._rules = []
            self._added = 0
            self._released.set()
            self._released = threading.Event()

    @property
    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)


class FaultControls:
    """``fail_next`` and ``add_fault`` (mixed into ``FakeMissions``, which owns ``_faults``)."""

    _faults: FaultRegistry

    def add_fault(
        self,
        operation: str,
        *faults: Fault,
        times: int | None = 1,
        run_id: str | None = None,
        when: Predicate | None = None,
        strict: bool = False,
    ) -> FaultRule:
        """Answer the next requests of ``operation`` with ``faults``, one each, in order.

        The sequence is used ``times`` times (None: for every matching request), then requests
        are served normally. ``run_id`` and ``when`` (called with the parsed JSON body; a request
        without one does not match) narrow the match. With ``strict=True`` the test fails at
        teardown unless every answer was used. Rules are tried in the order they were added;
        the first match with answers left fires.
        """
        return self._faults.add(
            operation, faults, times=times, run_id=run_id, when=when, strict=strict
        )

    def fail_next(
        self,
        operation: str,
        *,
        times: int | None = 1,
        run_id: str | None = None,
        when: Predicate | None = None,
        strict: bool = False,
        **fault: Unpack[FaultOptions],
    ) -> FaultRule:
        """Answer the next ``times`` matching requests with one fault, e.g. ``status=503``."""
        return self.add_fault(
            operation, Fault(**fault), times=times, run_id=run_id, when=when, strict=strict
        )

    @property
    def faults(self) -> list[FaultRule]:
        """The fault rules added since the last reset, in order, with how often each fired."""
        return self._faults.rules

    def _unused_fault_problems(self) -> str:
        """What the teardown check reports about ``strict`` rules with answers left, or ''."""
        lines = [
            f"- {rule}: fired {rule.fired} of {rule.total or 'at least 1'} times; "
            f"answers: {'; '.join(map(str, rule.faults))}"
            for rule in self._faults.rules
            if rule.strict and (rule.fired == 0 or (rule.total and rule.fired < rule.total))
        ]
        if not lines:
            return ""
        return "\n".join(
            [
                "Strict fault rules did not fire as often as expected:",
                *lines,
                'See "Simulating failures" in the README of pytest-telnyx-missions.',
            ]
        )
