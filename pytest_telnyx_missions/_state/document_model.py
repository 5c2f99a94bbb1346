"""The state document as a pydantic model: one validation pass over the whole document.

Items have the fields of the API's models (a test holds them equal), with three differences:
an unknown field is refused; a field the fake derives may be left out (its default is
:data:`UNSET`, filled from the clock when the document is loaded); and free-form values
(``metadata``, ``input``, ``payload``, an attachment's fields) must be JSON the fake can answer
with: objects with string keys, lists, strings, finite numbers, booleans and null, nested no
deeper than the serializer goes (255 levels). Times must carry their offset.

Ids are checked by :mod:`.documents` (their rules need the whole document), not here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, JsonValue, TypeAdapter, ValidationError

from .._api.models import RunStatusName, StepStatusName

__all__ = ["DOCUMENT", "UNSET", "StateDocument", "document_problems"]

UNSET = datetime(1, 1, 1, tzinfo=timezone.utc)
"""The default of a derived time left out of an item (compared by identity, never served)."""

_Free = dict[str, JsonValue] | None


class _Item(BaseModel):
    # Not frozen, and validated once: the loader fills derived times into the item's own dict.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, revalidate_instances="never")


class MissionItem(_Item):
    mission_id: str
    name: str
    execution_mode: Literal["external", "managed"] = "external"
    created_at: AwareDatetime = UNSET
    updated_at: AwareDatetime = UNSET
    description: str | None = None
    model: str | None = None
    instructions: str | None = None
    metadata: _Free = None


class RunItem(_Item):
    run_id: str
    mission_id: str
    status: RunStatusName
    input: _Free = None
    started_at: AwareDatetime = UNSET
    finished_at: AwareDatetime | None = UNSET
    result_summary: str | None = None
    result_payload: _Free = None
    error: str | None = None
    metadata: _Free = None
    updated_at: AwareDatetime = UNSET


class EventItem(_Item):
    event_id: str
    run_id: str
    type: str
    summary: str
    timestamp: AwareDatetime = UNSET
    step_id: str | None = None
    agent_id: str | None = None
    payload: _Free = None
    idempotency_key: str | None = None


class StepItem(_Item):
    step_id: str
    run_id: str
    sequence: int
    description: str
    status: StepStatusName = "pending"
    parent_step_id: str | None = None
    started_at: AwareDatetime | None = UNSET
    completed_at: AwareDatetime | None = UNSET
    metadata: _Free = None


class AgentItem(_Item):
    run_id: str
    telnyx_agent_id: str
    created_at: AwareDatetime = UNSET


class _Attachment(BaseModel):
    """A mission's knowledge base, MCP server or tool: its ids, then any JSON fields."""

    model_config = ConfigDict(extra="allow", allow_inf_nan=False)
    __pydantic_extra__: dict[str, JsonValue]

    mission_id: str


class KnowledgeBaseItem(_Attachment):
    knowledge_base_id: str


class McpServerItem(_Attachment):
    mcp_server_id: str


class ToolItem(_Attachment):
    tool_id: str


class StateDocument(BaseModel):
    """What ``dump_state`` writes and ``load_state`` reads; a key left out is an empty list."""

    model_config = ConfigDict(extra="forbid")

    missions: list[MissionItem] = []
    runs: list[RunItem] = []
    events: list[EventItem] = []
    plan_steps: list[StepItem] = []
    telnyx_agents: list[AgentItem] = []
    knowledge_bases: list[KnowledgeBaseItem] = []
    mcp_servers: list[McpServerItem] = []
    tools: list[ToolItem] = []


DOCUMENT: TypeAdapter[StateDocument] = TypeAdapter(StateDocument)
DOC_KEYS: tuple[str, ...] = tuple(StateDocument.model_fields)
_ITEM_MODELS: dict[str, type[BaseModel]] = {
    key: info.annotation.__args__[0]  # type: ignore[union-attr]
    for key, info in StateDocument.model_fields.items()
}
_FREE_FIELDS = frozenset({"metadata", "input", "result_payload", "payload"})
_JSON_TAGS = frozenset({"dict", "list", "str", "int", "float", "bool"})


def document_problems(error: ValidationError) -> list[str]:
    """One line per problem pydantic found, named as a reader finds it: ``runs[2].status: ...``."""
    return [_problem(details) for details in error.errors(include_url=False)]


def _problem(details: Mapping[str, Any]) -> str:
    loc = tuple(details["loc"])
    kind = details["type"]
    if not loc:
        return f"a state document is an object with the keys {', '.join(DOC_KEYS)}"
    key = str(loc[0])
    if kind == "extra_forbidden" and len(loc) == 1:
        return f"{key}: unknown key (keys: {', '.join(DOC_KEYS)})"
    if len(loc) == 1:
        if kind == "list_type":
            return f"{key}: expected a list, got {type(details.get('input')).__name__}"
        return f"{key}: {_message(details)}"
    where = f"{key}[{loc[1]}]"
    rest = loc[2:]
    if not rest:
        if kind == "model_type":
            return f"{where}: expected an object, got {details.get('input')!r}"
        return f"{where}: {_message(details)}"
    field = str(rest[0])
    if kind == "extra_forbidden":
        fields = ", ".join(_ITEM_MODELS[key].model_fields)
        return f"{where}.{field}: unknown field (fields: {fields})"
    path = field + _json_path(rest[1:], tag_first=field not in _FREE_FIELDS)
    if kind == "recursion_depth_exceeded":
        return f"{where}.{field}: nested deeper than 255 levels, more than the fake can answer with"
    return f"{where}.{path}: {_message(details)}"


def _json_path(parts: Iterable[object], *, tag_first: bool) -> str:
    """The keys and indexes of a JSON value's error location, without pydantic's union tags."""
    shown: list[str] = []
    keys: list[object] = []
    expect_tag = tag_first
    for part in parts:
        if expect_tag and part in _JSON_TAGS:
            expect_tag = False
            continue
        if part == "[key]" and keys:  # the key itself is wrong, not its value
            shown[-1] = f" (key {keys[-1]!r})"
            break
        keys.append(part)
        shown.append(f"[{part}]" if isinstance(part, int) else f".{part}")
        expect_tag = True
    return "".join(shown)


def _message(details: Mapping[str, Any]) -> str:
    message = str(details["msg"]).removeprefix("Value error, ")
    if details["type"] == "invalid-json-value":
        return f"not a JSON value (a {type(details.get('input')).__name__})"
    return message
