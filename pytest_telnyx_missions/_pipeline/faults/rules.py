"""Fault rules: match a request, then answer an error, wait, drop or garble.

A rule is consulted by the request pipeline after routing and auth, once the path ids are
canonical and the body is parsed (see ``_app``). It fires once per matching request, answering
with its faults in order; when they are used up the requests it matched are served normally.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..._api.errors import NO_RETRY, ApiError, telnyx_error
from ..._api.models import canonical_id
from ..._journal.calls import unknown_operation
from .answers import Firing, check_generated_field
from .options import Fault, FaultOptions

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..operations import Operation

__all__ = [
    "EVERY_OPERATION",
    "Fault",
    "FaultOptions",
    "FaultRegistry",
    "FaultRule",
    "PredicateFailed",
]

Predicate = Callable[[Any], bool]
Operations = str | Sequence[str]
"""One operation name, several, or ``"*"``: every operation (of the run, with ``run_id``)."""
EVERY_OPERATION = "*"
_RUNS_SHOWN = 10  # in the refusal of an unknown run_id; a fake may hold thousands


class PredicateFailed(ApiError):
    """A rule's ``when=`` raised: the request is refused (never retried) and the test fails."""

    def __init__(self, rule: FaultRule) -> None:
        detail = (
            f"The when= predicate of {rule} raised an exception, so the fake could not tell "
            "whether the rule applies. Nothing was changed; the test fails at teardown with the "
            "traceback."
        )
        super().__init__(400, telnyx_error(400, detail).body, NO_RETRY)
        self.internal_error = (
            f"The when= predicate of {rule} raised (the request was answered 400 with "
            f"x-should-retry: false and changed nothing):\n{traceback.format_exc()}"
        )


