"""Hypothesis strategies for update-run bodies, valid and invalid (with their exact answer).

Needs the extra: ``pip install "pytest-telnyx-missions[hypothesis]"``.
"""

from __future__ import annotations

import json
from typing import Any

try:
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "pytest_telnyx_missions.strategies needs hypothesis: "
        'pip install "pytest-telnyx-missions[hypothesis]"'
    ) from exc

from ._api.catalog import InvalidPayload, answer, invalid_update_run_payloads, json_case
from ._api.errors import json_invalid_error
from ._api.models import RunStatus

__all__ = ["invalid_update_run_payload_cases", "json_values", "update_run_payloads"]

_STATUSES = [status.value for status in RunStatus]
_STRING_FIELDS = ("result_summary", "error")
_OBJECT_FIELDS = ("result_payload", "metadata")
# Lone surrogates survive JSON escaping but cannot be answered as UTF-8, by FastAPI or the fake.
_TEXT = st.text(st.characters(codec="utf-8"), max_size=20)


def json_values(max_leaves: int = 6) -> st.SearchStrategy[Any]:
    """Any JSON value (no NaN or infinities: they are not JSON)."""
    scalars = (
        st.none()
        | st.booleans()
        | st.integers(min_value=-(2**53), max_value=2**53)
        | st.floats(allow_nan=False, allow_infinity=False)
        | _TEXT
    )
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=3) | st.dictionaries(_TEXT, children, max_size=3)
        ),
        max_leaves=max_leaves,
    )


def update_run_payloads() -> st.SearchStrategy[dict[str, Any]]:
    """Valid ``PATCH .../runs/{run_id}`` bodies: any subset of the fields, ``null`` included."""
    objects = st.dictionaries(_TEXT, json_values(), max_size=4)
    return st.fixed_dictionaries(
        {},
        optional={
            "status": st.none() | st.sampled_from(_STATUSES),
            "result_summary": st.none() | _TEXT,
            "result_payload": st.none() | objects,
            "error": st.none() | _TEXT,
            "metadata": st.none() | objects,
        },
    )


def invalid_update_run_payload_cases() -> st.SearchStrategy[InvalidPayload]:
    """Invalid bodies with their exact answer: wrong values, truncated JSON, and the catalog."""
    return st.one_of(
        _wrong_values(), _truncated_json(), st.sampled_from(invalid_update_run_payloads())
    )


def _wrong_value(field: str) -> st.SearchStrategy[Any]:
    values = json_values().filter(lambda value: value is not None)
    if field == "status":
        return values.filter(lambda value: value not in _STATUSES)
    if field in _STRING_FIELDS:
        return values.filter(lambda value: not isinstance(value, str))
    return values.filter(lambda value: not isinstance(value, dict))


@st.composite
def _wrong_values(draw: st.DrawFn) -> InvalidPayload:
    payload = draw(update_run_payloads())
    broken = draw(
        st.lists(
            st.sampled_from(["status", *_STRING_FIELDS, *_OBJECT_FIELDS]), min_size=1, unique=True
        )
    )
    payload.update({field: draw(_wrong_value(field)) for field in broken})
    return json_case(f"generated-wrong-{'-'.join(sorted(broken))}", payload)


@st.composite
def _truncated_json(draw: st.DrawFn) -> InvalidPayload:
    # ASCII-only JSON: a cut never splits a UTF-8 sequence (that would be a 400, not a 422).
    whole = json.dumps(draw(update_run_payloads())).encode()
    raw = whole[: draw(st.integers(min_value=1, max_value=len(whole) - 1))]
    try:
        json.loads(raw)
    except json.JSONDecodeError as exc:
        expected = answer([json_invalid_error(exc)])
    else:  # pragma: no cover - a proper prefix of a JSON object never parses
        raise AssertionError(f"{raw!r} parsed")
    return InvalidPayload(
        "generated-truncated-json", raw, {"content-type": "application/json"}, 422, expected
    )
