"""State documents: the whole store as JSON-ready lists, in the shapes the API answers with.

``dump`` turns a snapshot into a document; ``load`` checks a document item by item (fields,
id formats, references, duplicates) and turns it into a snapshot, or raises one ``ValueError``
naming every bad item and field (``runs[2].status: ...``). Nothing is half-loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ValidationError

from .._api.models import Event, Mission, MissionRun, PlanStep, TelnyxAgent
from .store import ATTACHMENT_KINDS, AttachmentKey, AttachmentKind, Snapshot

DOC_KEYS: tuple[str, ...] = (
    "missions",
    "runs",
    "events",
    "plan_steps",
    "telnyx_agents",
    *(kind.plural for kind in ATTACHMENT_KINDS.values()),
)
_MAX_PROBLEMS = 20


def dump(snapshot: Snapshot) -> dict[str, list[dict[str, Any]]]:
    doc: dict[str, list[dict[str, Any]]] = {
        "missions": [m.model_dump(mode="json") for m in snapshot.missions],
        "runs": [r.model_dump(mode="json") for r in snapshot.runs],
        "events": [e.model_dump(mode="json") for e in snapshot.events],
        "plan_steps": [s.model_dump(mode="json") for s in snapshot.steps],
        "telnyx_agents": [a.model_dump(mode="json") for a in snapshot.agents],
    }
    for kind in ATTACHMENT_KINDS.values():
        doc[kind.plural] = [dict(v) for (k, _, _), v in snapshot.attachments if k == kind.kind]
    return doc


def path_id(value: object, name: str, *, uuid: bool) -> str:
    """``value`` as the id a path segment carries (canonical when a UUID), or ``ValueError``."""
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string, not {value!r}")
    if uuid:
        try:
            return str(UUID(value))
        except ValueError:
            raise ValueError(
                f"{name} {value!r} is not a UUID, and the API's paths only accept a UUID there"
            ) from None
    if not value or "/" in value or value != value.strip():
        raise ValueError(
            f"{name} {value!r} cannot be a path segment (empty, a '/', or surrounding spaces)"
        )
    return canonical(value)


def canonical(value: str) -> str:
    """A UUID in canonical form; any other id unchanged."""
    try:
        return str(UUID(value))
    except ValueError:
        return value


class _Loader:
    """Collects every problem of a document before deciding."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.problems: list[str] = []
        # Ids the document names, valid or not: a reference to a bad item is not a second
        # problem (the item's own is reported).
        self.declared = {
            what: {
                canonical(str(item.get(f"{what}_id")))
                for item in _list_or_none(doc.get(key))
                if isinstance(item, Mapping)
            }
            for what, key in (("mission", "missions"), ("run", "runs"))
        }

    def items(self, doc: Mapping[str, Any], key: str) -> list[tuple[str, Mapping[str, Any]]]:
        value = doc.get(key, [])
        if not isinstance(value, list):
            self.problems.append(f"{key}: expected a list, got {type(value).__name__}")
            return []
        found = []
        for index, item in enumerate(value):
            where = f"{key}[{index}]"
            if isinstance(item, Mapping):
                found.append((where, item))
            else:
                self.problems.append(f"{where}: expected an object, got {item!r}")
        return found

    def model(self, where: str, model: type[BaseModel], item: Mapping[str, Any]) -> Any:
        unknown = sorted(set(item) - set(model.model_fields))
        for name in unknown:
            self.problems.append(
                f"{where}.{name}: unknown field (fields: {', '.join(model.model_fields)})"
            )
        try:
            made = model.model_validate(dict(item))
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                field = ".".join(str(part) for part in error["loc"])
                self.problems.append(f"{where}.{field}: {error['msg']}")
            return None
        return None if unknown else made

    def path_id(self, where: str, value: object, name: str, *, uuid: bool) -> str | None:
        """``value`` as a path id (canonical), or None with the problem noted."""
        try:
            return path_id(value, name, uuid=uuid)
        except ValueError as exc:
            self.problems.append(f"{where}.{name}: {exc}")
            return None

    def owner(self, where: str, key: str, known: Mapping[str, Any], what: str) -> bool:
        """True when the item ``key`` refers to is in the document and valid."""
        if key in known:
            return True
        if key not in self.declared[what]:
            self.problems.append(f"{where}: no {what} {key!r} in the document")
        return False

    def check(self, where: str, check: Callable[[], object]) -> bool:
        try:
            check()
        except ValueError as exc:
            self.problems.append(f"{where}: {exc}")
            return False
        return True


