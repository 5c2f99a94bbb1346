"""JSON as the fake writes it on the wire: Starlette's compact form, and never a crash.

The one JSON writer of the fake (answers, the truncated answers of fault rules, the control API),
with the depth measure the request pipeline uses to refuse bodies nested too deep.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

__all__ = ["dump_json", "json_depth"]


_COMPACT = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
"""``json.dumps(..., ensure_ascii=False, allow_nan=False, separators=(",", ":"))``, made once."""


def dump_json(body: Any) -> bytes:
    """Compact UTF-8 JSON as Starlette writes it.

    Where Starlette would crash (a 500), the fake still answers valid JSON: NaN and infinities
    become null, text that is not valid Unicode (a lone surrogate sent as ``"\\ud800"``) is
    written back escaped, and a value nested deeper than ``json.dumps`` can recurse (a 422
    echoing deep input) is written without recursion.
    """
    try:
        text = _COMPACT.encode(body)
    except (ValueError, RecursionError):
        text = _write_json(body, ascii_only=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return _write_json(body, ascii_only=True).encode("ascii")


def _write_json(value: Any, *, ascii_only: bool) -> str:
    """``json.dumps`` with compact separators, NaN and infinities as null, and no recursion."""
    parts: list[str] = []
    todo: list[tuple[bool, Any]] = [(False, value)]  # (is written text, value)
    while todo:
        is_text, item = todo.pop()
        if is_text:
            parts.append(item)
        elif isinstance(item, dict):
            todo.append((True, "}"))
            entries = list(item.items())
            for index in range(len(entries) - 1, -1, -1):
                key, child = entries[index]
                todo.append((False, child))
                comma = "," if index else ""
                todo.append((True, f"{comma}{_json_key(key, ascii_only)}:"))
            todo.append((True, "{"))
        elif isinstance(item, (list, tuple)):
            todo.append((True, "]"))
            for index in range(len(item) - 1, -1, -1):
                todo.append((False, item[index]))
                if index:
                    todo.append((True, ","))
            todo.append((True, "["))
        elif isinstance(item, float) and not math.isfinite(item):
            parts.append("null")
        else:
            parts.append(json.dumps(item, ensure_ascii=ascii_only))
    return "".join(parts)


def _json_key(key: Any, ascii_only: bool) -> str:
    """A dict key as ``json.dumps`` writes it (it turns numbers, booleans and None into text)."""
    if not isinstance(key, str):
        key = json.dumps(key)  # 1 -> "1", True -> "true", None -> "null"
    return json.dumps(key, ensure_ascii=ascii_only)


def json_depth(value: Any) -> int:
    """How deeply ``value`` nests lists and objects (a scalar is 0), counted without recursion."""
    deepest = 0
    todo: list[tuple[Any, int]] = [(value, 1)]
    while todo:
        item, depth = todo.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        todo.extend((child, depth + 1) for child in children)
    return deepest
