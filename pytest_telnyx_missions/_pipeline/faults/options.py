"""What one faulty answer does (``Fault``), and the checks that make every accepted one servable.

Every option is checked where it is given (``Fault(...)``, ``fail_next``, ``add_fault`` and the
control API's ``POST /_fake/faults``), so that a rule which could not be written on the wire is
refused at once with a ``ValueError`` naming the option, instead of crashing when it fires.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from numbers import Real
from typing import Any, Literal, TypedDict

from ..._api.answers import reason_phrase

__all__ = [
    "BODY_CODING_HEADERS",
    "FRAMING_HEADERS",
    "MAX_DELAY_SECONDS",
    "MAX_NESTING",
    "MAX_RETRY_AFTER_SECONDS",
    "SERVER_HEADERS",
    "Fault",
    "FaultOptions",
    "Malformed",
]

Malformed = Literal["garbage", "truncated"]

MAX_DELAY_SECONDS = 300.0
"""The longest ``delay`` accepted: five times the SDK's default timeout (60 s). A delay still
pending when its test ends (the fixture's reset, ``clear_faults``) ends there anyway."""
MAX_RETRY_AFTER_SECONDS = 86_400.0
"""The longest ``retry_after`` (one day; ``retry_after_ms`` up to the same in milliseconds)."""
MAX_NESTING = 100
"""How deeply a fault's ``body`` or ``detail`` may nest lists and objects (a real error body is
two or three levels deep; the journal, the report and the control API all show it)."""
FRAMING_HEADERS = frozenset(
    {"connection", "content-length", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade"}
)
"""Headers that say how the answer is framed on the connection: the server writes them, and a
fault that set them would make the client misread the stream."""
SERVER_HEADERS = frozenset({"date", "server"})
"""Headers the HTTP server sends with every answer (a fault's own would be a second copy)."""
BODY_CODING_HEADERS = frozenset({"content-encoding"})
"""Headers that say how the body's bytes are encoded: the fake's bodies are plain JSON, so any
coding (``gzip``, ``br``...) makes every client fail to decode it, with no status to test."""

_HTTP_ANSWER_OPTIONS = (
    "status",
    "detail",
    "field",
    "body",
    "headers",
    "retry_after",
    "retry_after_ms",
)
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 field-name
# RFC 9110 field-value: visible ASCII, space, tab and obs-text (0x80-0xFF, latin-1 on the wire).
_FIELD_VALUE = re.compile(r"[\t\x20-\x7e\x80-\xff]*")


class FaultOptions(TypedDict, total=False):
    """What one faulty answer does; the keyword arguments of ``Fault`` and ``fail_next``."""

    status: int
    detail: str | Sequence[Mapping[str, Any]]
    field: str
    body: Any
    headers: Mapping[str, str]
    retry_after: float
    retry_after_ms: float
    delay: float
    drop: bool
    malformed: Malformed
    applied: bool


@dataclass(frozen=True, kw_only=True)
class Fault:
    """One faulty answer.

    - ``status``: an HTTP error (400-599) with the body the real API would send: FastAPI's
      ``{"detail": [...]}`` for 422 (``detail`` given, generated for ``field``, or generated for
      the request), FastAPI's body-parse error for 400, the Telnyx envelope otherwise (``detail``
      replaces its text). ``body`` replaces the whole body (any JSON).
    - ``headers``, ``retry_after`` (seconds), ``retry_after_ms``: extra response headers.
    - ``delay``: seconds to wait before answering (0 to ``MAX_DELAY_SECONDS``); alone, the
      request is then served normally.
    - ``drop``: close the connection without a response.
    - ``malformed``: ``"garbage"`` (random bytes, then close) or ``"truncated"`` (a complete HTTP
      answer whose JSON is cut in half).
    - ``applied``: serve the request normally (its change happens) and only then answer with the
      fault: "the update was applied but the client saw an error".

    A value the wire cannot carry raises ``ValueError`` naming the option.
    """

    status: int | None = None
    detail: str | Sequence[Mapping[str, Any]] | None = None
    field: str | None = None
    body: Any = None
    headers: Mapping[str, str] | None = None
    retry_after: float | None = None
    retry_after_ms: float | None = None
    delay: float = 0.0
    drop: bool = False
    malformed: Malformed | None = None
    applied: bool = False

    def __post_init__(self) -> None:
        _check_each_option(self)
        _check_they_fit_together(self)
        # Copies: a caller changing its dict afterwards must not slip past the checks.
        if self.headers is not None:
            object.__setattr__(self, "headers", dict(self.headers))
        for name in ("detail", "body"):
            object.__setattr__(self, name, copy.deepcopy(getattr(self, name)))

    @property
    def passes_through(self) -> bool:
        """True when the request is served normally (its change happens) before the answer."""
        return self.applied or not (self.status or self.drop or self.malformed)

    @property
    def sends_http(self) -> bool:
        """False when the client gets no HTTP answer at all (a drop, or garbage bytes)."""
        return not (self.drop or self.malformed == "garbage")

    def response_headers(self) -> dict[str, str]:
        headers = {key.lower(): value for key, value in (self.headers or {}).items()}
        if self.retry_after is not None:
            headers["retry-after"] = _number_text(self.retry_after)
        if self.retry_after_ms is not None:
            headers["retry-after-ms"] = _number_text(self.retry_after_ms)
        return headers

    def __repr__(self) -> str:
        shown = [
            f"{f.name}={getattr(self, f.name)!r}"
            for f in fields(self)
            if getattr(self, f.name) != f.default
        ]
        return f"Fault({', '.join(shown)})"

    def __str__(self) -> str:
        if self.drop:
            what = "drop the connection"
        elif self.malformed == "garbage":
            what = "send garbage bytes, then close"
        elif self.status is not None:
            what = f"{self.status} {reason_phrase(self.status)}".rstrip()
        else:
            what = "the normal answer"
        if self.malformed == "truncated":
            what = f"{what if self.status else 'the answer'} with truncated JSON"
        headers = self.response_headers()
        if headers:
            what += " (" + ", ".join(f"{k}: {v}" for k, v in headers.items()) + ")"
        if self.delay:
            what = f"after {float(self.delay):g} s, {what}"
        if self.applied:
            what = f"apply the change, then {what}"
        return what


def _check_each_option(fault: Fault) -> None:
    status = fault.status
    if status is not None and (not _is_int(status) or not 400 <= status <= 599):
        raise ValueError(f"status must be an HTTP error (400-599), got {status!r}")
    _check_seconds("delay", fault.delay, MAX_DELAY_SECONDS)
    if fault.retry_after is not None:
        _check_seconds("retry_after", fault.retry_after, MAX_RETRY_AFTER_SECONDS)
    if fault.retry_after_ms is not None:
        _check_seconds("retry_after_ms", fault.retry_after_ms, MAX_RETRY_AFTER_SECONDS * 1000)
    for name in ("drop", "applied"):
        if not isinstance(getattr(fault, name), bool):
            raise ValueError(f"{name} must be True or False, got {getattr(fault, name)!r}")
    if fault.malformed not in (None, "garbage", "truncated"):
        raise ValueError(f"malformed must be 'garbage' or 'truncated', got {fault.malformed!r}")
    if fault.field is not None and not isinstance(fault.field, str):
        raise ValueError(f"field must be the name of a body field, got {fault.field!r}")
    if fault.headers is not None:
        _check_headers(fault.headers)
    if fault.detail is not None and not isinstance(fault.detail, str):
        if not isinstance(fault.detail, Sequence) or not all(
            isinstance(error, Mapping) for error in fault.detail
        ):
            raise ValueError(
                f"detail must be a text or a list of error objects (a 422's detail), "
                f"got {fault.detail!r}"
            )
        _check_json("detail", fault.detail)
    if fault.body is not None:
        _check_json("body", fault.body)


def _check_they_fit_together(fault: Fault) -> None:
    if fault.drop and fault.malformed is not None:
        raise ValueError("choose drop=True or malformed=..., not both")
    if not fault.sends_http:
        given = [name for name in _HTTP_ANSWER_OPTIONS if getattr(fault, name) is not None]
        if given:
            raise ValueError(
                f"a dropped connection or garbage bytes carry no HTTP status, headers or body: "
                f"{', '.join(given)} cannot be sent"
            )
    if fault.status is None and (fault.body is not None or fault.detail is not None):
        raise ValueError("body= and detail= describe an error answer: pass status=...")
    if fault.status is None and not (fault.drop or fault.malformed or fault.delay):
        raise ValueError(
            "say what the fault does: status=..., delay=..., drop=True or malformed=..."
        )
    detail_list = fault.detail is not None and not isinstance(fault.detail, str)
    if (fault.field is not None or detail_list) and fault.status != 422:
        raise ValueError("field= and a list detail= describe a 422: pass status=422")
    if fault.field is not None and fault.detail is not None:
        raise ValueError("give detail= (the errors as they are) or field= (generated), not both")
    if fault.body is not None and (fault.detail is not None or fault.field is not None):
        raise ValueError("body= replaces the whole answer: detail= and field= would be ignored")
    headers = {name.lower() for name in fault.headers or {}}
    for option, header in (("retry_after", "retry-after"), ("retry_after_ms", "retry-after-ms")):
        if getattr(fault, option) is not None and header in headers:
            raise ValueError(f"headers= sets {header} and so does {option}=: give one")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_seconds(name: str, value: object, maximum: float) -> None:
    seconds = float(value) if isinstance(value, Real) and not isinstance(value, bool) else math.nan
    if not math.isfinite(seconds) or not 0 <= seconds <= maximum:
        raise ValueError(f"{name} must be a number from 0 to {maximum:g}, got {value!r}")


def _check_headers(headers: object) -> None:
    if not isinstance(headers, Mapping):
        raise ValueError(f"headers must map header names to values, got {headers!r}")
    seen: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            raise ValueError(
                f"headers: {name!r} is not a header name HTTP can carry (letters, digits and "
                "!#$%&'*+-.^_`|~, nothing else)"
            )
        if name.lower() in FRAMING_HEADERS:
            raise ValueError(
                f"headers: {name!r} frames the answer on the connection; the server sets it"
            )
        if name.lower() in SERVER_HEADERS:
            raise ValueError(f"headers: the server always sends {name!r}; a second would be sent")
        if name.lower() in BODY_CODING_HEADERS and str(value).strip().lower() != "identity":
            raise ValueError(
                f"headers: {name!r} would tell the client the body is encoded ({value!r}), but "
                "the fake sends it plain: every client would fail to decode it (use "
                "malformed= for a broken answer)"
            )
        if name.lower() in seen:
            raise ValueError(f"headers: {seen[name.lower()]!r} and {name!r} are the same header")
        seen[name.lower()] = name
        # U+0085 (NEL) is latin-1 but a line break to Python's str.splitlines (http.client).
        if not isinstance(value, str) or not _FIELD_VALUE.fullmatch(value) or "\x85" in value:
            raise ValueError(
                f"headers: the value of {name!r} must be text HTTP can carry (latin-1, no line "
                f"breaks or control characters), got {value!r}"
            )
        # str.strip() also drops U+00A0 and U+0085, as clients that read headers as text do.
        if value != value.strip():
            raise ValueError(
                f"headers: the value of {name!r} starts or ends with white space, which HTTP "
                f"drops: the client would see {value.strip()!r}, got {value!r}"
            )


def _check_json(name: str, value: Any) -> None:
    if _nesting(value) > MAX_NESTING:
        raise ValueError(
            f"{name} nests lists and objects more than {MAX_NESTING} levels deep "
            "(or refers to itself)"
        )
    try:
        json.dumps(value, allow_nan=True)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be JSON (dicts, lists, text, numbers): {exc}") from None


def _nesting(value: Any) -> int:
    """How deeply ``value`` nests lists and dicts, counted without recursion; stops counting
    past ``MAX_NESTING`` (so a structure that contains itself ends the count too)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            children: Any = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_NESTING:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _number_text(value: float) -> str:
    """A header's number: integers as integers (``retry-after: 2``), else plain decimals."""
    number = float(value)
    if number.is_integer():
        return str(int(number))
    return f"{number:.6f}".rstrip("0").rstrip(".")