def load(doc: object) -> Snapshot:
    """The snapshot a document describes, or a ``ValueError`` naming every problem in it."""
    if not isinstance(doc, Mapping):
        raise ValueError(f"a state document is an object with the keys {', '.join(DOC_KEYS)}")
    loader = _Loader(doc)
    for key in sorted(set(doc) - set(DOC_KEYS)):
        loader.problems.append(f"{key}: unknown key (keys: {', '.join(DOC_KEYS)})")

    missions: dict[str, Mission] = {}
    for where, item in loader.items(doc, "missions"):
        mission = loader.model(where, Mission, item)
        if mission is None:
            continue
        mission_id = loader.path_id(where, mission.mission_id, "mission_id", uuid=False)
        if mission_id is not None and loader.check(
            f"{where}.mission_id", _unique(mission_id, missions)
        ):
            missions[mission_id] = mission.model_copy(update={"mission_id": mission_id})

    runs: dict[str, MissionRun] = {}
    for where, item in loader.items(doc, "runs"):
        run = loader.model(where, MissionRun, item)
        if run is None:
            continue
        run_id = loader.path_id(where, run.run_id, "run_id", uuid=True)
        mission_id = loader.path_id(where, run.mission_id, "mission_id", uuid=True)
        if run_id is None or mission_id is None:
            continue
        run = run.model_copy(update={"run_id": run_id, "mission_id": mission_id})
        if loader.check(f"{where}.run_id", _unique(run.run_id, runs)) and loader.owner(
            f"{where}.mission_id", run.mission_id, missions, "mission"
        ):
            runs[run.run_id] = run

    events: dict[str, Event] = {}
    for where, item in loader.items(doc, "events"):
        event = loader.model(where, Event, item)
        if event is None:
            continue
        event_id = loader.path_id(where, event.event_id, "event_id", uuid=False)
        if event_id is not None and loader.check(f"{where}.event_id", _unique(event_id, events)):
            owner = canonical(event.run_id)
            event = event.model_copy(update={"event_id": event_id, "run_id": owner})
            if loader.owner(f"{where}.run_id", event.run_id, runs, "run"):
                events[event_id] = event

    steps: dict[tuple[str, str], PlanStep] = {}
    for where, item in loader.items(doc, "plan_steps"):
        step = loader.model(where, PlanStep, item)
        if step is None:
            continue
        step_id = loader.path_id(where, step.step_id, "step_id", uuid=False)
        if step_id is None:
            continue
        step = step.model_copy(update={"step_id": step_id, "run_id": canonical(step.run_id)})
        key = (step.run_id, step.step_id)
        if loader.owner(f"{where}.run_id", step.run_id, runs, "run") and loader.check(
            f"{where}.step_id", _unique(key, steps)
        ):
            steps[key] = step

    agents: dict[tuple[str, str], TelnyxAgent] = {}
    for where, item in loader.items(doc, "telnyx_agents"):
        agent = loader.model(where, TelnyxAgent, item)
        agent_id = (
            None
            if agent is None
            else loader.path_id(where, agent.telnyx_agent_id, "telnyx_agent_id", uuid=False)
        )
        if agent is None or agent_id is None:
            continue
        agent = agent.model_copy(
            update={"telnyx_agent_id": agent_id, "run_id": canonical(agent.run_id)}
        )
        key = (agent.run_id, agent.telnyx_agent_id)
        if loader.owner(f"{where}.run_id", agent.run_id, runs, "run") and loader.check(
            f"{where}.telnyx_agent_id", _unique(key, agents)
        ):
            agents[key] = agent

    attachments: dict[AttachmentKey, Mapping[str, Any]] = {}
    for kind in ATTACHMENT_KINDS.values():
        for where, item in loader.items(doc, kind.plural):
            _load_attachment(loader, where, kind, item, missions, attachments)

    if loader.problems:
        shown = loader.problems[:_MAX_PROBLEMS]
        more = len(loader.problems) - len(shown)
        tail = [f"... and {more} more"] if more else []
        raise ValueError("\n".join(["Invalid state document:", *shown, *tail]))
    return Snapshot(
        missions=tuple(missions.values()),
        runs=tuple(runs.values()),
        events=tuple(events.values()),
        steps=tuple(steps.values()),
        agents=tuple(agents.values()),
        attachments=tuple(attachments.items()),
    )


def _load_attachment(
    loader: _Loader,
    where: str,
    kind: AttachmentKind,
    item: Mapping[str, Any],
    missions: Mapping[str, Mission],
    attachments: dict[AttachmentKey, Mapping[str, Any]],
) -> None:
    ids: list[str] = []
    for name in (kind.id_name, "mission_id"):
        if name not in item:
            loader.problems.append(f"{where}.{name}: Field required")
        elif (made := loader.path_id(where, item[name], name, uuid=False)) is not None:
            ids.append(made)
    if len(ids) != 2:
        return
    item_id, mission_id = ids
    key = (kind.kind, mission_id, item_id)
    if loader.owner(f"{where}.mission_id", mission_id, missions, "mission") and (
        loader.check(f"{where}.{kind.id_name}", _unique(key, attachments))
    ):
        attachments[key] = {**item, "mission_id": mission_id, kind.id_name: key[2]}


def _list_or_none(value: object) -> list[Any]:
    """``value`` when it is a list; a value of any other kind is reported by ``_Loader.items``."""
    return value if isinstance(value, list) else []


def _unique(key: object, seen: Mapping[Any, Any]) -> Callable[[], None]:
    def check() -> None:
        if key in seen:
            raise ValueError(f"{key!r} appears twice")

    return check
