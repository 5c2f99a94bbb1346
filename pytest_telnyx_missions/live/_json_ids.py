"""The ids in JSON bodies and requests, found by structure: values under ``id``/``*_id`` keys
(a ``*_ids`` list's items as ``*_id``), never by the text of a value. Pure, like the engine."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

__all__ = ["MAX_DEPTH", "id_values", "is_id_key", "json_type", "sent_strings"]

MAX_DEPTH = 64
"""How deep bodies are walked; below it a subtree is compared whole (a client may send, and an
answer echo, metadata nested far deeper than the stack allows walking)."""


class _SentLike(Protocol):
    @property
    def path(self) -> str: ...
    @property
    def query(self) -> Any: ...
    @property
    def body(self) -> Any: ...


def is_id_key(key: str) -> bool:
    """True for the keys whose values are ids: ``id`` and ``*_id``."""
    return key == "id" or key.endswith("_id")


def sent_strings(sent: _SentLike) -> frozenset[str]:
    """Every string the client sent: path segments, query values, body strings."""
    found = {segment for segment in sent.path.split("/") if segment}
    found.update(sent.query.values())
    found.update(value for _, value in _walk_strings(sent.body, ""))
    return frozenset(found)


def id_values(body: Any) -> Iterator[tuple[str, str]]:
    """Every ``(kind, id)`` in a body, in document order."""
    for key, value in _walk_strings(body, ""):
        if is_id_key(key):
            yield key, value


def json_type(value: Any) -> str:
    """The JSON type of a parsed value: null, boolean, number, string, array or object."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _walk_strings(value: Any, key: str, depth: int = 0) -> Iterator[tuple[str, str]]:
    """``(key, string)`` for every string in a JSON value (a list's items under its key,
    ``*_ids`` as ``*_id``), down to :data:`MAX_DEPTH`."""
    if depth > MAX_DEPTH:
        return
    if isinstance(value, dict):
        for child_key, child in value.items():
            yield from _walk_strings(child, child_key, depth + 1)
    elif isinstance(value, list):
        item_key = key[:-1] if key.endswith("_ids") else key
        for child in value:
            yield from _walk_strings(child, item_key, depth + 1)
    elif isinstance(value, str):
        yield key, value
