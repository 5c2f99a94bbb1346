"""The checks a state document needs as a whole, over the items pydantic accepted.

The items come as the store's models, from pydantic's one pass. Each kind is checked in bulk
first, with set and regex operations that run in C: every id already one a path carries
unchanged, no id twice, every reference to an item that exists. When that holds (any document
the fake wrote, and most written by hand), the models stand as they are, with only the times an
item left out filled in. When it does not, the kind is checked item by item, which finds the
same items good and names every bad one (``runs[2].run_id: ...``).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from itertools import compress, repeat
from operator import attrgetter
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .._api.models import Event, Mission, MissionRun, PlanStep, TelnyxAgent
from .clock import CLOCK_STEP, json_time
from .document_model import (
    DOC_KEYS,
    DOCUMENT,
    ITEM_FIELDS,
    ITEM_MODELS,
    UNSET,
    document_problems,
    fast_pass,
)
from .path_ids import all_canonical_uuids, all_plain_ids, canonical, path_id
from .snapshot import ATTACHMENT_KINDS, AttachmentKey
from .state_times import DOCUMENT_KEYS, fill_left_out

__all__ = ["Loader", "construct", "validated"]

_M = TypeVar("_M", bound=BaseModel)
_K = TypeVar("_K")
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# An id that needs none of path_id's checks: a canonical UUID, or a short plain segment.
_SHORT = r"(?!\.\.?\Z)[A-Za-z0-9._~!$&'()*+,;=:@-]{1,31}"
_CANONICAL_UUID = re.compile(_UUID)
_PLAIN_ID = re.compile(rf"{_UUID}|{_SHORT}")
_Item = dict[str, Any]
_FIELDS_SET_NAME = "__pydantic_fields_set__"
_FIELDS_SET = attrgetter(_FIELDS_SET_NAME)
_VALUES = attrgetter("__dict__")
_SLOTS: dict[str, Callable[[Any, Any], None]] = {
    name: BaseModel.__dict__[name].__set__
    for name in ("__dict__", _FIELDS_SET_NAME, "__pydantic_extra__", "__pydantic_private__")
}
"""Each slot of a model, set without looking its name up (what ``object.__setattr__`` does)."""


def validated(doc: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Each kind of the document's items, as the store's models: from pydantic's fast pass when
    it takes the document and its items give no field their kind lacks, else from its full one
    (raising the ``ValidationError`` that names every problem)."""
    if all(type(items) in (list, tuple) for items in doc.values()):  # read twice if need be
        try:
            fields, _, _ = fast_pass().validate_python(doc)
            return _as_models(fields, doc)
        except (ValidationError, _UnknownField):
            pass
    return _as_models(dict(DOCUMENT.validate_python(doc)), doc)


class _UnknownField(Exception):
    """An item gives a field its kind lacks (the full pass names it)."""


