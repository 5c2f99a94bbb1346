"""State documents: the whole store as JSON-ready lists, in the shapes the API answers with.

``dump`` turns a snapshot into a document in one serializer pass. ``load`` validates the whole
document in one pydantic pass (:mod:`.document_model`), then checks what needs the whole of it
(ids a path can carry, references, duplicates, times before a fixed clock) and fills the times
an item left out. A bad document raises one ``ValueError`` naming every bad item and field
(``runs[2].status: ...``), never twice for one mistake; nothing is half-loaded.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError
from typing_extensions import TypedDict

from .._api.models import (
    FINISHED_STEP_STATUSES,
    TERMINAL_RUN_STATUSES,
    Event,
    Mission,
    MissionRun,
    PlanStep,
    TelnyxAgent,
)
from .clock import CLOCK_STEP, json_time
from .document_model import DOC_KEYS, DOCUMENT, UNSET, StateDocument, document_problems
from .path_ids import canonical, path_id
from .snapshot import ATTACHMENT_KINDS, AttachmentKey, Snapshot
from .state_times import latest_time, times_of

__all__ = ["DOC_KEYS", "construct", "dump", "load"]

_MAX_PROBLEMS = 20
# Ids that need none of path_id's checks: a canonical UUID, or a short plain segment.
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_PLAIN_ID = re.compile(
    rf"{_CANONICAL_UUID.pattern}|(?!\.\.?\Z)[A-Za-z0-9._~!$&'()*+,;=:@-]{{1,31}}"
)
_M = TypeVar("_M", bound=BaseModel)


class _Dumped(TypedDict):
    missions: tuple[Mission, ...]
    runs: tuple[MissionRun, ...]
    events: tuple[Event, ...]
    plan_steps: tuple[PlanStep, ...]
    telnyx_agents: tuple[TelnyxAgent, ...]


_DUMP: TypeAdapter[_Dumped] = TypeAdapter(_Dumped)


def dump(snapshot: Snapshot) -> dict[str, list[dict[str, Any]]]:
    with _collector_paused():
        doc: dict[str, list[dict[str, Any]]] = _DUMP.dump_python(
            {
                "missions": snapshot.missions,
                "runs": snapshot.runs,
                "events": snapshot.events,
                "plan_steps": snapshot.steps,
                "telnyx_agents": snapshot.agents,
            },
            mode="json",
        )
    for kind in ATTACHMENT_KINDS.values():
        doc[kind.plural] = [dict(v) for (k, _, _), v in snapshot.attachments if k == kind.kind]
    return doc


def load(doc: object, *, clock: datetime | None = None) -> Snapshot:
    """The snapshot a document describes, or a ``ValueError`` naming every problem in it.

    ``clock`` is the fake's fixed clock, if it has one: every time in the document must lie
    before it, and a time left out is one tick before it (with real time: the moment of the
    load), or the latest time its item gives.
    """
    if not isinstance(doc, Mapping):
        raise ValueError(f"a state document is an object with the keys {', '.join(DOC_KEYS)}")
    with _collector_paused():
        try:
            parsed = DOCUMENT.validate_python(doc)
            loader = _Loader(parsed, clock, problems=[], declared=None, positions=None)
        except ValidationError as error:
            loader = _Loader.of_valid_part(doc, error, clock)
        snapshot = loader.snapshot()
    if loader.problems:
        shown = loader.problems[:_MAX_PROBLEMS]
        more = len(loader.problems) - len(shown)
        tail = [f"... and {more} more"] if more else []
        raise ValueError("\n".join(["Invalid state document:", *shown, *tail]))
    return snapshot


class _Loader:
    """The checks that need the whole document, over the items pydantic accepted."""

    def __init__(
        self,
        parsed: StateDocument,
        clock: datetime | None,
        *,
        problems: list[str],
        declared: dict[str, set[str]] | None,
        positions: dict[str, list[int]] | None,
    ) -> None:
        self.parsed = parsed
        self.clock = clock
        self.filled = datetime.now(timezone.utc) if clock is None else clock - CLOCK_STEP
        self.problems = problems
        # Ids the document names, valid or not: a reference to a bad item is not a second
        # problem (the item's own is reported). None: every item is valid, so the ids found.
        self.declared = declared
        # Each accepted item's index in the document (None: all of them, in order).
        self.positions = positions

    @classmethod
    def of_valid_part(
        cls, doc: Mapping[str, Any], error: ValidationError, clock: datetime | None
    ) -> _Loader:
        """Pydantic's problems, and a loader over the items it found none in."""
        problems = document_problems(error)
        bad_items: set[tuple[str, int]] = set()
        bad_keys: set[str] = set()
        for details in error.errors(include_url=False):
            loc = details["loc"]
            if len(loc) >= 2 and isinstance(loc[1], int):
                bad_items.add((str(loc[0]), loc[1]))
            elif loc:
                bad_keys.add(str(loc[0]))
        positions: dict[str, list[int]] = {}
        kept: dict[str, list[Any]] = {}
        for key in DOC_KEYS:
            items = doc.get(key)
            if key in bad_keys or not isinstance(items, list):
                continue
            positions[key] = [i for i in range(len(items)) if (key, i) not in bad_items]
            kept[key] = [items[i] for i in positions[key]]
        declared = {
            what: {
                canonical(str(item.get(f"{what}_id")))
                for item in _list_at(doc, key)
                if isinstance(item, Mapping)
            }
            for what, key in (("mission", "missions"), ("run", "runs"))
        }
        parsed = DOCUMENT.validate_python(kept)
        return cls(parsed, clock, problems=problems, declared=declared, positions=positions)

    def where(self, key: str, index: int) -> str:
        return f"{key}[{index if self.positions is None else self.positions[key][index]}]"

    def path_id(self, key: str, index: int, values: dict[str, Any], name: str, uuid: bool) -> bool:
        """True when ``values[name]`` is an id a path carries (made canonical there)."""
        value = values[name]
        if type(value) is str and (_CANONICAL_UUID if uuid else _PLAIN_ID).fullmatch(value):
            return True  # the common case, without the full rules' calls
        try:
            values[name] = path_id(values[name], name, uuid=uuid)
        except ValueError as exc:
            self.problems.append(f"{self.where(key, index)}.{name}: {exc}")
            return False
        return True

    def owner(self, key: str, index: int, ref: str, known: Mapping[str, Any], what: str) -> bool:
        """True when the item ``ref`` names is in the document and valid."""
        if ref in known:
            return True
        if ref not in self._declared(what):
            self.problems.append(
                f"{self.where(key, index)}.{what}_id: no {what} {ref!r} in the document"
            )
        return False

    def _declared(self, what: str) -> set[str]:
        if self.declared is None:  # every item passed pydantic: the ids it found
            self.declared = {
                "mission": {canonical(item.mission_id) for item in self.parsed.missions},
                "run": {canonical(item.run_id) for item in self.parsed.runs},
            }
        return self.declared[what]

    def unique(
        self, key: str, index: int, name: str, item_key: object, seen: Mapping[Any, Any]
    ) -> bool:
        if item_key in seen:
            shown = item_key[-1] if isinstance(item_key, tuple) else item_key
            self.problems.append(f"{self.where(key, index)}.{name}: {shown!r} appears twice")
            return False
        return True

    def snapshot(self) -> Snapshot:
        missions = self._missions()
        runs = self._runs(missions)
        snapshot = Snapshot(
            missions=tuple(missions.values()),
            runs=tuple(runs.values()),
            events=tuple(self._events(runs).values()),
            steps=tuple(self._steps(runs).values()),
            agents=tuple(self._agents(runs).values()),
            attachments=tuple(self._attachments(missions).items()),
        )
        latest = latest_time(snapshot)
        # Checked once the rest holds, when the snapshot's items are the document's, in order.
        if not self.problems and self.clock is not None and latest and latest >= self.clock:
            self.problems.extend(_after_the_clock(snapshot, self.clock, self.where))
        return replace(snapshot, latest=latest)

    def _missions(self) -> dict[str, Mission]:
        found: dict[str, Mission] = {}
        for index, item in enumerate(self.parsed.missions):
            values = item.__dict__
            if not self.path_id("missions", index, values, "mission_id", uuid=False):
                continue
            if self.unique("missions", index, "mission_id", values["mission_id"], found):
                _fill(values, ("created_at", "updated_at"), (), self.filled)
                found[values["mission_id"]] = _adopt(Mission, item)
        return found

    def _runs(self, missions: Mapping[str, Mission]) -> dict[str, MissionRun]:
        found: dict[str, MissionRun] = {}
        for index, item in enumerate(self.parsed.runs):
            values = item.__dict__
            if not (
                self.path_id("runs", index, values, "run_id", uuid=True)
                & self.path_id("runs", index, values, "mission_id", uuid=True)
            ):
                continue
            run_id = values["run_id"]
            if self.unique("runs", index, "run_id", run_id, found) and self.owner(
                "runs", index, values["mission_id"], missions, "mission"
            ):
                unfinished = () if values["status"] in TERMINAL_RUN_STATUSES else ("finished_at",)
                _fill(values, ("started_at", "finished_at", "updated_at"), unfinished, self.filled)
                found[run_id] = _adopt(MissionRun, item)
        return found

    def _events(self, runs: Mapping[str, MissionRun]) -> dict[str, Event]:
        found: dict[str, Event] = {}
        for index, item in enumerate(self.parsed.events):
            values = item.__dict__
            if not self.path_id("events", index, values, "event_id", uuid=False):
                continue
            values["run_id"] = _reference(values["run_id"], runs)
            if self.unique("events", index, "event_id", values["event_id"], found) and self.owner(
                "events", index, values["run_id"], runs, "run"
            ):
                _fill(values, ("timestamp",), (), self.filled)
                found[values["event_id"]] = _adopt(Event, item)
        return found

    def _steps(self, runs: Mapping[str, MissionRun]) -> dict[tuple[str, str], PlanStep]:
        found: dict[tuple[str, str], PlanStep] = {}
        for index, item in enumerate(self.parsed.plan_steps):
            values = item.__dict__
            if not self.path_id("plan_steps", index, values, "step_id", uuid=False):
                continue
            values["run_id"] = run_id = _reference(values["run_id"], runs)
            key = (run_id, values["step_id"])
            if self.owner("plan_steps", index, run_id, runs, "run") and self.unique(
                "plan_steps", index, "step_id", key, found
            ):
                never = _STEP_TIMES_NEVER[values["status"]]
                _fill(values, ("started_at", "completed_at"), never, self.filled)
                found[key] = _adopt(PlanStep, item)
        return found

    def _agents(self, runs: Mapping[str, MissionRun]) -> dict[tuple[str, str], TelnyxAgent]:
        found: dict[tuple[str, str], TelnyxAgent] = {}
        for index, item in enumerate(self.parsed.telnyx_agents):
            values = item.__dict__
            if not self.path_id("telnyx_agents", index, values, "telnyx_agent_id", uuid=False):
                continue
            values["run_id"] = run_id = _reference(values["run_id"], runs)
            key = (run_id, values["telnyx_agent_id"])
            if self.owner("telnyx_agents", index, run_id, runs, "run") and self.unique(
                "telnyx_agents", index, "telnyx_agent_id", key, found
            ):
                _fill(values, ("created_at",), (), self.filled)
                found[key] = _adopt(TelnyxAgent, item)
        return found

    def _attachments(
        self, missions: Mapping[str, Mission]
    ) -> dict[AttachmentKey, Mapping[str, Any]]:
        found: dict[AttachmentKey, Mapping[str, Any]] = {}
        for kind in ATTACHMENT_KINDS.values():
            for index, item in enumerate(getattr(self.parsed, kind.plural)):
                values = {**item.__dict__, **(item.__pydantic_extra__ or {})}
                ids_ok = self.path_id(kind.plural, index, values, kind.id_name, uuid=False)
                if not (
                    self.path_id(kind.plural, index, values, "mission_id", uuid=False) & ids_ok
                ):
                    continue
                key = (kind.kind, values["mission_id"], values[kind.id_name])
                if self.owner(kind.plural, index, key[1], missions, "mission") and self.unique(
                    kind.plural, index, kind.id_name, key, found
                ):
                    stamp = json_time(self.filled)
                    found[key] = {"created_at": stamp, "updated_at": stamp, **values}
        return found


