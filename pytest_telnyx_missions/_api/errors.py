"""Error answers: FastAPI-shaped 422 bodies and the Telnyx platform error envelope.

Every error the fake answers is raised as an :class:`ApiError` and turned into a response in one
place (the request pipeline), so the bodies below are the only definitions of their wording.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from pydantic import ValidationError

__all__ = [
    "BODY_PARSE_ERROR",
    "NO_RETRY",
    "ApiError",
    "json_invalid_error",
    "jsonable",
    "missing_error",
    "pydantic_errors",
    "telnyx_error",
    "validation_error",
    "value_error",
]

# (code, title, detail) as documented on developers.telnyx.com; the code is a string on the wire.
TELNYX_ERRORS: dict[int, tuple[str, str, str]] = {
    400: ("10015", "Bad Request", "The request failed because it was not well-formed."),
    401: (
        "10009",
        "Authentication failed",
        "The required authentication headers were either invalid or not included in the request.",
    ),
    403: (
        "10010",
        "Authorization failed",
        "You do not have permission to perform the requested action on the specified resource "
        "or resources.",
    ),
    404: ("10005", "Resource not found", "The requested resource or URL could not be found."),
    # Not documented by Telnyx: the generic bad-request code, with the status's own title.
    409: ("10015", "Conflict", "The request conflicts with the current state of the resource."),
    429: (
        "10011",
        "Too many requests",
        "You have exceeded the maximum number of allowed requests.",
    ),
    500: ("10007", "Unexpected error", "An unexpected error occurred."),
}

BODY_PARSE_ERROR: dict[str, Any] = {"detail": "There was an error parsing the body"}
NO_RETRY: dict[str, str] = {"x-should-retry": "false"}
"""Headers of an answer the SDK must not retry (it would retry a 409, 429 or 5xx otherwise)."""


class ApiError(Exception):
    """An error answer, raised anywhere in the pipeline and written as a response once."""

    def __init__(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body
        self.headers: dict[str, str] = dict(headers or {})
        self.internal_error: str | None = None
        """A failure inside the fake (with its traceback) behind this answer, for the teardown
        check; None for an ordinary error answer."""


def telnyx_error(
    status: int,
    detail: str | None = None,
    *,
    code: str | None = None,
    title: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> ApiError:
    """The Telnyx envelope ``{"errors": [{"code", "title", "detail", "meta"}]}`` for ``status``."""
    fallback = 500 if status >= 500 else 400
    default_code, default_title, default_detail = TELNYX_ERRORS.get(status, TELNYX_ERRORS[fallback])
    code = code or default_code
    error = {
        "code": code,
        "title": title or default_title,
        "detail": detail or default_detail,
        "meta": {"url": f"https://developers.telnyx.com/docs/overview/errors/{code}"},
    }
    return ApiError(status, {"errors": [error]}, headers)


def validation_error(errors: Iterable[Mapping[str, Any]]) -> ApiError:
    """A 422 ``{"detail": [...]}`` exactly as FastAPI's default handler writes it."""
    return ApiError(422, {"detail": jsonable(list(errors))})


def pydantic_errors(
    exc: ValidationError, loc_prefix: tuple[str | int, ...]
) -> list[dict[str, Any]]:
    """pydantic's errors as FastAPI reports them: no URL, ``loc`` prefixed with the source."""
    return [
        {**error, "loc": (*loc_prefix, *error["loc"])} for error in exc.errors(include_url=False)
    ]


def missing_error(loc: tuple[str | int, ...]) -> dict[str, Any]:
    return {"type": "missing", "loc": loc, "msg": "Field required", "input": None}


def value_error(loc: tuple[str | int, ...], message: str, value: Any) -> dict[str, Any]:
    """A ``ValueError`` raised by a validator, as pydantic reports it and FastAPI writes it
    (``ctx.error`` is the exception, which FastAPI's encoder writes as ``{}``)."""
    return {
        "type": "value_error",
        "loc": loc,
        "msg": f"Value error, {message}",
        "input": value,
        "ctx": {"error": {}},
    }


def json_invalid_error(exc: json.JSONDecodeError) -> dict[str, Any]:
    # FastAPI reports the character offset and json's own message, with an empty input.
    return {
        "type": "json_invalid",
        "loc": ("body", exc.pos),
        "msg": "JSON decode error",
        "input": {},
        "ctx": {"error": exc.msg},
    }


def jsonable(value: Any) -> Any:
    """Encode as FastAPI's ``jsonable_encoder`` does for the values that appear in error details.

    Without recursion: a 422 echoes the invalid input, which may nest hundreds of levels deep
    (FastAPI echoes up to about 960), and a recursive encoder would crash on it.
    """
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    root: list[Any] = [None]
    todo: list[tuple[Any, Any, Any]] = [(value, root, 0)]  # (value, where it goes, key there)
    while todo:
        item, parent, slot = todo.pop()
        item = _encoded_leaf(item)
        if isinstance(item, Mapping):
            encoded: dict[str, Any] = {}
            for key, child in item.items():
                text = str(jsonable(key))
                encoded[text] = None  # keeps the order of the keys
                todo.append((child, encoded, text))
            parent[slot] = encoded
        elif isinstance(item, (list, tuple, set, frozenset)):
            items = list(item)
            parent[slot] = [None] * len(items)
            todo.extend((child, parent[slot], index) for index, child in enumerate(items))
        else:
            parent[slot] = item
    return root[0]


def _encoded_leaf(value: Any) -> Any:
    """``value`` as FastAPI encodes it, one level down: containers are left to the caller."""
    while isinstance(value, Enum):
        value = value.value
    if value is None or isinstance(
        value, (str, int, float, bool, Mapping, list, tuple, set, frozenset)
    ):
        return value
    if isinstance(value, bytes):
        # FastAPI decodes as UTF-8 (and crashes with a 500 otherwise); the pipeline rejects
        # non-UTF-8 bodies with a 400 before they get here, so replacement never shows.
        return value.decode("utf-8", errors="replace")
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, BaseException):
        # jsonable_encoder falls back to vars(), which is empty for the built-in exceptions.
        return vars(value)
    return str(value)
