"""JSON as the fake writes it on the wire: Starlette's compact form, and never a crash.

The one JSON writer of the fake (answers, the truncated answers of fault rules, the control API),
with the depth measure the request pipeline uses to refuse bodies nested too deep.
"""

from __future__ import annotations

import functools
import json
import math
import types
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import PydanticSerializationError

__all__ = ["MAX_VALUE_DEPTH", "DataAnswer", "data_answer", "dump_json", "json_depth"]

MAX_VALUE_DEPTH = 255
"""The deepest a value in a resource may nest: pydantic's serializer writes no deeper (it raises
"Maximum serialization depth exceeded"), so a deeper one would make the resource unservable.
Requests, arranging and state documents are each refused above it."""


_COMPACT = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
"""``json.dumps(..., ensure_ascii=False, allow_nan=False, separators=(",", ":"))``, made once."""


def dump_json(body: Any) -> bytes:
    """Compact UTF-8 JSON as Starlette writes it.

    Where Starlette would crash (a 500), the fake still answers valid JSON: NaN and infinities
    become null, text that is not valid Unicode (a lone surrogate sent as ``"\\ud800"``) is
    written back escaped, and a value nested deeper than ``json.dumps`` can recurse (a 422
    echoing deep input) is written without recursion.
    """
    if type(body) is DataAnswer:
        return body.wire
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


class DataAnswer:
    """``{"data": model.model_dump(mode="json")}`` with its bytes already written: what
    :func:`dump_json` returns for it. The dict itself is made only when asked for (the
    journal's ``response``): most answers are never read back."""

    __slots__ = ("_value", "model", "wire")

    def __init__(self, model: BaseModel, wire: bytes) -> None:
        self.model = model
        self.wire = wire
        self._value: dict[str, Any] | None = None

    @property
    def value(self) -> dict[str, Any]:
        if self._value is None:
            self._value = {"data": self.model.model_dump(mode="json")}
        return self._value


def data_answer(model: BaseModel) -> DataAnswer | dict[str, Any]:
    """``{"data": ...}`` of a stored model, written by pydantic-core in one pass when that gives
    the very bytes :func:`dump_json` would (about a third of the time of ``model_dump`` and the
    encoder); the plain dict otherwise.

    pydantic-core writes JSON as Starlette's encoder does but for floats (``1e16``, not
    ``1e+16``) and what ``dump_json`` repairs (a lone surrogate): a model whose values are not
    all plain JSON without floats takes the dict's way.
    """
    values = model.__dict__
    for name in _free_form(type(model)):
        value = values[name]
        if value is not None and not _plain_json(value):
            return {"data": model.model_dump(mode="json")}
    try:
        wire = model.__pydantic_serializer__.to_json(model)
    except PydanticSerializationError:  # a lone surrogate: dump_json escapes it
        return {"data": model.model_dump(mode="json")}
    return DataAnswer(model, b'{"data":' + wire + b"}")


_PLAIN_SCALARS = frozenset({str, int, bool, type(None)})
_TEXT = frozenset({str})
_TYPED_SCALARS = frozenset({str, int, bool, type(None), datetime})


@functools.cache
def _free_form(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of ``model`` that can hold what writers write differently (a float, a value
    of ``Any``): all but those of text, integers, booleans, times, literals and their unions."""
    return tuple(
        name for name, info in model.model_fields.items() if not _typed_scalar(info.annotation)
    )


def _typed_scalar(annotation: Any) -> bool:
    if annotation in _TYPED_SCALARS:
        return True
    origin = get_origin(annotation)
    if origin is Literal:
        return all(type(choice) in _PLAIN_SCALARS for choice in get_args(annotation))
    if origin is Union or origin is types.UnionType:
        return all(_typed_scalar(member) for member in get_args(annotation))
    return False


def _plain_json(value: Any) -> bool:
    """True when ``value`` holds only dicts with text keys, lists, text, integers, booleans and
    nulls: values both writers write alike."""
    if (
        type(value) is dict
        and _TEXT.issuperset(map(type, value))
        and _PLAIN_SCALARS.issuperset(map(type, value.values()))
    ):
        return True  # a flat object, the usual case: checked without a loop in Python
    todo = [value]
    while todo:
        item = todo.pop()
        kind = type(item)
        if kind is dict:
            for key, child in item.items():
                if type(key) is not str:
                    return False
                if type(child) in _PLAIN_SCALARS:
                    continue
                todo.append(child)
        elif kind is list:
            todo.extend(item)
        elif kind not in _PLAIN_SCALARS:
            return False
    return True
