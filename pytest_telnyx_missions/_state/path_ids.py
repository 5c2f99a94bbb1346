"""The ids a state may hold: ones a client can put in a request's path and get back unchanged.

A run id must be a UUID (its paths declare one), stored in canonical form; other ids may be any
path segment a client sends as it is: the official SDK percent-encodes every character outside
RFC 3986's ``pchar``, httpx and curl send most of them raw, the server decodes ``%XX``, and URL
parsers resolve ``.`` and ``..`` (and WHATWG's turn ``\\`` into ``/``). An id that one of them
would change could be stored but never reached, so it is refused where it is given.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from itertools import compress
from uuid import UUID

__all__ = ["all_canonical_uuids", "all_plain_ids", "canonical", "path_id"]

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


# -- a whole column of ids at once, in C (a document's ids: many, and almost always plain) ---
_HYPHENS_AT = (8, 13, 18, 23)
_UUID_CHARACTERS = b"0123456789abcdef-"
# pchar but the percent escape: what every client sends as it is.
_PLAIN_CHARACTERS = (string.ascii_letters + string.digits + "._~!$&'()*+,;=:@-").encode()
_PLAIN_LENGTHS = frozenset(range(1, 32)) | {36}  # a short segment, or a UUID's 36 characters


def all_canonical_uuids(ids: Sequence[str]) -> bool:
    """True when every one of ``ids`` is a UUID in canonical form (what :func:`path_id` keeps
    as it is): 36 characters each, hyphens where they go and only there, lower-case hex digits
    everywhere else."""
    if not ids:
        return True
    if set(map(len, ids)) != {36}:
        return False
    joined, count = "".join(ids), len(ids)
    return (
        joined.isascii()
        and all(joined[at::36] == "-" * count for at in _HYPHENS_AT)
        and joined.count("-") == 4 * count
        and not joined.encode().translate(None, _UUID_CHARACTERS)
    )


def all_plain_ids(ids: Sequence[str]) -> bool:
    """True when every one of ``ids`` is an id :func:`path_id` keeps as it is, without its
    checks: a UUID in canonical form, or 1 to 31 characters a client never encodes, not ``.``
    or ``..``. (False says only that some id needs the checks.)"""
    lengths = set(map(len, ids))
    if lengths == {36}:
        return all_canonical_uuids(ids)
    if not _PLAIN_LENGTHS.issuperset(lengths):
        return False
    joined = "".join(ids)
    uuids = list(compress(ids, map((36).__eq__, map(len, ids)))) if 36 in lengths else []
    return (
        joined.isascii()
        and not joined.encode().translate(None, _PLAIN_CHARACTERS)
        and "." not in ids
        and ".." not in ids
        and all_canonical_uuids(uuids)
    )