class FaultRule:
    """A registered rule: which requests it matches and the faults it answers them with.

    ``fired`` counts the requests it answered; ``remove()`` takes it out of the fake.
    """

    def __init__(
        self,
        number: int,
        operations: Sequence[str],
        faults: Sequence[Fault],
        *,
        times: int | None,
        run_id: str | None,
        when: Predicate | None,
        strict: bool,
        registry: FaultRegistry,
    ) -> None:
        self.number = number
        self.operations = tuple(operations)
        self.faults = tuple(faults)
        self.times = times
        self.run_id = None if run_id is None else canonical_id(str(run_id))
        self.when = when
        self.strict = strict
        self.fired = 0
        """How many requests this rule has answered so far."""
        self._registry = registry

    @property
    def operation(self) -> str:
        """The operations the rule answers, as written in messages (``"*"`` for every one)."""
        return ", ".join(self.operations)

    @property
    def total(self) -> int | None:
        """How many requests the rule answers in all (None: every matching one)."""
        return None if self.times is None else self.times * len(self.faults)

    @property
    def exhausted(self) -> bool:
        return self.total is not None and self.fired >= self.total

    def remove(self) -> None:
        """Take the rule out: later requests are served as if it had never been added.

        Removing it again, or after the fake's reset, does nothing.
        """
        self._registry.remove(self)

    def matches(self, operation: str, params: Mapping[str, str], sent: Any) -> bool:
        if self.exhausted:
            return False
        if EVERY_OPERATION not in self.operations and operation not in self.operations:
            return False
        if self.run_id is not None and params.get("run_id") != self.run_id:
            return False
        if self.when is None:
            return True
        if sent is None:
            return False
        try:
            return bool(self.when(sent))
        except Exception as exc:  # reported with its traceback (PredicateFailed), never swallowed
            raise PredicateFailed(self) from exc

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

    def __init__(
        self,
        lock: threading.RLock,
        operations: Iterable[Operation],
        run_ids: Callable[[], Collection[str]],
    ) -> None:
        """``run_ids`` lists the fake's runs now: a rule for a run it does not know is refused."""
        self._lock = lock
        self._run_ids = run_ids
        self._operations = {operation.name: operation for operation in operations}
        self._rules: list[FaultRule] = []
        self._added = 0
        self._released = threading.Event()

    def add_fault(
        self,
        operation: Operations,
        *faults: Fault,
        times: int | None = 1,
        run_id: str | None = None,
        when: Predicate | None = None,
        strict: bool = False,
    ) -> FaultRule:
        """Answer the next requests of ``operation`` with ``faults``, one each, in order.

        ``operation`` is one name, a sequence of names, or ``"*"`` for every operation (with
        ``run_id``: every operation of that run). The sequence is used ``times`` times (None: for
        every matching request), then requests are served normally. ``run_id`` and ``when``
        (called with the parsed JSON body; a request without one does not match) narrow the
        match; a ``run_id`` the fake does not know, or one given for an operation that never
        concerns a run, raises ``ValueError``. With ``strict=True`` the test fails at teardown
        unless every answer was used. Rules are tried in the order they were added; the first
        match with answers left fires. Returns the rule (``.fired``, ``.remove()``).
        """
        __tracebackhide__ = True  # a refusal points at the user's call
        names = self._operation_names(operation)
        if not faults:
            raise ValueError("Give at least one Fault(...) to answer with")
        if times is not None and (
            not isinstance(times, int) or isinstance(times, bool) or times < 1
        ):
            raise ValueError(f"times must be >= 1 (or None for every request), got {times!r}")
        if when is not None and not callable(when):
            raise ValueError(f"when must be a callable taking the JSON body, got {when!r}")
        every = EVERY_OPERATION in names
        chosen = list(self._operations.values()) if every else [self._operations[n] for n in names]
        if run_id is not None:
            self._check_run(names, chosen, run_id)
        for fault in faults:
            if fault.status == 422 and fault.detail is None:
                for each in chosen:  # an unknown field fails here, now, for each operation
                    check_generated_field(each, fault.field)
        with self._lock:
            self._added += 1
            rule = FaultRule(
                self._added,
                names,
                faults,
                times=times,
                run_id=run_id,
                when=when,
                strict=strict,
                registry=self,
            )
            self._rules.append(rule)
            return rule

    # The same rule options as add_fault's, spelled again: fail_next takes the fault's own
    # options as keywords (Unpack[FaultOptions]), which a shared signature cannot express.
    def fail_next(
        self,
        operation: Operations,
        *,
        times: int | None = 1,
        run_id: str | None = None,
        when: Predicate | None = None,
        strict: bool = False,
        **fault: Unpack[FaultOptions],
    ) -> FaultRule:
        """Answer the next ``times`` matching requests with one fault, e.g. ``status=503``."""
        __tracebackhide__ = True
        return self.add_fault(
            operation, Fault(**fault), times=times, run_id=run_id, when=when, strict=strict
        )

    def clear_faults(self) -> None:
        """Remove every fault rule (and end the delays still pending); nothing else changes."""
        self.clear(renumber=False)

    def _operation_names(self, operations: Operations) -> tuple[str, ...]:
        __tracebackhide__ = True
        given = (operations,) if isinstance(operations, str) else tuple(operations)
        if not given:
            raise ValueError('Name at least one operation (or "*" for every operation)')
        for name in given:
            if not isinstance(name, str) or (
                name != EVERY_OPERATION and name not in self._operations
            ):
                raise unknown_operation(name, self._operations)
        if EVERY_OPERATION in given and len(given) > 1:
            raise ValueError('"*" already means every operation: give it alone')
        return tuple(dict.fromkeys(given))

    def _check_run(self, names: Sequence[str], chosen: Sequence[Operation], run_id: str) -> None:
        """Refuse a rule that could never fire: an unknown run, or an operation without one."""
        __tracebackhide__ = True
        without_run = [op.name for op in chosen if "{run_id}" not in op.path]
        if EVERY_OPERATION not in names and without_run:
            raise ValueError(
                f"{', '.join(without_run)} never concern{'s' if len(without_run) == 1 else ''} "
                f"a run, so a rule with run_id={run_id!r} would never fire; leave run_id out"
            )
        known = list(self._run_ids())
        if canonical_id(str(run_id)) not in known:
            shown = ", ".join(known[:_RUNS_SHOWN]) or "none"
            if len(known) > _RUNS_SHOWN:
                shown += f" and {len(known) - _RUNS_SHOWN} more"
            raise ValueError(
                f"The fake has no run {run_id!r}, so a rule for it would never fire. Known runs: "
                f"{shown} (add_run() adds one)"
            )

    def fire(self, operation: Operation, params: Mapping[str, str], sent: Any) -> Firing | None:
        """The first live rule matching the request, fired (counted); None when none matches.

        Raises ``PredicateFailed`` when a rule's ``when=`` raises.
        """
        if not self._rules:  # the common case, read without the lock: a list is replaced whole
            return None
        with self._lock:
            for rule in self._rules:
                if rule.matches(operation.name, params, sent):
                    fault, count = rule.take()
                    return Firing(rule, fault, count, operation, dict(params), sent, self._released)
        return None

    def remove(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules = [kept for kept in self._rules if kept is not rule]

    def clear(self, *, renumber: bool = True) -> None:
        """Forget every rule and end the delays still pending (their test is over)."""
        with self._lock:
            self._rules = []
            if renumber:
                self._added = 0
            self._released.set()
            self._released = threading.Event()

    def end_delays(self) -> None:
        """End the delays pending now (their test is over, or the server stops); rules stay."""
        with self._lock:
            self._released.set()
            self._released = threading.Event()

    @property
    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def may_delay(self) -> bool:
        """Whether a live rule could delay an answer (an in-process client then waits on a
        thread, so that its read timeout can run out as over a socket)."""
        if not self._rules:
            return False
        with self._lock:
            return any(
                fault.delay for rule in self._rules if not rule.exhausted for fault in rule.faults
            )

    def problems(self) -> str:
        """What the teardown check reports about ``strict`` rules with answers left, or ''."""
        lines = [
            f"- {rule}: fired {rule.fired} of {rule.total or 'at least 1'} times; "
            f"answers: {'; '.join(map(str, rule.faults))}"
            for rule in self.rules
            if rule.strict and (rule.fired == 0 or (rule.total and rule.fired < rule.total))
        ]
        if not lines:
            return ""
        return "\n".join(
            [
                "Strict fault rules did not fire as often as expected:",
                *lines,
                'See "Simulating failures" in the docs of pytest-telnyx-missions '
                "(docs/how-to/simulate-failures.md).",
            ]
        )
