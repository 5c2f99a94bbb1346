"""The one diff engine behind every assertion helper, and the run-update helpers (mixed into
``FakeMissions``; ``_call_assertions`` has the helpers for every other operation).

How an expected value matches a sent one (every helper, ``run_updates(**fields)`` and ``wait_for``
share it):

- the call must have sent the key (an expected ``None`` matches an explicit ``null`` only), or
  have it among its path's ids (``run_id``, ``step_id``...: compared in canonical UUID form);
- an expected value that is callable and not a class is a *predicate*: it matches when
  ``predicate(sent)`` is truthy (if it raises, it does not match, and the message says why);
- anything else is compared with ``expected == sent``, expected first, so ``unittest.mock.ANY``,
  dirty-equals matchers (instances or classes) and ``RunStatus.succeeded`` all work.

Only calls the fake applied (``.applied``) satisfy a helper; rejected ones are listed in the
failure message, marked with the status they got.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn, Protocol, TypeVar

from .._api.models import canonical_id
from .._journal.calls import CallList, status_changes, status_of
from .._journal.recording import RecordedRequest, RunUpdate

if TYPE_CHECKING:
    from .._api.models import MissionRun

__all__ = [
    "RunUpdateAssertions",
    "Sent",
    "describe",
    "fields_match",
    "fields_text",
    "is_predicate",
    "matches",
    "nearest_first",
    "plural",
    "shown_fields",
]

_MAX_REPR = 160


def is_predicate(expected: Any) -> bool:
    """True when ``expected`` is called with the sent value rather than compared to it.

    Classes are compared, not called: ``IsStr`` (dirty-equals) compares by its metaclass, and
    calling ``str`` would make every value "match".
    """
    return callable(expected) and not isinstance(expected, type)


def _match_value(expected: Any, sent: Any) -> tuple[bool, str | None]:
    """Whether ``sent`` matches ``expected``, and why not when a matcher raised."""
    try:
        if is_predicate(expected):
            return bool(expected(sent)), None
        return bool(expected == sent), None
    except Exception as exc:  # noqa: BLE001 - a broken matcher is a mismatch, shown to the reader
        return False, f"{'predicate' if is_predicate(expected) else 'comparison'} raised {exc!r}"


def fields_match(sent: Mapping[str, Any], expected: Mapping[str, Any]) -> bool:
    """True when ``sent`` has every expected key with a matching value (extra keys are fine)."""
    return all(key in sent and _match_value(value, sent[key])[0] for key, value in expected.items())


def _short(value: Any) -> str:
    text = repr(value)
    if len(text) <= _MAX_REPR:
        return text
    half = _MAX_REPR // 2 - 3
    return f"{text[:half]} ... {text[-half:]}"


def _describe(expected: Any) -> str:
    """The expected value as the reader wrote it; predicates by name, not by address."""
    if is_predicate(expected) and hasattr(expected, "__qualname__"):
        return f"<predicate {expected.__qualname__}>"
    return _short(expected)


def _nested_diff(path: str, expected: Any, sent: Any) -> Iterator[str]:
    """Key-level lines for two dicts that differ, so a long payload shows where it differs."""
    if not (type(expected) is dict and isinstance(sent, dict)):
        return
    for key in expected:
        where = f"{path}.{key}"
        if key not in sent:
            yield f"{where}: missing, expected {_short(expected[key])}"
        elif not _match_value(expected[key], sent[key])[0]:
            yield f"{where}: expected {_short(expected[key])}, sent {_short(sent[key])}"
            yield from _nested_diff(where, expected[key], sent[key])
    for key in sent.keys() - expected.keys():
        yield f"{path}.{key}: not expected, sent {_short(sent[key])}"


class Sent(Protocol):
    """What the diff engine compares: a recorded run update or a recorded call of any operation."""

    @property
    def fields(self) -> Mapping[str, Any]: ...

    @property
    def status_code(self) -> int: ...

    @property
    def applied(self) -> bool: ...

    @property
    def request(self) -> RecordedRequest: ...


_S = TypeVar("_S", bound=Sent)


def _actual(item: Sent, key: str) -> tuple[bool, Any, str]:
    """Where ``key`` is read: an id in the path (``run_id``, ``step_id``...) or a sent field."""
    path = item.request.path_params
    if key in path and key not in item.fields:
        return True, path[key], "in path"
    return key in item.fields, item.fields.get(key), "sent"


def _expected_for(key: str, value: Any, item: Sent) -> Any:
    # An id given in any case or with spaces names the same resource, as the fake reads paths.
    if isinstance(value, str) and key in item.request.path_params and key not in item.fields:
        return canonical_id(value)
    return value


def matches(item: Sent, expected: Mapping[str, Any]) -> bool:
    """True when ``item`` sent (or has in its path) every expected key with a matching value."""
    for key, value in expected.items():
        found, actual, _ = _actual(item, key)
        if not (found and _match_value(_expected_for(key, value, item), actual)[0]):
            return False
    return True


@dataclass(frozen=True)
class _Comparison:
    """One recorded item held against the expected fields."""

    number: int
    """The item's position among those listed, from 1, in arrival order."""
    item: Sent
    lines: tuple[str, ...]
    misses: int
    """How many expected fields were missing or different."""
    missing: int
    """How many of those were not sent at all (a wrong value is a nearer miss)."""