_STEP_TIMES_NEVER: dict[str, tuple[str, ...]] = {
    status: tuple(
        name
        for name, reached in (
            ("started_at", status in ("in_progress", "completed", "failed")),
            ("completed_at", status in FINISHED_STEP_STATUSES),
        )
        if not reached
    )
    for status in ("pending", "in_progress", "completed", "skipped", "failed")
}
"""The times a step in each status has not reached (left out: null)."""


def _reference(ref: str, known: Mapping[str, Any]) -> str:
    """``ref`` as the id of an item it names (canonical when a UUID: looked up first)."""
    return ref if ref in known else canonical(ref)


def _list_at(doc: Mapping[str, Any], key: str) -> list[Any]:
    value = doc.get(key)
    return value if isinstance(value, list) else []


def _fill(
    values: dict[str, Any], names: tuple[str, ...], never: tuple[str, ...], filled: datetime
) -> None:
    """Fill the times of ``names`` an item left out: None for those in ``never`` (a run not
    finished), else the latest time the item gives, or ``filled`` if it gives none."""
    for name in names:
        if values[name] is UNSET:
            break
    else:
        return
    left_out = [name for name in names if values[name] is UNSET]
    given = [values[name] for name in names if values[name] is not UNSET and values[name]]
    default = max(given) if given else filled
    for name in left_out:
        values[name] = None if name in never else default


