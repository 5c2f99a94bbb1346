"""What the control API reads from a request: its bodies, rule numbers and ``wait`` keys, each
checked, so a malformed request is a 400 naming the problem (``BadRequest``), never a crash."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import from_json

from .._api.request import Incoming
from .._pipeline.faults.rules import Fault
from .._state.documents import DOC_KEYS
from .journal_pages import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

__all__ = [
    "WAIT_PARAMETERS",
    "BadRequest",
    "FaultRuleBody",
    "journal_number",
    "json_object",
    "page_query",
    "parse",
    "rule_number",
    "state_document",
]

_RULE_NUMBER = re.compile(r"[0-9]+")
"""Only ASCII digits: ``str.isdigit`` also takes ``²`` and U+0661, which ``int`` reads as 1."""
_PAGE_KEYS = ("limit", "offset")
WAIT_PARAMETERS = frozenset({"self", "predicate_or_operation"})
"""``wait_for``'s own parameter names: never fields, even of an operation that takes any."""

_M = TypeVar("_M", bound=BaseModel)


class BadRequest(Exception):
    """A control request that cannot be done as sent: answered 400 with this message."""


class FaultRuleBody(BaseModel):
    # Strict: JSON `true` is not a count of 1, nor "yes" a boolean.
    model_config = ConfigDict(extra="forbid", strict=True)

    operation: str | list[str]
    times: int | None = 1
    run_id: str | None = None
    faults: list[Fault] = Field(min_length=1)


def json_object(raw: bytes, what: str, keys: str) -> dict[str, Any]:
    """The JSON object a body holds (none: ``{}``), or a 400; nesting is bounded by the parser
    (a few hundred levels), where ``json.loads`` would exhaust the stack."""
    try:
        given = from_json(raw or b"{}")
    except ValueError as error:
        raise BadRequest(f"Invalid {what}: body: Invalid JSON: {error}.") from error
    if not isinstance(given, dict):
        raise BadRequest(
            f"Invalid {what}: body: Input should be an object. It takes the keys {keys}."
        )
    return given


def state_document(raw: bytes) -> dict[str, Any]:
    """The state document a request's body holds, or a 400. Never a path: the control API reads
    no file, so what a caller sends cannot learn what exists on the server's disk."""
    keys = ", ".join(DOC_KEYS)
    if not raw.strip():
        raise BadRequest(f"PUT /_fake/state needs a state document: a JSON object with {keys}.")
    try:
        # json.loads, not from_json: a document the fake accepts (values 255 levels deep) must
        # be one it reads back; deeper than Python's recursion allows is refused here, anything
        # between by the document model, naming the item.
        doc = json.loads(raw)
    except RecursionError:
        raise BadRequest(
            "Invalid state document: not JSON (recursion limit exceeded: nested too deeply to read)"
        ) from None
    except ValueError as error:
        raise BadRequest(f"Invalid state document: not JSON ({error})") from error
    if not isinstance(doc, dict):
        never = " (the control API takes the document itself, never a path)"
        raise BadRequest(
            f"Invalid state document: a JSON object with {keys} is expected, got "
            f"{_json_kind(doc)}{never if isinstance(doc, str) else ''}."
        )
    return doc


def _json_kind(value: object) -> str:
    kinds = {str: "a string", list: "an array", bool: "a boolean", type(None): "null"}
    return kinds.get(type(value), "a number")


def parse(request: Incoming, model: type[_M], what: str, keys: str) -> _M:
    raw = request.body
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        problems = "; ".join(_problem(error) for error in exc.errors(include_url=False))
        raise BadRequest(f"Invalid {what}: {problems}. It takes the keys {keys}.") from exc


def _problem(error: Mapping[str, Any]) -> str:
    where = ".".join(str(part) for part in error["loc"]) or "body"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] in ("extra_forbidden", "unexpected_keyword_argument"):
        message = "unknown key"
    elif error["type"] != "json_invalid" and "input" in error and error["type"] != "missing":
        message = f"{message} (got {error['input']!r})"
    return f"{where}: {message}"


def rule_number(given: str) -> int:
    """The fault rule number a path's last segment names, or ``BadRequest``."""
    if not _RULE_NUMBER.fullmatch(given):
        raise BadRequest(
            f"{given!r} is not a fault rule number: rule numbers are whole numbers written "
            "in the digits 0-9, as GET /_fake/faults lists them."
        )
    # int() of thousands of digits raises; no rule has a number that long anyway.
    return int(given) if len(given) <= 18 else -1


def journal_number(given: str, name: str) -> int:
    """A journal position given in a query (``since``, ``offset``), or ``BadRequest``."""
    if not _RULE_NUMBER.fullmatch(given) or len(given) > 18:
        raise BadRequest(f"{name} must be a journal number (0 or more), got {given!r}")
    return int(given)


def page_query(query: Mapping[str, list[str]]) -> tuple[int, int]:
    """``(offset, limit)`` from ``GET /_fake/requests``'s query, or ``BadRequest`` naming the
    bad key or value."""
    unknown = [key for key in query if key not in _PAGE_KEYS]
    if unknown:
        raise BadRequest(
            f"GET /_fake/requests has no query key {', '.join(map(repr, unknown))}: it takes "
            f"offset (the number of the first entry wanted, default 0) and limit (1-"
            f"{MAX_PAGE_SIZE}, default {DEFAULT_PAGE_SIZE})"
        )
    given = {key: values[-1] for key, values in query.items()}  # Starlette reads the last one
    offset = journal_number(given.get("offset", "0"), "offset")
    limit_text = given.get("limit", str(DEFAULT_PAGE_SIZE))
    short = _RULE_NUMBER.fullmatch(limit_text) and len(limit_text) <= 4
    if not short or not 1 <= int(limit_text) <= MAX_PAGE_SIZE:
        raise BadRequest(
            f"limit must be a whole number from 1 to {MAX_PAGE_SIZE} (entries a page holds at "
            f"most), got {limit_text!r}"
        )
    return offset, int(limit_text)