def _compare(
    number: int, item: Sent, expected: Mapping[str, Any], shown: Mapping[str, str]
) -> _Comparison:
    sent = item.fields
    lines: list[str] = []
    misses = missing = 0
    for key, raw in expected.items():
        found, actual, where = _actual(item, key)
        if not found:
            misses += 1
            missing += 1
            lines.append(f"{key}: expected {shown[key]}, not sent (missing key)")
            continue
        value = _expected_for(key, raw, item)
        ok, why = _match_value(value, actual)
        if ok:
            lines.append(f"{key}: {_short(actual)} as expected")
            continue
        misses += 1
        lines.append(f"{key}: expected {shown[key]}, {where} {_short(actual)}")
        if why:
            lines.append(f"  ({why})")
        lines.extend(f"  {line}" for line in _nested_diff(key, value, actual))
    lines.extend(
        f"{key}: not expected, sent {_short(sent[key])} (extra key)"
        for key in sent
        if key not in expected
    )
    return _Comparison(number, item, tuple(lines), misses, missing)


def outcome(item: Sent) -> str:
    """``applied (200)`` or ``rejected (422)``, with the fault rule that answered, if any."""
    fault = item.request.fault
    detail = f"{item.status_code}, fault: {fault}" if fault else f"{item.status_code}"
    return f"{'applied' if item.applied else 'rejected'} ({detail})"


def sent_text(item: Sent) -> str:
    """What the client sent, as the messages show it."""
    request = item.request
    if isinstance(request.json, dict):
        return _short(request.json)
    if request.json is not None:
        return f"{_short(request.json)} (not a JSON object)"
    if request.body:
        return f"{_short(request.body)} (not JSON)"
    return "no body"


def describe(number: int, item: Sent, label: str = "") -> str:
    """One line for an item: ``#2 pause_run applied (200): sent no body``."""
    return f"  #{number} {label}{outcome(item)}: sent {sent_text(item)}"


def nearest_first(
    items: Sequence[tuple[int, _S]],
    expected: Mapping[str, Any],
    shown: Mapping[str, str],
    label: Callable[[_S], str] | None = None,
) -> list[str]:
    """Every item held against ``expected``, field by field, nearest miss first."""
    labelled = [
        (_compare(number, item, expected, shown), label(item) if label else "")
        for number, item in items
    ]
    # Nearest first; among equals, applied before rejected, then the latest (the state it left).
    labelled.sort(key=lambda pair: _nearness(pair[0]))
    lines = []
    for comparison, text in labelled:
        lines.append(describe(comparison.number, comparison.item, text))
        if comparison.misses == 0 and not comparison.item.applied:
            lines.append("      (the fields match, but the fake rejected it, so it does not count)")
        lines.extend(f"      {line}" for line in comparison.lines)
    return lines


