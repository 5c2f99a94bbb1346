"""State documents in bulk (issue 18.3): the checks in bulk and item by item agree, the models
are made from pydantic's one pass as validating them would make them, and a table's orders,
built when first read, list what a sort of the rows lists."""

from __future__ import annotations

import collections
import copy
import enum
import gc
import re
from collections.abc import Callable
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import given as drawn
from hypothesis import strategies as st
from pydantic import ValidationError

from pytest_telnyx_missions import FakeMissions
from pytest_telnyx_missions._api.models import Event, Mission, MissionRun, PlanStep
from pytest_telnyx_missions._state import document_model, path_ids
from pytest_telnyx_missions._state.document_loader import validated
from pytest_telnyx_missions._state.overlay import Loaded, Order

CLOCK = "2026-01-01T00:00:00Z"
MISSION = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
RUN = "a3bb189e-8bf9-4888-9912-ace4e6543002"


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    seeded = FakeMissions(runs=40, missions=4, clock="2025-06-01T00:00:00Z")
    seeded.link_agent(run_id=seeded.runs[0].run_id, telnyx_agent_id="agent-1")
    return seeded.dump_state()


def test_item_by_item_checks_load_what_the_bulk_checks_load(doc: dict[str, Any]) -> None:
    # Upper-case UUIDs fail the bulk checks of runs and of everything that names a run: each is
    # then checked item by item, made canonical, and must come out as the bulk path makes it.
    shouted = copy.deepcopy(doc)
    for key in ("runs", "events", "plan_steps", "telnyx_agents"):
        for item in shouted[key]:
            item["run_id"] = item["run_id"].upper()
    for item in shouted["runs"]:
        item["mission_id"] = item["mission_id"].upper()
    bulk, by_item = FakeMissions(clock=CLOCK, state=doc), FakeMissions(clock=CLOCK, state=shouted)
    assert by_item.dump_state() == bulk.dump_state() == doc
    assert [r.model_fields_set for r in by_item.runs] == [r.model_fields_set for r in bulk.runs]


def test_loaded_models_equal_validated_ones_with_the_fields_the_document_gave(
    doc: dict[str, Any],
) -> None:
    sparse = copy.deepcopy(doc)
    for run in sparse["runs"]:
        run.pop("result_summary", None)
        run.pop("updated_at")
    fake = FakeMissions(clock=CLOCK, state=sparse)
    for model, loaded, given in (
        (Mission, fake.missions, sparse["missions"]),
        (MissionRun, fake.runs, sparse["runs"]),
        (Event, fake.events(), sparse["events"]),
        (PlanStep, [s for r in fake.runs for s in fake.plan(r.run_id)], sparse["plan_steps"]),
    ):
        assert len(loaded) == len(given)
        for item, raw in zip(loaded, given, strict=True):
            assert item == model.model_validate(item.model_dump()), model.__name__
            assert list(item.__dict__) == list(model.model_fields)
            assert item.model_fields_set == set(raw)


def test_lists_given_as_tuples_or_iterators_load_the_same(doc: dict[str, Any]) -> None:
    as_tuples = {key: tuple(items) for key, items in doc.items()}
    as_iterators = {key: iter(items) for key, items in doc.items()}
    assert FakeMissions(clock=CLOCK, state=as_tuples).dump_state() == doc
    assert FakeMissions(clock=CLOCK, state=as_iterators).dump_state() == doc


def test_an_order_built_on_first_read_lists_what_sorting_the_rows_lists() -> None:
    rows = [(f"k{n}", (n * 7919) % 13) for n in range(200)]  # many ties: insertion order
    order: Order[int] = Order(lambda key, value: (None, value % 3), lambda value: -value)
    loaded = Loaded(rows, {"o": order})
    groups = loaded.groups("o")
    assert loaded.groups("o") is groups  # built once
    numbered = list(enumerate(value for _, value in rows))
    for group in (None, 0, 1, 2):
        expected = sorted(
            ((-value, number) for number, value in numbered if group in (None, value % 3)),
        )
        assert groups[group] == expected


