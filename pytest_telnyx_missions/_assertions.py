"""Assertion helpers over recorded run updates (mixed into ``FakeMissions``).

How an expected value matches a sent one (the helpers and ``run_updates(**fields)`` share it):

- the update must have sent the key (an expected ``None`` matches an explicit ``null`` only);
- an expected value that is callable and not a class is a *predicate*: it matches when
  ``predicate(sent)`` is truthy (if it raises, it does not match, and the message says why);
- anything else is compared with ``expected == sent``, expected first, so ``unittest.mock.ANY``,
  dirty-equals matchers (instances or classes) and ``RunStatus.succeeded`` all work.

Only updates the fake applied (``RunUpdate.applied``) satisfy a helper; rejected ones are listed in
the failure message, marked with the status they got.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

from ._journal import RunUpdate, canonical_id

if TYPE_CHECKING:
    from ._models import MissionRun

__all__ = ["RunUpdateAssertions", "fields_match", "is_predicate"]

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


@dataclass(frozen=True)
class _Comparison:
    """One recorded update held against the expected fields."""

    number: int
    """The update's position among its run's updates, from 1, in arrival order."""
    update: RunUpdate
    lines: tuple[str, ...]
    misses: int
    """How many expected fields were missing or different."""
    missing: int
    """How many of those were not sent at all (a wrong value is a nearer miss)."""


def _compare(
    number: int, update: RunUpdate, expected: Mapping[str, Any], shown: Mapping[str, str]
) -> _Comparison:
    sent = update.fields
    lines: list[str] = []
    misses = missing = 0
    for key, value in expected.items():
        if key not in sent:
            misses += 1
            missing += 1
            lines.append(f"{key}: expected {shown[key]}, not sent (missing key)")
            continue
        ok, why = _match_value(value, sent[key])
        if ok:
            lines.append(f"{key}: {_short(sent[key])} as expected")
            continue
        misses += 1
        lines.append(f"{key}: expected {shown[key]}, sent {_short(sent[key])}")
        if why:
            lines.append(f"  ({why})")
        lines.extend(f"  {line}" for line in _nested_diff(key, value, sent[key]))
    lines.extend(
        f"{key}: not expected, sent {_short(sent[key])} (extra key)"
        for key in sent
        if key not in expected
    )
    return _Comparison(number, update, tuple(lines), misses, missing)


def _outcome(update: RunUpdate) -> str:
    fault = update.request.fault
    detail = f"{update.status_code}, fault: {fault}" if fault else f"{update.status_code}"
    return f"{'applied' if update.applied else 'rejected'} ({detail})"


def _sent(update: RunUpdate) -> str:
    request = update.request
    if isinstance(request.json, dict):
        return _short(request.json)
    if request.json is not None:
        return f"{_short(request.json)} (not a JSON object)"
    if request.body:
        return f"{_short(request.body)} (not JSON)"
    return "no body"


def _headline(comparison: _Comparison) -> str:
    update = comparison.update
    line = f"  #{comparison.number} {_outcome(update)}: sent {_sent(update)}"
    if comparison.misses == 0 and not update.applied:
        line += "\n      (the fields match, but the fake rejected it, so it does not count)"
    return line


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _shown(fields: Mapping[str, Any]) -> dict[str, str]:
    # Taken before any comparison: a dirty-equals matcher's repr becomes the value it last matched.
    return {key: _describe(value) for key, value in fields.items()}


def _fields_text(shown: Mapping[str, str]) -> str:
    return ", ".join(f"{key}={value}" for key, value in shown.items()) or "(any fields)"


class RunUpdateAssertions:
    """``assert_run_updated`` and friends; relies on the host's ``run_updates`` and ``runs``."""

    if TYPE_CHECKING:

        def run_updates(self, run_id: str | None = None, **fields: Any) -> list[RunUpdate]: ...

        @property
        def runs(self) -> list[MissionRun]: ...

    def assert_run_updated(self, run_id: str, **fields: Any) -> RunUpdate:
        """Some applied update of ``run_id`` sent at least ``fields``; returns the first such."""
        __tracebackhide__ = True
        shown = _shown(fields)
        found = self._matching(run_id, fields)
        if not found:
            run = canonical_id(str(run_id))
            what = f"no applied update of run {run} sent the expected fields."
            self._fail("assert_run_updated", run_id, fields, shown, what)
        return found[0][1]

    def assert_run_updated_once(self, run_id: str, **fields: Any) -> RunUpdate:
        """Exactly one applied update of ``run_id`` sent at least ``fields``; returns it."""
        __tracebackhide__ = True
        shown = _shown(fields)
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
        """The statuses the applied updates of ``run_id`` sent, in order, equal ``statuses``.

        Updates that sent no status (or ``"status": null``, which leaves it unchanged) are skipped.
        """
        __tracebackhide__ = True
        expected = list(statuses)
        shown = [_describe(status) for status in expected]
        updates = self.run_updates(run_id)
        sent = [u.status for u in updates if u.applied and u.status is not None]
        if len(sent) == len(expected) and all(
            _match_value(e, s)[0] for e, s in zip(expected, sent, strict=False)
        ):
            return
        run = canonical_id(str(run_id))
        lines = [
            f"assert_run_status_history: the statuses sent for run {run} differ.",
            f"  expected: [{', '.join(shown)}]",
            f"  sent:     {_short(sent)}  (applied updates that sent a status, in order)",
            f"  {_first_difference(expected, shown, sent)}",
        ]
        if updates:
            lines.append(f"Updates of run {run} ({len(updates)} recorded), in order:")
            for number, update in enumerate(updates, 1):
                note = "" if update.applied else "  <- not counted"
                if update.applied and update.status is None:
                    note = "  <- no status, skipped"
                lines.append(f"  #{number} {_outcome(update)}: sent {_sent(update)}{note}")
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
            lines.extend(
                f"  #{number} {_outcome(update)}: sent {_sent(update)}"
                for number, update in enumerate(own, 1)
            )
        raise AssertionError("\n".join(lines))

    # -- shared ----------------------------------------------------------------------------
    def _matching(self, run_id: str, fields: Mapping[str, Any]) -> list[tuple[int, RunUpdate]]:
        """The applied updates that match, with their numbers as the messages show them."""
        updates = enumerate(self.run_updates(run_id), 1)
        return [(n, u) for n, u in updates if u.applied and fields_match(u.fields, fields)]

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
        comparisons = [
            _compare(n, u, fields, shown) for n, u in enumerate(self.run_updates(run_id), 1)
        ]
        lines = [
            f"{helper}: {what}",
            f"Expected: {_fields_text(shown)}",
        ]
        if not comparisons:
            lines.extend(self._other_runs(run))
            raise AssertionError("\n".join(lines))
        # Nearest first; among equals, applied before rejected, then the latest (the state it left).
        comparisons.sort(key=lambda c: (c.misses, c.missing, not c.update.applied, -c.number))
        lines.append(f"Updates of run {run} ({len(comparisons)} recorded), nearest miss first:")
        for comparison in comparisons:
            lines.append(_headline(comparison))
            lines.extend(f"      {line}" for line in comparison.lines)
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
                f"  {other} (mission {updates[0].mission_id}): {_plural(len(updates), 'update')}, "
                f"{applied} applied, {len(updates) - applied} rejected; "
                f"statuses sent: {_short(statuses)}"
            )
        return lines


def _first_difference(expected: Sequence[Any], shown: Sequence[str], sent: Sequence[Any]) -> str:
    for index, (want, got) in enumerate(zip(expected, sent, strict=False)):
        if not _match_value(want, got)[0]:
            return f"first difference at item {index + 1}: expected {shown[index]}, sent {got!r}"
    if len(sent) > len(expected):
        extra = _short(list(sent[len(expected) :]))
        return f"{len(sent) - len(expected)} more sent than expected: {extra}"
    missing = ", ".join(shown[len(sent) :])
    return f"{len(expected) - len(sent)} fewer sent than expected: missing [{missing}]"