def _nearness(c: _Comparison) -> tuple[int, int, bool, int]:
    return (c.misses, c.missing, not c.item.applied, -c.number)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def shown_fields(fields: Mapping[str, Any]) -> dict[str, str]:
    # Taken before any comparison: a dirty-equals matcher's repr becomes the value it last matched.
    return {key: _describe(value) for key, value in fields.items()}


def fields_text(shown: Mapping[str, str]) -> str:
    return ", ".join(f"{key}={value}" for key, value in shown.items()) or "(any fields)"


class RunUpdateAssertions:
    """``assert_run_updated`` and friends; relies on the host's ``run_updates``, ``runs`` and
    ``status_history``."""

    if TYPE_CHECKING:

        def run_updates(self, run_id: str | None = None, **fields: Any) -> list[RunUpdate]: ...

        @property
        def runs(self) -> list[MissionRun]: ...

        def _status_calls(self, run_id: str) -> CallList: ...

    def assert_run_updated(self, run_id: str, **fields: Any) -> RunUpdate:
        """Some applied update of ``run_id`` sent at least ``fields``; returns the first such."""
        __tracebackhide__ = True
        shown = shown_fields(fields)
        found = self._matching(run_id, fields)
        if not found:
            run = canonical_id(str(run_id))
            what = f"no applied update of run {run} sent the expected fields."
            self._fail("assert_run_updated", run_id, fields, shown, what)
        return found[0][1]

    def assert_run_updated_once(self, run_id: str, **fields: Any) -> RunUpdate:
        """Exactly one applied update of ``run_id`` sent at least ``fields``; returns it."""
        __tracebackhide__ = True
        shown = shown_fields(fields)
        found = self._matching(run_id, fields)
        if len(found) != 1:
            run = canonical_id(str(run_id))
            numbers = ", ".join(f"#{number}" for number, _ in found)
            what = (
                f"{len(found)} applied updates of run {run} ({numbers}) sent the expected "
                "fields; expected exactly one."
                if found
                else f"no applied update of run {run} sent the expected fields; expected one."
            )
            self._fail("assert_run_updated_once", run_id, fields, shown, what)
        return found[0][1]

    def assert_run_status_history(self, run_id: str, statuses: Sequence[Any]) -> None:
        """The run's every applied change of status, in order, equals ``statuses``: a PATCH that
        sent a status, ``pause_run``, ``resume_run``, ``cancel_run``.

        A PATCH that sent no status (or ``"status": null``, which leaves it unchanged) is skipped.
        """
        __tracebackhide__ = True
        expected = list(statuses)
        shown = [_describe(status) for status in expected]
        calls = self._status_calls(run_id)
        changes = status_changes(calls)
        history = [change.status for change in changes]
        if len(history) == len(expected) and all(
            _match_value(e, s)[0] for e, s in zip(expected, history, strict=False)
        ):
            return
        run = canonical_id(str(run_id))
        made_by = [change.operation for change in changes]
        lines = [
            f"assert_run_status_history: the status history of run {run} differs.",
            f"  expected: [{', '.join(shown)}]",
            f"  history:  {_short(history)}  (every applied change of status, in order)",
            f"  {_first_difference(expected, shown, history, made_by)}",
        ]
        if calls:
            lines.append(
                f"Calls that change the status of run {run} ({len(calls)} recorded), in order:"
            )
            for number, call in enumerate(calls, 1):
                line = describe(number, call, f"{call.operation} ")
                if not call.applied:
                    line += "  <- not counted"
                elif (status := status_of(call)) is None:
                    line += "  <- no status, skipped"
                else:
                    line += f"  -> {status}"
                lines.append(line)
        else:
            lines.extend(self._other_runs(run))
        raise AssertionError("\n".join(lines))

    def assert_no_run_updates(self, run_id: str | None = None) -> None:
        """No applied update of ``run_id`` (or of any run, when ``run_id`` is None).

        Rejected attempts do not count (the fake changed nothing); ``run_updates()`` lists them.
        """
        __tracebackhide__ = True
        updates = self.run_updates(run_id)
        if not any(u.applied for u in updates):
            return
        target = "any run" if run_id is None else f"run {canonical_id(str(run_id))}"
        lines = [f"assert_no_run_updates: expected no applied update of {target}, but:"]
        for run in dict.fromkeys(u.run_id for u in updates):
            own = [u for u in updates if u.run_id == run]
            lines.append(f"Updates of run {run} ({len(own)} recorded), in order:")
            lines.extend(describe(number, update) for number, update in enumerate(own, 1))
        raise AssertionError("\n".join(lines))

    # -- shared ----------------------------------------------------------------------------
    def _matching(self, run_id: str, fields: Mapping[str, Any]) -> list[tuple[int, RunUpdate]]:
        """The applied updates that match, with their numbers as the messages show them."""
        updates = enumerate(self.run_updates(run_id), 1)
        return [(n, u) for n, u in updates if u.applied and matches(u, fields)]

    def _fail(
        self,
        helper: str,
        run_id: str,
        fields: Mapping[str, Any],
        shown: Mapping[str, str],
        what: str,
    ) -> NoReturn:
        __tracebackhide__ = True
        run = canonical_id(str(run_id))
        updates = list(enumerate(self.run_updates(run_id), 1))
        lines = [f"{helper}: {what}", f"Expected: {fields_text(shown)}"]
        if not updates:
            lines.extend(self._other_runs(run))
            raise AssertionError("\n".join(lines))
        lines.append(f"Updates of run {run} ({len(updates)} recorded), nearest miss first:")
        lines.extend(nearest_first(updates, fields, shown))
        raise AssertionError("\n".join(lines))

    def _other_runs(self, run: str) -> list[str]:
        lines = [f"Run {run} got no updates at all (applied or rejected)."]
        if run not in {known.run_id for known in self.runs}:
            lines[0] += " The fake has no run with this id."
        others: dict[str, list[RunUpdate]] = {}
        for update in self.run_updates():
            others.setdefault(update.run_id, []).append(update)
        if not others:
            lines.append("No run got any update.")
            return lines
        lines.append("Runs that did get updates:")
        for other, updates in others.items():
            applied = sum(u.applied for u in updates)
            statuses = [u.status for u in updates if u.status is not None]
            lines.append(
                f"  {other} (mission {updates[0].mission_id}): {plural(len(updates), 'update')}, "
                f"{applied} applied, {len(updates) - applied} rejected; "
                f"statuses sent: {_short(statuses)}"
            )
        return lines


def _first_difference(
    expected: Sequence[Any], shown: Sequence[str], got: Sequence[Any], made_by: Sequence[str]
) -> str:
    for index, (want, status) in enumerate(zip(expected, got, strict=False)):
        if not _match_value(want, status)[0]:
            return (
                f"first difference at item {index + 1}: expected {shown[index]}, "
                f"got {status!r} (set by {made_by[index]})"
            )
    if len(got) > len(expected):
        extra = ", ".join(
            f"{status!r} (set by {operation})"
            for status, operation in zip(
                got[len(expected) :], made_by[len(expected) :], strict=True
            )
        )
        return f"{plural(len(got) - len(expected), 'more change')} than expected: {extra}"
    missing = ", ".join(shown[len(got) :])
    return f"{plural(len(expected) - len(got), 'change')} fewer than expected: missing [{missing}]"