def test_a_reset_after_a_load_never_builds_an_order_nothing_read() -> None:
    fake = FakeMissions(clock=CLOCK, state=FakeMissions(runs=10).dump_state())
    fake.reset()
    runs = fake._store.runs._loaded
    assert runs._groups == {}  # loading and resetting built no order
    assert len(fake.runs) == 10
    assert runs._groups == {}  # nor did reading the runs in their stored order
    with httpx.Client(
        transport=fake.httpx_transport(),
        base_url="http://fake.invalid/v2",
        headers={"authorization": "Bearer k"},
    ) as client:
        page = client.get("/ai/missions/runs", params={"page[size]": 5}).json()
    newest = sorted(fake.runs, key=lambda run: run.started_at, reverse=True)
    assert [r["run_id"] for r in page["data"]] == [r.run_id for r in newest[:5]]
    assert set(runs._groups) == {"listed"}  # the list built the order it read, once


class _Text(str):
    pass


class _Count(int):
    pass


class _Choice(str, enum.Enum):
    a = "a"


def _nested(depth: int, make: Callable[[Any], Any]) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = make(value)
    return value


def _shape(value: Any) -> Any:
    """``value`` with the exact type of everything in it, keys included."""
    if isinstance(value, dict):
        return (type(value), [(type(k), k, _shape(v)) for k, v in value.items()])
    if isinstance(value, list):
        return (type(value), [_shape(v) for v in value])
    return (type(value), value)


_cycle: list[Any] = []
_cycle.append(_cycle)
FREE_VALUES: list[Any] = [
    *(1, 1.5, True, None, "x", 10**40, [1, "a", None, {"x": [True, 2.0]}]),
    *(_Text("x"), _Count(3), _Choice.a, {_Text("k"): 1}, {_Choice.a: 1}),
    *(collections.OrderedDict(a=1), (1, 2), {1: 2}, {b"k": 1}, b"x", {1}, object(), 1j),
    *(float("inf"), float("nan"), _cycle, {"a": _cycle}),
    *(_nested(n, lambda v: [v]) for n in (253, 254, 255, 256)),
    *(_nested(n, lambda v: {"k": v}) for n in (253, 254, 255, 256)),
]


@pytest.mark.parametrize("value", FREE_VALUES, ids=lambda v: type(v).__name__)
def test_the_fast_pass_takes_only_what_the_full_one_takes_and_makes_the_same(value: Any) -> None:
    # A free-form value, in an item's field and as an attachment's own field: whatever the fast
    # pass (JSON checked in Rust) takes, the full one (JsonValue) takes, into equal values of
    # the same types; what it refuses goes through the full pass, which names the problem.
    run = {"run_id": RUN, "mission_id": MISSION, "status": "running", "metadata": {"v": value}}
    tool = {"mission_id": MISSION, "tool_id": "t", "v": value}
    cases: list[tuple[dict[str, Any], Callable[[Any], Any]]] = [
        ({"runs": [run]}, lambda d: d[0]["runs"][0]["metadata"]),
        ({"tools": [tool]}, lambda d: d[0]["tools"][0].__pydantic_extra__),
    ]
    for doc, made in cases:
        try:
            fast = document_model.fast_pass().validate_python(doc)
        except ValidationError:
            continue
        full = document_model.DOCUMENT.validate_python(doc)
        full_value = full.runs[0]["metadata"] if full.runs else full.tools[0].__pydantic_extra__
        assert _shape(made(fast)) == _shape(full_value)


def test_validated_items_are_the_store_models_with_the_fields_given() -> None:
    given = {"run_id": RUN, "mission_id": MISSION, "status": "running"}
    full = {**given, "input": None, "started_at": "2025-01-01T00:00:00Z", "finished_at": None}
    full |= {"result_summary": None, "result_payload": None, "error": None, "metadata": None}
    full |= {"updated_at": "2025-01-01T00:00:00Z"}
    sparse, complete, other = validated({"runs": [given, full, full]})["runs"]
    assert type(sparse) is MissionRun
    assert type(complete) is MissionRun
    assert sparse.model_fields_set == set(given)
    assert sparse.started_at is document_model.UNSET  # the loader fills it in
    assert complete.model_fields_set == set(MissionRun.model_fields)
    assert complete.__pydantic_fields_set__ is other.__pydantic_fields_set__  # one set, shared
    assert complete == MissionRun.model_validate(full)
    with pytest.raises(ValidationError, match="colour"):  # an unknown field: the full pass's
        validated({"runs": [given, {**given, "colour": "red"}]})