def _adopt(model: type[_M], item: BaseModel) -> _M:
    """``model`` holding the values of a validated document item with the same fields."""
    return construct(model, item.__dict__, item.__pydantic_fields_set__)


def construct(model: type[_M], values: dict[str, Any], fields_set: set[str]) -> _M:
    """A ``model`` holding ``values``, which a model with the same fields validated.

    What ``model_construct`` does, without its per-field Python work (about 20 times this
    cost at 50,000 items): validating again would only repeat the document's one pass. A test
    holds the result equal to a validated one.
    """
    made = model.__new__(model)
    object.__setattr__(made, "__dict__", values)
    object.__setattr__(made, "__pydantic_fields_set__", fields_set)
    object.__setattr__(made, "__pydantic_extra__", None)
    object.__setattr__(made, "__pydantic_private__", None)
    return made


def _after_the_clock(
    snapshot: Snapshot, clock: datetime, where: Callable[[str, int], str]
) -> Iterator[str]:
    for key, index, name, moment in times_of(snapshot):
        if moment >= clock:
            yield (
                f"{where(key, index)}.{name}: {json_time(moment)} is not before the fixed clock "
                f"{json_time(clock)} (a document is the state before the test's first change: "
                "move the clock on, or the time back)"
            )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No garbage collection while a document's many small objects are made: they hold no
    cycles, and collections triggered by their count alone would scan them again and again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
