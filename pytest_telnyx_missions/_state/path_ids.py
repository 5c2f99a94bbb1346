"""The ids a state may hold: ones a client can put in a request's path and get back unchanged.

A run id must be a UUID (its paths declare one), stored in canonical form; other ids may be any
path segment a client sends as it is: the official SDK percent-encodes every character outside
RFC 3986's ``pchar``, httpx and curl send most of them raw, the server decodes ``%XX``, and URL
parsers resolve ``.`` and ``..`` (and WHATWG's turn ``\\`` into ``/``). An id that one of them
would change could be stored but never reached, so it is refused where it is given.
"""

from __future__ import annotations

import re
from uuid import UUID

__all__ = ["canonical", "path_id"]

_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# A URL's own delimiters and escape, the backslash, and control characters (C0, DEL, C1).
_UNREACHABLE = re.compile(r"[/?#%\\\x00-\x1f\x7f-\x9f]")
_SEGMENT_RULE = (
    "not empty, '.' or '..', no '/', '?', '#', '%', '\\' or control characters, "
    "no surrounding spaces"
)


def path_id(value: object, name: str, *, uuid: bool) -> str:
    """``value`` as the id a path segment carries (canonical when a UUID), or ``ValueError``."""
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string, not {value!r}")
    if uuid:
        if _CANONICAL_UUID.fullmatch(value):
            return value
        try:
            return str(UUID(value))
        except ValueError:
            raise ValueError(
                f"{name} {value!r} is not a UUID, and the API's paths only accept a UUID there"
            ) from None
    if (
        not value
        or value in (".", "..")
        or value != value.strip()
        or _UNREACHABLE.search(value) is not None
    ):
        raise ValueError(
            f"{name} {value!r} cannot be a path segment that every client sends unchanged "
            f"({_SEGMENT_RULE})"
        )
    return canonical(value)


def canonical(value: str) -> str:
    """A UUID in canonical form; any other id unchanged."""
    if len(value) < 32 or _CANONICAL_UUID.fullmatch(value):  # 32 hex digits at least
        return value
    try:
        return str(UUID(value))
    except ValueError:
        return value