def test_a_document_only_the_full_pass_takes_loads_as_its_plain_form(doc: dict[str, Any]) -> None:
    # A key given as bytes, which the fast pass refuses and the full one takes as text, and an
    # item given as another kind of mapping: the state is the one of the plain document.
    odd = copy.deepcopy(doc)
    odd["runs"][0]["metadata"] = {b"attempt": 1}
    odd["missions"][0] = MappingProxyType(odd["missions"][0])
    plain = copy.deepcopy(doc)
    plain["runs"][0]["metadata"] = {"attempt": 1}
    assert FakeMissions(clock=CLOCK, state=odd).dump_state() == plain


def test_a_load_leaves_what_was_frozen_frozen_and_the_collector_as_it_was() -> None:
    small = FakeMissions(runs=3).dump_state()
    enabled = gc.isenabled()
    gc.freeze()
    try:
        FakeMissions(clock=CLOCK, state=small)
        assert gc.get_freeze_count() > 0  # what someone froze is not let go
        assert gc.isenabled() is enabled
    finally:
        gc.unfreeze()
    FakeMissions(clock=CLOCK, state=small)
    assert gc.get_freeze_count() == 0  # nothing left frozen by the load itself
    assert gc.isenabled() is enabled


def test_items_that_give_every_field_share_one_fields_set_that_a_change_never_touches(
    doc: dict[str, Any],
) -> None:
    fake = FakeMissions(clock=CLOCK, state=doc)
    first, second, *_ = fake._store.runs.values()
    assert first.__pydantic_fields_set__ is second.__pydantic_fields_set__
    every = set(MissionRun.model_fields)
    assert first.model_fields_set == every
    changed = first.model_copy(update={"result_summary": "changed"})
    with httpx.Client(
        transport=fake.httpx_transport(),
        base_url="http://fake.invalid/v2",
        headers={"authorization": "Bearer k"},
    ) as client:
        answer = client.patch(
            f"/ai/missions/{first.mission_id}/runs/{first.run_id}", json={"error": "late"}
        )
    assert answer.status_code == 200
    assert changed.result_summary == "changed"
    assert second.model_fields_set == every  # it holds every field: nothing can add to it


# -- left-out times, filled a group at a time, follow the rule item by item -----------------
_TIME_CHOICES = st.sampled_from(
    ["left out", "null", "2025-03-01T00:00:00Z", "2025-04-01T02:00:00+02:00"]
)
_RUN_STATUSES = st.sampled_from(
    ["pending", "running", "paused", "succeeded", "failed", "cancelled"]
)
_STEP_STATUSES = st.sampled_from(["pending", "in_progress", "completed", "skipped", "failed"])


def _item(base: dict[str, Any], times: dict[str, str], nullable: set[str]) -> dict[str, Any]:
    """``base`` with each time given as drawn: left out, null (where it may be) or a time."""
    given = {n: None if v == "null" else v for n, v in times.items() if v != "left out"}
    return base | {n: v for n, v in given.items() if v is not None or n in nullable}


