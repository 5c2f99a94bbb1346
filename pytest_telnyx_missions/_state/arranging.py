"""Arranging state from Python: one method per resource, with the ids the test chooses.

Each method checks what it is given where it is given (unknown fields, ids a path would refuse,
ids already taken, unknown owners), stores the resource with the fields the API would have
derived (a finished run has ``finished_at``), creates nothing else, and returns a copy.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel

from .._api.json_text import MAX_VALUE_DEPTH, json_depth
from .._api.models import Event, Mission, MissionRun, PlanStep, RunStatusName, TelnyxAgent
from .._config import named_with_hints, unknown_names
from .path_ids import path_id
from .state_times import TIME_FIELDS, unreached_times
from .store import ATTACHMENT_KINDS, AttachmentKind, Store, json_time

_M = TypeVar("_M", bound=BaseModel)


class Arranger:
    """Puts resources in the store as a test chooses them (``FakeMissions.add_run`` and the
    other ``add_*`` methods hand on to it)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = store.lock

    def add_mission(self, /, *, mission_id: str | None = None, **fields: Any) -> Mission:
        """Add a mission (``name`` defaults to ``"Added mission"``) and return it."""
        with self._lock:
            store = self._store
            mission_id = _new_id(store.missions, mission_id, "mission_id", store, uuid=False)
            now = store.now()
            mission = _build(
                Mission,
                "add_mission",
                fields,
                fixed={"mission_id": mission_id},
                defaults={"name": "Added mission", "created_at": now, "updated_at": now},
            )
            return store.put_mission(mission).model_copy(deep=True)

    def add_run(
        self,
        /,
        *,
        mission_id: str | None = None,
        run_id: str | None = None,
        status: RunStatusName = "running",
        **fields: Any,
    ) -> MissionRun:
        """Add a run to a mission (by default the first one) and return it.

        A finished status (``succeeded``, ``failed``, ``cancelled``) sets ``finished_at``.
        """
        with self._lock:
            store = self._store
            if mission_id is None:
                mission_id = next(iter(store.missions), None)
                if mission_id is None:
                    raise LookupError("The fake has no mission for a run: add_mission() first.")
            mission_id = path_id(mission_id, "mission_id", uuid=True)
            _known(store.missions, mission_id, "mission", "add_mission")
            run_id = _new_id(store.runs, run_id, "run_id", store, uuid=True)
            now = store.now()
            defaults: dict[str, Any] = {"input": {}, **_reached("runs", status, now)}
            run = _build(
                MissionRun,
                "add_run",
                fields,
                fixed={"run_id": run_id, "mission_id": mission_id, "status": status},
                defaults=defaults,
            )
            return store.put_run(run).model_copy(deep=True)

    def add_event(self, /, *, run_id: str, event_id: str | None = None, **fields: Any) -> Event:
        """Add an event to a run's audit trail (``type`` defaults to ``"custom"``)."""
        with self._lock:
            store = self._store
            run = self._known_run(run_id)
            event_id = _new_id(store.events, event_id, "event_id", store, uuid=False)
            event = _build(
                Event,
                "add_event",
                fields,
                fixed={"event_id": event_id, "run_id": run.run_id},
                defaults={"type": "custom", "summary": "Added event", "timestamp": store.now()},
            )
            return store.put_event(event).model_copy(deep=True)

    def add_plan_step(
        self, /, *, run_id: str, step_id: str, description: str, sequence: int, **fields: Any
    ) -> PlanStep:
        """Add a step to a run's plan; its status sets ``started_at``/``completed_at``."""
        with self._lock:
            store = self._store
            run = self._known_run(run_id)
            step_id = path_id(step_id, "step_id", uuid=False)
            if (run.run_id, step_id) in store.steps:
                raise ValueError(f"run {run.run_id} already has a plan step {step_id!r}")
            now = store.now()
            status = fields.get("status", "pending")
            defaults = _reached("steps", status, now)
            step = _build(
                PlanStep,
                "add_plan_step",
                fields,
                fixed={
                    "run_id": run.run_id,
                    "step_id": step_id,
                    "description": description,
                    "sequence": sequence,
                },
                defaults=defaults,
            )
            return store.put_step(step).model_copy(deep=True)

    def link_agent(self, *, run_id: str, telnyx_agent_id: str) -> TelnyxAgent:
        """Link a Telnyx agent to a run."""
        with self._lock:
            run = self._known_run(run_id)
            agent_id = path_id(telnyx_agent_id, "telnyx_agent_id", uuid=False)
            if (run.run_id, agent_id) in self._store.agents:
                raise ValueError(f"agent {agent_id!r} is already linked to run {run.run_id}")
            return self._store.link_agent(run, agent_id).model_copy(deep=True)

    def add_knowledge_base(
        self, /, *, mission_id: str, knowledge_base_id: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Attach a knowledge base (any JSON fields: the API gives it no schema)."""
        kind = ATTACHMENT_KINDS["knowledge-bases"]
        return self._attach(kind, mission_id, knowledge_base_id, fields)

    def add_mcp_server(
        self, /, *, mission_id: str, mcp_server_id: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Attach an MCP server (any JSON fields: the API gives it no schema)."""
        return self._attach(ATTACHMENT_KINDS["mcp-servers"], mission_id, mcp_server_id, fields)

    def add_tool(
        self, /, *, mission_id: str, tool_id: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Attach a tool (any JSON fields: the API gives it no schema)."""
        return self._attach(ATTACHMENT_KINDS["tools"], mission_id, tool_id, fields)

    def _attach(
        self, kind: AttachmentKind, mission_id: str, item_id: str | None, fields: Mapping[str, Any]
    ) -> dict[str, Any]:
        with self._lock:
            store = self._store
            mission_id = path_id(mission_id, "mission_id", uuid=False)
            _known(store.missions, mission_id, "mission", "add_mission")
            taken = {key[2] for key in store.attachments if key[:2] == (kind.kind, mission_id)}
            item_id = _new_id(taken, item_id, kind.id_name, store, uuid=False)
            reserved = sorted({kind.id_name, "mission_id"} & set(fields))
            if reserved:
                raise TypeError(f"add_{kind.singular}() sets {reserved} itself")
            _answerable(f"add_{kind.singular}", fields)
            now = json_time(store.now())
            item = {"created_at": now, "updated_at": now, **fields}
            item |= {kind.id_name: item_id, "mission_id": mission_id}
            return dict(store.put_attachment((kind.kind, mission_id, item_id), item))

    def _known_run(self, run_id: str) -> MissionRun:
        run = self._store.runs.get(path_id(run_id, "run_id", uuid=True))
        if run is None:
            raise LookupError(f"The fake has no run {run_id!r}: add_run(run_id=...) first.")
        return run


def _new_id(
    taken: Collection[str], chosen: str | None, name: str, store: Store, *, uuid: bool
) -> str:
    if chosen is None:
        return store.new_id()
    made = path_id(chosen, name, uuid=uuid)
    if made in taken:
        raise ValueError(f"{name} {made!r} already exists in the fake: choose another id")
    return made


def _known(found: Collection[str], item_id: str, what: str, adder: str) -> None:
    if item_id not in found:
        raise LookupError(f"The fake has no {what} {item_id!r}: {adder}(...) first.")


def _build(
    model: type[_M],
    method: str,
    fields: Mapping[str, Any],
    *,
    fixed: Mapping[str, Any],
    defaults: Mapping[str, Any],
) -> _M:
    """``model`` from the caller's fields over the defaults; an unknown field is a TypeError."""
    allowed = [name for name in model.model_fields if name not in fixed]
    unknown = sorted(unknown_names(fields, allowed))
    if unknown:
        raise TypeError(
            # The hint may name a parameter of the method (status=), which is a field too.
            f"{method}() got unknown field(s) {named_with_hints(unknown, [*fixed, *allowed])}; "
            f"valid fields: {', '.join(allowed)}"
        )
    _answerable(method, fields)
    return model.model_validate({**defaults, **fields, **fixed})


def _answerable(method: str, fields: Mapping[str, Any]) -> None:
    """A ValueError for a value nested deeper than the fake can answer with: stored, it would
    make every answer that shows it (and ``dump_state``) fail."""
    for name, value in fields.items():
        if isinstance(value, (dict, list)) and json_depth(value) > MAX_VALUE_DEPTH:
            raise ValueError(
                f"{method}() {name}: nested deeper than {MAX_VALUE_DEPTH} levels, more than "
                "the fake can answer with"
            )


def _reached(kind: Literal["runs", "steps"], status: str, now: datetime) -> dict[str, Any]:
    """``now`` for each time an item in ``status`` has reached (the others stay null)."""
    unreached = unreached_times(kind, status)
    return {name: now for name in TIME_FIELDS[kind] if name not in unreached}