def _as_models(parsed: dict[str, list[Any]], raw: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The items pydantic made (dicts) as the store's models, each with the fields it gave;
    :class:`_UnknownField` if an item gave any other.

    Made a step at a time over all of a kind's items, each step in C: what ``construct`` does
    item by item. Items that gave the same fields share one set of them (the models are frozen:
    pydantic never adds to their sets, and a copy gets a set of its own), checked once for all
    of them. (For a list given as another iterable, which pydantic read, the fields given are
    those without a time left out: the others are taken as given.)"""
    made = dict(parsed)
    for key, model in ITEM_MODELS.items():
        items, given = parsed[key], raw.get(key)
        if not (isinstance(given, (list, tuple)) and len(given) == len(items)):
            given = [[n for n, v in item.items() if v is not UNSET] for item in items]
        names = list(map(tuple, given))
        shared = dict.fromkeys(names)
        known = frozenset(ITEM_FIELDS[key])
        by_content: dict[frozenset[str], set[str]] = {}
        for names_given in shared:
            if not known.issuperset(names_given):
                raise _UnknownField(key)
            shared[names_given] = by_content.setdefault(frozenset(names_given), set(names_given))
        models = list(map(object.__new__, repeat(model, len(items))))
        for slot, values in (
            ("__dict__", items),
            (_FIELDS_SET_NAME, map(shared.__getitem__, names)),
            ("__pydantic_extra__", repeat(None)),
            ("__pydantic_private__", repeat(None)),
        ):
            deque(map(_SLOTS[slot], models, values), 0)
        made[key] = models
    return made


class Loader:
    """The store's models of a document's valid items, and the problems of the others."""

    def __init__(
        self,
        parsed: Mapping[str, list[Any]],
        clock: datetime | None,
        *,
        problems: list[str] | None = None,
        declared: dict[str, set[str]] | None = None,
        positions: dict[str, list[int]] | None = None,
    ) -> None:
        self.parsed = parsed
        self.filled = datetime.now(timezone.utc) if clock is None else clock - CLOCK_STEP
        self.problems = [] if problems is None else problems
        # Ids the document names, valid or not: a reference to a bad item is not a second
        # problem (the item's own is reported). None: every item is valid, so the ids found.
        self.declared = declared
        # Each accepted item's index in the document (None: all of them, in order).
        self.positions = positions

    @classmethod
    def of_valid_part(
        cls, doc: Mapping[str, Any], error: ValidationError, clock: datetime | None
    ) -> Loader:
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
        parsed = _as_models(dict(DOCUMENT.validate_python(kept)), kept)
        return cls(parsed, clock, problems=problems, declared=declared, positions=positions)

    def where(self, key: str, index: int) -> str:
        return f"{key}[{index if self.positions is None else self.positions[key][index]}]"

    # -- the item-by-item checks, each naming the item it finds bad ---------------------------
    def path_id(self, key: str, index: int, values: _Item, name: str, uuid: bool) -> bool:
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
                "mission": {canonical(item.mission_id) for item in self.parsed["missions"]},
                "run": {canonical(item.run_id) for item in self.parsed["runs"]},
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

    # -- each kind: in bulk when it holds, else item by item ----------------------------------
    def missions(self) -> dict[str, Mission]:
        items = self.parsed["missions"]
        ids = _column(items, "mission_id")
        if all_plain_ids(ids) and (table := _keyed(ids, items)) is not None:
            return self._all_filled("missions", table)
        found: dict[str, Mission] = {}
        for index, item in enumerate(items):
            values = item.__dict__
            if not self.path_id("missions", index, values, "mission_id", uuid=False):
                continue
            if self.unique("missions", index, "mission_id", values["mission_id"], found):
                found[values["mission_id"]] = item
        return self._all_filled("missions", found)

    def runs(self, missions: Mapping[str, Mission]) -> dict[str, MissionRun]:
        items = self.parsed["runs"]
        ids, owners = _column(items, "run_id"), _column(items, "mission_id")
        if (
            all_canonical_uuids(ids)
            and all_canonical_uuids(owners)
            and missions.keys() >= set(owners)
            and (table := _keyed(ids, items)) is not None
        ):
            return self._all_filled("runs", table)
        found: dict[str, MissionRun] = {}
        for index, item in enumerate(items):
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
                found[run_id] = item
        return self._all_filled("runs", found)

    def events(self, runs: Mapping[str, MissionRun]) -> dict[str, Event]:
        items = self.parsed["events"]
        ids = _column(items, "event_id")
        if (
            all_plain_ids(ids)
            and runs.keys() >= set(_column(items, "run_id"))
            and (table := _keyed(ids, items)) is not None
        ):
            return self._all_filled("events", table)
        found: dict[str, Event] = {}
        for index, item in enumerate(items):
            values = item.__dict__
            if not self.path_id("events", index, values, "event_id", uuid=False):
                continue
            values["run_id"] = _reference(values["run_id"], runs)
            if self.unique("events", index, "event_id", values["event_id"], found) and self.owner(
                "events", index, values["run_id"], runs, "run"
            ):
                found[values["event_id"]] = item
        return self._all_filled("events", found)

    def steps(self, runs: Mapping[str, MissionRun]) -> dict[tuple[str, str], PlanStep]:
        return self._of_runs("plan_steps", "step_id", runs)

    def agents(self, runs: Mapping[str, MissionRun]) -> dict[tuple[str, str], TelnyxAgent]:
        return self._of_runs("telnyx_agents", "telnyx_agent_id", runs)

    def _of_runs(self, key: str, name: str, runs: Mapping[str, MissionRun]) -> dict[Any, Any]:
        """Plan steps or linked agents: each keyed by (run, its id), unique within its run."""
        items = self.parsed[key]
        ids, owners = _column(items, name), _column(items, "run_id")
        keys = list(zip(owners, ids, strict=True))
        if (
            all_plain_ids(ids)
            and runs.keys() >= set(owners)
            and (table := _keyed(keys, items)) is not None
        ):
            return self._all_filled(key, table)
        found: dict[tuple[str, str], Any] = {}
        for index, item in enumerate(items):
            values = item.__dict__
            if not self.path_id(key, index, values, name, uuid=False):
                continue
            values["run_id"] = run_id = _reference(values["run_id"], runs)
            item_key = (run_id, values[name])
            if self.owner(key, index, run_id, runs, "run") and self.unique(
                key, index, name, item_key, found
            ):
                found[item_key] = item
        return self._all_filled(key, found)

    def attachments(
        self, missions: Mapping[str, Mission]
    ) -> dict[AttachmentKey, Mapping[str, Any]]:
        found: dict[AttachmentKey, Mapping[str, Any]] = {}
        for kind in ATTACHMENT_KINDS.values():
            for index, item in enumerate(self.parsed[kind.plural]):
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

    # -- the store's models, with the times an item left out filled ---------------------------
    def _filled(self, key: str, items: list[_M]) -> list[_M]:
        """``items``, each with the times it left out filled in: only those that left out a
        field are looked at (found in C: any document the fake wrote left none out)."""
        sets = list(map(_FIELDS_SET, items))
        partial = list(map(len(ITEM_FIELDS[key]).__gt__, map(len, sets)))
        values = list(map(_VALUES, compress(items, partial)))
        fill_left_out(_TIMES_OF[key], values, list(compress(sets, partial)), self.filled)
        return items

    def _all_filled(self, key: str, found: dict[_K, _M]) -> dict[_K, _M]:
        self._filled(key, list(found.values()))
        return found


_TIMES_OF = {key: kind for kind, key in DOCUMENT_KEYS.items()}
"""Each document key's kind in :data:`.state_times.TIME_FIELDS`."""


def _column(items: Sequence[Any], name: str) -> list[Any]:
    return list(map(attrgetter(name), items))


def _keyed(keys: Sequence[_K], items: Sequence[_M]) -> dict[_K, _M] | None:
    """The items by their keys, or None when a key appears twice."""
    table = dict(zip(keys, items, strict=True))
    return table if len(table) == len(items) else None


def _reference(ref: str, known: Mapping[str, Any]) -> str:
    """``ref`` as the id of an item it names (canonical when a UUID: looked up first)."""
    return ref if ref in known else canonical(ref)


def _list_at(doc: Mapping[str, Any], key: str) -> list[Any]:
    value = doc.get(key)
    return value if isinstance(value, list) else []


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
