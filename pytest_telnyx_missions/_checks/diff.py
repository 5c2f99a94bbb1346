"""The one diff engine: how an expected value matches a sent one, and the nearest-miss lines
every assertion helper, ``run_updates(**fields)`` and ``wait_for`` show.

- the call must have sent the key (an expected ``None`` matches an explicit ``null`` only), or
  have it among its path's ids (``run_id``, ``step_id``...: compared in canonical UUID form);
- an expected value that is callable and not a class is a *predicate*: it matches when
  ``predicate(sent)`` is truthy (if it raises, it does not match, and the message says why);
- anything else is compared with ``expected == sent``, expected first, so ``unittest.mock.ANY``,
  dirty-equals matchers (instances or classes) and ``RunStatus.succeeded`` all work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from .._api.models import canonical_id
from .._journal.recording import RecordedRequest

__all__ = [
    "Sent",
    "describe",
    "describe_expected",
    "fields_match",
    "fields_text",
    "first_difference",
    "is_predicate",
    "match_value",
    "matches",
    "miss_message",
    "nearest_first",
    "plural",
    "short",
    "shown_fields",
]

_MAX_REPR = 160


def is_predicate(expected: Any) -> bool:
    """True when ``expected`` is called with the sent value rather than compared to it.

    Classes are compared, not called: ``IsStr`` (dirty-equals) compares by its metaclass, and
    calling ``str`` would make every value "match".
    """
    return callable(expected) and not isinstance(expected, type)


def match_value(expected: Any, sent: Any) -> tuple[bool, str | None]:
    """Whether ``sent`` matches ``expected``, and why not when a matcher raised."""
    try:
        if is_predicate(expected):
            return bool(expected(sent)), None
        return bool(expected == sent), None
    except Exception as exc:  # noqa: BLE001 - a broken matcher is a mismatch, shown to the reader
        return False, f"{'predicate' if is_predicate(expected) else 'comparison'} raised {exc!r}"


def fields_match(sent: Mapping[str, Any], expected: Mapping[str, Any]) -> bool:
    """True when ``sent`` has every expected key with a matching value (extra keys are fine)."""
    return all(key in sent and match_value(value, sent[key])[0] for key, value in expected.items())


def short(value: Any) -> str:
    text = repr(value)
    if len(text) <= _MAX_REPR:
        return text
    half = _MAX_REPR // 2 - 3
    return f"{text[:half]} ... {text[-half:]}"


def describe_expected(expected: Any) -> str:
    """The expected value as the reader wrote it; predicates by name, not by address."""
    if is_predicate(expected) and hasattr(expected, "__qualname__"):
        return f"<predicate {expected.__qualname__}>"
    return short(expected)


def _nested_diff(path: str, expected: Any, sent: Any) -> Iterator[str]:
    """Key-level lines for two dicts that differ, so a long payload shows where it differs."""
    if not (type(expected) is dict and isinstance(sent, dict)):
        return
    for key in expected:
        where = f"{path}.{key}"
        if key not in sent:
            yield f"{where}: missing, expected {short(expected[key])}"
        elif not match_value(expected[key], sent[key])[0]:
            yield f"{where}: expected {short(expected[key])}, sent {short(sent[key])}"
            yield from _nested_diff(where, expected[key], sent[key])
    for key in sent.keys() - expected.keys():
        yield f"{path}.{key}: not expected, sent {short(sent[key])}"


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
        if not (found and match_value(_expected_for(key, value, item), actual)[0]):
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
        ok, why = match_value(value, actual)
        if ok:
            lines.append(f"{key}: {short(actual)} as expected")
            continue
        misses += 1
        lines.append(f"{key}: expected {shown[key]}, {where} {short(actual)}")
        if why:
            lines.append(f"  ({why})")
        lines.extend(f"  {line}" for line in _nested_diff(key, value, actual))
    lines.extend(
        f"{key}: not expected, sent {short(sent[key])} (extra key)"
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
        return short(request.json)
    if request.json is not None:
        return f"{short(request.json)} (not a JSON object)"
    if request.body:
        return f"{short(request.body)} (not JSON)"
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
    return {key: describe_expected(value) for key, value in fields.items()}


def fields_text(shown: Mapping[str, str]) -> str:
    return ", ".join(f"{key}={value}" for key, value in shown.items()) or "(any fields)"


def first_difference(
    expected: Sequence[Any], shown: Sequence[str], got: Sequence[Any], made_by: Sequence[str]
) -> str:
    for index, (want, status) in enumerate(zip(expected, got, strict=False)):
        if not match_value(want, status)[0]:
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


def miss_message(
    what: str,
    shown: Mapping[str, str],
    numbered: Sequence[tuple[int, _S]],
    fields: Mapping[str, Any],
    *,
    listed: str,
    otherwise: Sequence[str],
    label: Callable[[_S], str] | None = None,
) -> str:
    """The failure message of a helper that found no match: what it looked for, then every
    candidate (``listed`` heads them) nearest miss first, or ``otherwise`` when there was none."""
    lines = [what, f"Expected: {fields_text(shown)}"]
    if numbered:
        lines.append(f"{listed} ({len(numbered)} recorded), nearest miss first:")
        lines.extend(nearest_first(numbered, fields, shown, label))
    else:
        lines.extend(otherwise)
    return "\n".join(lines)