def _expected(item: dict[str, Any], names: tuple[str, ...], never: set[str]) -> dict[str, Any]:
    """The rule, one item at a time: a left-out time the item never reached is null; any other
    is the latest time the item gives, or one tick before the clock if it gives none."""
    given = [datetime.fromisoformat(item[n]) for n in names if item.get(n) is not None]
    latest = max(given) if given else datetime(2025, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
    return {
        n: (None if item[n] is None else datetime.fromisoformat(item[n]))
        if n in item
        else None
        if n in never
        else latest
        for n in names
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@drawn(
    runs=st.lists(st.tuples(_RUN_STATUSES, st.tuples(*[_TIME_CHOICES] * 3)), max_size=12),
    steps=st.lists(st.tuples(_STEP_STATUSES, st.tuples(*[_TIME_CHOICES] * 2)), max_size=12),
    missions=st.lists(st.tuples(*[_TIME_CHOICES] * 2), min_size=1, max_size=4),
)
def test_left_out_times_filled_in_bulk_follow_the_rule_item_by_item(
    runs: list[Any], steps: list[Any], missions: list[Any]
) -> None:
    run_times, step_times = (
        ("started_at", "finished_at", "updated_at"),
        ("started_at", "completed_at"),
    )
    doc: dict[str, list[dict[str, Any]]] = {
        "missions": [
            _item(
                {"mission_id": f"{MISSION[:-4]}{n:04d}", "name": "M"},
                dict(zip(("created_at", "updated_at"), t, strict=True)),
                set(),
            )
            for n, t in enumerate(missions)
        ],
        "runs": [
            _item(
                {
                    "run_id": f"{RUN[:-4]}{n:04d}",
                    "mission_id": f"{MISSION[:-4]}0000",
                    "status": status,
                },
                dict(zip(run_times, t, strict=True)),
                {"finished_at"},
            )
            for n, (status, t) in enumerate(runs)
        ],
    }
    doc["plan_steps"] = [
        _item(
            {"step_id": f"s{n}", "run_id": doc["runs"][0]["run_id"], "sequence": n}
            | {"description": "d", "status": status},
            dict(zip(step_times, t, strict=True)),
            set(step_times),
        )
        for n, (status, t) in enumerate(steps if runs else [])
    ]
    fake = FakeMissions(clock="2026-01-01T00:00:00Z", state=doc)
    done = {"succeeded", "failed", "cancelled"}
    for mission, item in zip(fake.missions, doc["missions"], strict=True):
        expected = _expected(item, ("created_at", "updated_at"), set())
        assert {n: getattr(mission, n) for n in expected} == expected
    for run, item in zip(fake.runs, doc["runs"], strict=True):
        never = set() if item["status"] in done else {"finished_at"}
        expected = _expected(item, run_times, never)
        assert {n: getattr(run, n) for n in expected} == expected, item
    loaded_steps = fake.plan(doc["runs"][0]["run_id"]) if runs else []
    for step, item in zip(loaded_steps, doc["plan_steps"], strict=True):
        never = (
            {"started_at"}
            if item["status"] not in {"in_progress", "completed", "failed"}
            else set()
        )
        never |= (
            {"completed_at"} if item["status"] not in {"completed", "skipped", "failed"} else set()
        )
        expected = _expected(item, step_times, never)
        assert {n: getattr(step, n) for n in expected} == expected, item


# -- a column of ids checked at once says what checking each id says ------------------------
_UUID_TEXT = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
_ODD_IDS = [
    _UUID_TEXT,
    _UUID_TEXT.upper(),
    _UUID_TEXT.replace("-", ""),
    _UUID_TEXT[:-1] + "-",
    "-" + _UUID_TEXT[1:],
    _UUID_TEXT[:8] + "x" + _UUID_TEXT[9:],
    _UUID_TEXT + "0",
    ".",
    "..",
    "...",
    "a" * 31,
    "a" * 32,
    "a" * 36,
    "step-1",
    "é",
    "a b",
    "a/b",
    "",
]
_column_ids = st.lists(st.sampled_from(_ODD_IDS) | st.text(max_size=6), max_size=8)


@settings(max_examples=300, deadline=None)
@drawn(ids=_column_ids)
def test_a_column_of_ids_is_plain_only_when_every_id_is(ids: list[str]) -> None:
    uuid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    plain = re.compile(rf"{uuid.pattern}|(?!\.\.?\Z)[A-Za-z0-9._~!$&'()*+,;=:@-]{{1,31}}")
    assert path_ids.all_canonical_uuids(ids) == all(uuid.fullmatch(i) for i in ids)
    assert path_ids.all_plain_ids(ids) == all(plain.fullmatch(i) for i in ids)
    for one in ids if path_ids.all_plain_ids(ids) else ():  # kept as they are, unchecked
        assert path_ids.path_id(one, "id", uuid=False) == one
