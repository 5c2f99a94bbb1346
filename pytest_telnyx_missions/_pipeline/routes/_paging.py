"""The envelopes answers come in: ``{"data": ...}`` for one object or a list, and a page of a
list with the ``meta`` the SDK's paginator reads."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Protocol, TypeAlias

from pydantic import BaseModel

from ..._api.json_text import DataAnswer, data_answer

Answer: TypeAlias = "DataAnswer | dict[str, Any]"
"""What a handler returns: the answer's JSON body (``data`` of one item is already written)."""


class _Paged(Protocol):
    page_number: int
    page_size: int


def page(items: Sequence[BaseModel], query: _Paged) -> dict[str, Any]:
    """One page of ``items``; ``meta.page_number`` echoes the request, as the SDK pages by it."""
    number, size = query.page_number, query.page_size
    chunk = items[(number - 1) * size : number * size]
    return {
        "data": [item.model_dump(mode="json") for item in chunk],
        "meta": {
            "total_pages": math.ceil(len(items) / size),
            "total_results": len(items),
            "page_number": number,
            "page_size": size,
        },
    }


data = data_answer
"""``{"data": item}`` of one stored item (its bytes written ahead: see ``data_answer``)."""


def data_list(items: Sequence[BaseModel]) -> dict[str, Any]:
    return {"data": [item.model_dump(mode="json") for item in items]}
