"""The state document as a pydantic model: one validation pass over the whole document.

Items have the fields of the API's models (a test holds them equal), with three differences:
an unknown field is refused; a field the fake derives may be left out (its default is
:data:`UNSET`, filled from the clock when the document is loaded); and free-form values
(``metadata``, ``input``, ``payload``, an attachment's fields) must be JSON the fake can answer
with: objects with string keys, lists, strings, finite numbers, booleans and null, nested no
deeper than the serializer goes (255 levels). Times must carry their offset.

Ids are checked by :mod:`.documents` (their rules need the whole document), not here.

:func:`fast_pass` is the same pass, quicker for the documents that hold: its free-form values
are checked by a JSON schema that runs in Rust (``JsonValue`` calls Python for each value), and
an item's unknown field is left to the loader, which looks once at each set of fields that items
give, not at every item. With that check it accepts a part of what :data:`DOCUMENT` accepts and
makes the same values of it; whatever it refuses, even what :data:`DOCUMENT` would take, goes
through :data:`DOCUMENT`, whose errors name the problems.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    TypeAdapter,
    ValidationError,
    with_config,
)
from pydantic_core import CoreSchema, SchemaValidator, core_schema
from typing_extensions import NotRequired, TypedDict

from .._api.models import (
    Event,
    Mission,
    MissionRun,
    PlanStep,
    RunStatusName,
    StepStatusName,
    TelnyxAgent,
)

__all__ = [
    "DOCUMENT",
    "ITEM_FIELDS",
    "ITEM_MODELS",
    "UNSET",
    "StateDocument",
    "document_problems",
    "fast_pass",
]

UNSET = datetime(1, 1, 1, tzinfo=timezone.utc)
"""The default of a derived time left out of an item (compared by identity, never served)."""

_Free = dict[str, JsonValue] | None


_ITEM_CONFIG = ConfigDict(extra="forbid", allow_inf_nan=False)
# Items are TypedDicts, not models: pydantic makes a dict about three times as fast as a model
# instance, fills every field left out with its default, in the fields' order, and the loader
# makes the store's models from these dicts as they are, without validating again.
_Derived: TypeAlias = Annotated[AwareDatetime, Field(default=UNSET)]
_DerivedOrNull: TypeAlias = Annotated[AwareDatetime | None, Field(default=UNSET)]
_Text: TypeAlias = Annotated[str | None, Field(default=None)]
_FreeField: TypeAlias = Annotated[_Free, Field(default=None)]


@with_config(_ITEM_CONFIG)
class MissionItem(TypedDict):
    mission_id: str
    name: str
    execution_mode: NotRequired[
        Annotated[Literal["external", "managed"], Field(default="external")]
    ]
    created_at: NotRequired[_Derived]
    updated_at: NotRequired[_Derived]
    description: NotRequired[_Text]
    model: NotRequired[_Text]
    instructions: NotRequired[_Text]
    metadata: NotRequired[_FreeField]


@with_config(_ITEM_CONFIG)
class RunItem(TypedDict):
    run_id: str
    mission_id: str
    status: RunStatusName
    input: NotRequired[_FreeField]
    started_at: NotRequired[_Derived]
    finished_at: NotRequired[_DerivedOrNull]
    result_summary: NotRequired[_Text]
    result_payload: NotRequired[_FreeField]
    error: NotRequired[_Text]
    metadata: NotRequired[_FreeField]
    updated_at: NotRequired[_Derived]


@with_config(_ITEM_CONFIG)
class EventItem(TypedDict):
    event_id: str
    run_id: str
    type: str
    summary: str
    timestamp: NotRequired[_Derived]
    step_id: NotRequired[_Text]
    agent_id: NotRequired[_Text]
    payload: NotRequired[_FreeField]
    idempotency_key: NotRequired[_Text]


@with_config(_ITEM_CONFIG)
class StepItem(TypedDict):
    step_id: str
    run_id: str
    sequence: int
    description: str
    status: NotRequired[Annotated[StepStatusName, Field(default="pending")]]
    parent_step_id: NotRequired[_Text]
    started_at: NotRequired[_DerivedOrNull]
    completed_at: NotRequired[_DerivedOrNull]
    metadata: NotRequired[_FreeField]


@with_config(_ITEM_CONFIG)
class AgentItem(TypedDict):
    run_id: str
    telnyx_agent_id: str
    created_at: NotRequired[_Derived]


ITEM_FIELDS: dict[str, tuple[str, ...]] = {
    key: tuple(typing.get_type_hints(item))
    for key, item in (
        ("missions", MissionItem),
        ("runs", RunItem),
        ("events", EventItem),
        ("plan_steps", StepItem),
        ("telnyx_agents", AgentItem),
    )
}
"""Each item's fields, in the API model's order (a test holds them equal)."""


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

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    missions: list[MissionItem] = []
    runs: list[RunItem] = []
    events: list[EventItem] = []
    plan_steps: list[StepItem] = []
    telnyx_agents: list[AgentItem] = []
    knowledge_bases: list[KnowledgeBaseItem] = []
    mcp_servers: list[McpServerItem] = []
    tools: list[ToolItem] = []


DOCUMENT: TypeAdapter[StateDocument] = TypeAdapter(StateDocument)
ITEM_MODELS: dict[str, type[BaseModel]] = {
    "missions": Mission,
    "runs": MissionRun,
    "events": Event,
    "plan_steps": PlanStep,
    "telnyx_agents": TelnyxAgent,
}
"""The store's model of each kind of item the document's TypedDicts describe."""
DOC_KEYS: tuple[str, ...] = tuple(StateDocument.model_fields)
_ITEM_FIELDS: dict[str, tuple[str, ...]] = {
    **ITEM_FIELDS,
    **{
        key: tuple(model.model_fields)
        for key, model in (
            ("knowledge_bases", KnowledgeBaseItem),
            ("mcp_servers", McpServerItem),
            ("tools", ToolItem),
        )
    },
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
        if kind in ("model_type", "dict_type"):
            return f"{where}: expected an object, got {details.get('input')!r}"
        return f"{where}: {_message(details)}"
    field = str(rest[0])
    if kind == "extra_forbidden":
        fields = ", ".join(_ITEM_FIELDS[key])
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


# -- the fast pass ----------------------------------------------------------------------------
_JSON_REF = "state-document-json-value"


def _json_value() -> CoreSchema:
    """A JSON value of the exact types ``JsonValue`` takes as they are (no subclass, no
    conversion), each member strict, the first that takes a value taken (no other would, but
    float an int: int comes before it)."""
    value = core_schema.definition_reference_schema(_JSON_REF)
    members: list[CoreSchema | tuple[CoreSchema, str]] = [
        core_schema.str_schema(strict=True),
        core_schema.int_schema(strict=True),
        core_schema.dict_schema(core_schema.str_schema(strict=True), value, strict=True),
        core_schema.list_schema(value, strict=True),
        core_schema.float_schema(strict=True, allow_inf_nan=False),
        core_schema.bool_schema(strict=True),
    ]
    union = core_schema.union_schema(members, mode="left_to_right")
    return core_schema.nullable_schema(union, ref=_JSON_REF)


def _fast(schema: Any) -> Any:
    """``schema`` (a part of :data:`DOCUMENT`'s) with the fast JSON values for ``JsonValue``,
    and items that take an unknown field without a word (the loader refuses them)."""
    if isinstance(schema, list):
        return [_fast(part) for part in schema]
    if not isinstance(schema, dict):
        return schema
    kind = schema.get("type")
    if kind == "definitions":  # JsonValue's, the only one: replaced by the fast one
        return core_schema.definitions_schema(_fast(schema["schema"]), [_json_value()])
    if kind == "definition-ref":
        return core_schema.definition_reference_schema(_JSON_REF)
    fast = {name: _fast(part) for name, part in schema.items()}
    if kind == "typed-dict":  # an unknown field: found by the loader, once for many items
        fast["extra_behavior"] = "ignore"
        fast["config"] = {k: v for k, v in fast["config"].items() if k != "extra_fields_behavior"}
    return fast


@functools.cache
def fast_pass() -> SchemaValidator:
    """:data:`DOCUMENT`'s pass with JSON values checked in Rust, for the documents it takes
    (made on first use: a session that loads no document never builds it). It makes the
    document's fields (a dict), not a :class:`StateDocument`, whose own validator pydantic-core
    would take for a schema naming the class."""
    whole = _fast(DOCUMENT.core_schema)
    whole["schema"] = whole["schema"]["schema"]  # the model's fields, without the model
    try:  # nor the attachments' own validators, where pydantic-core has the switch
        return SchemaValidator(whole, _use_prebuilt=False)
    except TypeError:
        return SchemaValidator(whole)
