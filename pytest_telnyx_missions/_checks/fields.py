"""The fields a check may name: one the operation does not have is a ``TypeError`` at once,
before anything is compared or awaited (it could never match: an assertion would fail with a
misleading diff, ``assert_not_called`` would pass, and ``wait_for`` would wait its whole timeout).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from .._config import named_with_hints, unknown_names

__all__ = ["FieldsOf", "check_fields", "unknown_fields_problem"]

FieldsOf = Mapping[str, Sequence[str] | None]
"""Each operation's matchable keys (``Operation.matchable``), given by the fake: the checks
never import the route table."""


def check_fields(helper: str, operation: str, given: Collection[str], fields_of: FieldsOf) -> None:
    """Raise ``TypeError`` when ``given`` names a key ``operation`` has neither in its path nor
    in its body (an operation that keeps any JSON object takes any key)."""
    __tracebackhide__ = True
    known = fields_of.get(operation)
    if known is None or not (unknown := unknown_names(given, known)):
        return
    raise TypeError(f"{helper}: {unknown_fields_problem(operation, unknown, known)}")


def unknown_fields_problem(operation: str, unknown: Sequence[str], known: Sequence[str]) -> str:
    """``update_run has no field 'stauts' (did you mean 'status'?); the fields it has: ...``"""
    noun = "field" if len(unknown) == 1 else "fields"
    has = (
        f"the fields it has: {', '.join(known)} (the ids in its path, then its body's fields)"
        if known
        else "it has no fields to match (no id in its path, no body)"
    )
    return f"{operation} has no {noun} {named_with_hints(unknown, known)}; {has}."
