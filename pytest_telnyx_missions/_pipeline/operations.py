"""A row of the route table, and what its handler is given.

Below the fault rules and the pipeline: a fault rule names operations, the pipeline routes to
them, and neither imports the other for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from pydantic import BaseModel

if TYPE_CHECKING:
    from .._state.store import Store

_M = TypeVar("_M", bound=BaseModel)
_PARAM = re.compile(r"\{(\w+)\}")


class Call(NamedTuple):
    """What a handler gets: validated input and the store, already locked. (Not a journal
    record: the journal's record of a call is ``_journal.calls.RecordedCall``.) Immutable, and
    a tuple: made for every request, in a third of a frozen dataclass's time."""

    store: Store
    path: Mapping[str, str]
    body: BaseModel | None
    sent: Mapping[str, Any]
    """The JSON object exactly as the client sent it (empty when there was none)."""
    query: BaseModel | None = None

    def body_as(self, model: type[_M]) -> _M:
        assert isinstance(self.body, model), f"{model.__name__} expected, got {self.body!r}"
        return self.body

    def query_as(self, model: type[_M]) -> _M:
        assert isinstance(self.query, model), f"{model.__name__} expected, got {self.query!r}"
        return self.query

    def changes_as(self, model: type[BaseModel]) -> dict[str, Any]:
        """The fields the client sent, as JSON values: ``body.model_dump(mode="json",
        exclude_unset=True)``, asked of the model's serializer itself (``model_dump`` adds a
        Python call with a dozen arguments, as long again as the dump)."""
        body = self.body_as(model)
        changes: dict[str, Any] = body.__pydantic_serializer__.to_python(
            body, mode="json", exclude_unset=True
        )
        return changes


Handler = Callable[[Call], Any]


@dataclass(frozen=True)
class Operation:
    """One row of the route table."""

    name: str
    method: str
    path: str
    handler: Handler
    success_status: int = 200
    body: type[BaseModel] | None = None
    body_required: bool = False
    query: type[BaseModel] | None = None
    uuid_params: frozenset[str] = frozenset({"mission_id", "run_id"})
    any_json: bool = False
    """No declared body, but a JSON object sent along is kept (``Call.sent``), never rejected."""
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regex = _PARAM.sub(
            lambda m: f"(?P<{m.group(1)}>[^/]+)",
            re.escape(self.path).replace(r"\{", "{").replace(r"\}", "}"),
        )
        object.__setattr__(self, "pattern", re.compile(f"^{regex}$"))

    @property
    def matchable(self) -> tuple[str, ...] | None:
        """The keys a recorded call of this operation can be matched on (``assert_called``,
        ``wait_for``...): the ids in its path, then its body's fields; None for an operation
        that keeps any JSON object sent (any key may be asked for)."""
        if self.any_json:
            return None
        body = tuple(self.body.model_fields) if self.body is not None else ()
        return (*self.pattern.groupindex, *body)
