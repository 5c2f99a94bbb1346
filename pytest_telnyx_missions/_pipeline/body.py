"""The request's body as FastAPI 0.128 reads it: JSON for JSON types (or none), raw bytes
otherwise, and the depths past which FastAPI, or the fake, cannot answer it."""

from __future__ import annotations

import email.message
import json
from functools import lru_cache
from typing import Any

from .._api.errors import BODY_PARSE_ERROR, ApiError, json_invalid_error, validation_error
from .._api.json_text import MAX_VALUE_DEPTH, json_depth
from .._api.request import Incoming

__all__ = [
    "MAX_ANSWERABLE_DEPTH",
    "MAX_JSON_DEPTH",
    "TOO_DEEP",
    "lenient_json",
    "loads",
    "parse_body",
    "sent_json",
    "too_deep_to_answer",
]

MAX_JSON_DEPTH = 967
"""The deepest JSON body FastAPI 0.128 parses on CPython 3.11 (measured against the test-only
oracle: at 968 levels its ``json.loads`` runs out of stack and it answers 400 "There was an
error parsing the body"). The fake answers that 400 above this depth, whatever its own stack."""
MAX_ANSWERABLE_DEPTH = MAX_VALUE_DEPTH + 1
"""The deepest valid body the fake applies: its object and values 255 levels deep inside, as
deep as pydantic's serializer writes a value (``MAX_VALUE_DEPTH``).
FastAPI 0.128 answers a deeper valid body 500 (its response model cannot be written); the fake
refuses it with a 400 in Telnyx's envelope before applying anything (README: deviations)."""


def parse_body(request: Incoming, brackets: int) -> Any:
    """The body as FastAPI 0.128 reads it: JSON for JSON types (or none), raw bytes otherwise.
    ``brackets``: how many ``[`` and ``{`` it holds."""
    raw = request.body
    if not raw:
        return None
    try:
        if _is_json(request.environ.get("CONTENT_TYPE")):
            parsed = loads(raw)
            # Cheap test first: only a body with that many brackets can nest that deep.
            if brackets > MAX_JSON_DEPTH and json_depth(parsed) > MAX_JSON_DEPTH:
                raise ApiError(400, BODY_PARSE_ERROR)
            return parsed
        raw.decode("utf-8")  # FastAPI would crash with a 500 here; the fake answers the 400.
        return raw
    except json.JSONDecodeError as exc:
        raise validation_error([json_invalid_error(exc)]) from exc
    except ApiError:
        raise
    except Exception as exc:  # RecursionError included: FastAPI's 400 for JSON too deep
        raise ApiError(400, BODY_PARSE_ERROR) from exc


_DECODER = json.JSONDecoder()


def loads(raw: bytes) -> Any:
    """``json.loads(raw)``, the same value or error, in half its time for a body that opens an
    object or a list: such bytes are UTF-8 to ``json.loads`` (no BOM, no NUL of UTF-16/32), and
    with nothing before or after the value there is no whitespace to skip; anything else, or any
    failure, is left to ``json.loads`` itself."""
    if raw[:1] in _OPENING and raw[1:2] != b"\x00":
        try:
            text = raw.decode("utf-8", "surrogatepass")
            value, end = _DECODER.raw_decode(text)
        except Exception:  # noqa: BLE001 - json.loads below raises what FastAPI would see
            pass
        else:
            if end == len(text):
                return value
    return json.loads(raw)


_OPENING = (b"{", b"[")


TOO_DEEP = (
    f"The body nests deeper than {MAX_ANSWERABLE_DEPTH} levels (its object and "
    f"{MAX_ANSWERABLE_DEPTH - 1} inside): the fake could not answer with such a value, so it "
    "applied nothing."
)


def too_deep_to_answer(brackets: int, sent: Any) -> bool:
    """Whether a valid body (with ``brackets`` of ``[`` and ``{``) nests deeper than the fake
    can write back (cheap test first: only a body with that many brackets can)."""
    return brackets > MAX_ANSWERABLE_DEPTH and json_depth(sent) > MAX_ANSWERABLE_DEPTH


def lenient_json(request: Incoming) -> Any:
    """The body as JSON if it is JSON; None otherwise (the service declares no body here)."""
    raw = request.body
    try:
        return json.loads(raw) if raw else None
    except Exception:  # noqa: BLE001 - an undeclared body is ignored, whatever it holds
        return None


def sent_json(request: Incoming) -> Any:
    """A JSON body the pipeline did not get to read, for the journal; None if it is not JSON."""
    if not _is_json(request.environ.get("CONTENT_TYPE")):
        return None
    return lenient_json(request)


@lru_cache(maxsize=64)
def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return True
    message = email.message.Message()
    message["content-type"] = content_type
    if message.get_content_maintype() != "application":
        return False
    subtype = message.get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")
