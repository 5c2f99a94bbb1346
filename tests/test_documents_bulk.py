"""State documents in bulk (issue 18.3): the checks in bulk and item by item agree, the models
are made from pydantic's one pass as validating them would make them, and a table's orders,
built when first read, list what a sort of the rows lists."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from pytest_telnyx_missions import FakeMissions
from pytest_telnyx_missions._api.models import Event, Mission, MissionRun, PlanStep
from pytest_telnyx_missions._state.overlay import Loaded, Order

CLOCK = "2026-01-01T00:00:00Z"


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
