"""Organisation-wide lists in an organisation that already holds missions, runs and events.

The real API lists the whole organisation; the fake holds only what the test made. The lists
are cut to the test's own resources (missions, and the runs, events and steps it created),
wherever the pages put them: an organisation with many missions of its own (a stand-in holding
more than a page of them, which the fake lacks) gives no divergence, while a change to an own
item of such a list is still found, and an item of someone else never is.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from pytest_telnyx_missions.live._compare import Answer, Comparison, Sent
from pytest_telnyx_missions.live._replay import replay

from .live_pairs import pair
from .live_standin import StandIn, run_live

LIST = Sent("GET", "/ai/missions", {}, None)
FOREIGN = [f"f{n}" for n in range(4)]


def _page(items: list[str], total: int, **changed: Any) -> Answer:
    data = [{"mission_id": m, "name": changed.get(m, f"name of {m}")} for m in items]
    meta = {"total_pages": -(-total // 4), "total_results": total, "page_number": 1}
    return Answer(200, {}, {"data": data, "meta": {**meta, "page_size": 4}})


def _created(comparison: Comparison, *mission_ids: str) -> None:
    for mission_id in mission_ids:
        made = Answer(201, {}, {"data": {"mission_id": mission_id}})
        sent = Sent("POST", "/ai/missions", {}, {"name": "x"})
        assert comparison.compare("create_mission", sent, made, made) == []


def test_a_page_that_is_part_of_its_list_compares_only_the_own_items_both_pages_show() -> None:
    comparison = Comparison(own_ids=lambda: {"m1", "m2"})
    _created(comparison, "m1", "m2")
    # the organisation's 26 missions, oldest first: the test's two come on the last pages
    fake, real = _page(["m1", "m2"], 2), _page(FOREIGN, 26)
    assert comparison.compare("list_missions", LIST, fake, real) == []
    real = _page([*FOREIGN[:3], "m1"], 26)  # m1 on both pages, m2 on the fake's only
    assert comparison.compare("list_missions", LIST, fake, real) == []
    [found] = comparison.compare(
        "list_missions", LIST, fake, _page([*FOREIGN[:3], "m1"], 26, m1="renamed")
    )
    assert (found.kind, found.path, found.fake, found.real) == (
        "value",
        "$.data[0].name",
        "name of m1",
        "renamed",
    )
    [found] = comparison.compare("list_missions", LIST, fake, _page(["m2", "m1", "f0"], 26))
    assert (found.kind, found.path) == ("order", "$.data")  # their order among themselves


def test_two_pages_that_hold_their_whole_lists_still_compare_their_lengths() -> None:
    comparison = Comparison(own_ids=lambda: {"m1", "m2"})
    _created(comparison, "m1", "m2")
    [found] = comparison.compare(
        "list_missions", LIST, _page(["m1", "m2"], 2), _page(["f0", "m1"], 2)
    )
    assert (found.kind, found.path, found.fake, found.real) == ("length", "$.data", 2, 1)


def _org_scenario(client: httpx.Client) -> None:
    """Two missions, a run with an event, and the organisation's lists, page by page."""
    made = [client.post("/ai/missions", json={"name": f"ptm-{n}"}).json()["data"] for n in (1, 2)]
    runs = f"/ai/missions/{made[0]['mission_id']}/runs"
    run_id = client.post(runs, json={"input": {}}).json()["data"]["run_id"]
    client.post(f"{runs}/{run_id}/events", json={"type": "message", "summary": "mine"})
    for query in (
        {},
        {"page[size]": 2},
        {"page[size]": 26},
        {"page[number]": 2},
        {"page[size]": 50},
    ):
        client.get("/ai/missions", params=query)
    client.get("/ai/missions/runs", params={"page[size]": 2})
    client.get("/ai/missions/events", params={"page[size]": 3})
    client.get("/ai/missions/events")


def test_an_organisation_with_more_missions_than_a_page_gives_nothing_live_and_on_replay(
    tmp_path: Path,
) -> None:
    with pair(existing=25) as made:
        with made.client() as client:
            _org_scenario(client)
        assert len(made.standin.mission_ids()) == 27  # and none of the 25 on the fake
        assert [d.to_json() for d in made.divergences] == []
        made.write_cassette(tmp_path)
    report = replay([tmp_path])
    assert (report.exchanges, [f.to_json() for f in report.divergences]) == (12, [])


def _renamed_on_the_page_both_show(operation: str, sent: Sent, answer: Answer) -> Answer:
    """The first own mission renamed on the 26-item page (25 of others' and one own)."""
    if operation != "list_missions" or sent.query.get("page[size]") != "26":
        return answer
    data = [
        {**item, "name": "renamed"} if item["name"] == "ptm-1" else item
        for item in answer.body["data"]
    ]
    return replace(answer, body={**answer.body, "data": data})


def test_an_own_mission_changed_in_a_page_of_the_organisation_is_still_found() -> None:
    with pair(_renamed_on_the_page_both_show, existing=25) as made:
        with made.client() as client:
            _org_scenario(client)
        assert made.mutated == 1
    assert [(d.operation, d.kind, d.path, d.real) for d in made.divergences] == [
        ("list_missions", "value", "$.data[0].name", "renamed")
    ]


# -- the same through a live pytest run (the session's own resources) ------------------------
_LIVE_TESTS = """
    import pytest
    import telnyx


    @pytest.mark.telnyx_missions(live=True)
    def test_lists_the_organisation(telnyx_missions):
        client = telnyx.Telnyx(max_retries=0)
        mission = client.ai.missions.create(name="mine").data
        run = client.ai.missions.runs.create(mission.mission_id, input={"n": 1}).data
        client.ai.missions.runs.events.log(
            run.run_id, mission_id=mission.mission_id, type="message", summary="mine"
        )
        client.ai.missions.list()  # the organisation's first page: others' missions only
        client.ai.missions.list(page_size=50)
        client.ai.missions.runs.list_runs()
        recent = client.ai.missions.list_events()
        assert "mine" in [event.summary for event in recent]
"""


def _report(pytester: pytest.Pytester) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((pytester.path / ".telnyx-live" / "report.json").read_text())
    return doc


def _own_event_changed(sent: Any, answer: Any) -> Any:
    """Every recent-events page: the test's event says otherwise, and one of someone else's
    run is added (a foreign run id: the cut leaves it out)."""
    if sent.path != "/ai/missions/events" or answer.status != 200:
        return answer
    data = [
        {**event, "summary": "changed"} if event["summary"] == "mine" else event
        for event in answer.body["data"]
    ]
    other = {**data[-1], "event_id": "0d15ea5e-0000-4000-8000-00000000e1e1"}
    other["run_id"] = "0d15ea5e-0000-4000-8000-00000000f00d"
    return replace(answer, body={**answer.body, "data": [*data, other]})


@pytest.fixture
def crowded() -> Iterator[StandIn]:
    with StandIn(existing=25) as stand_in:
        yield stand_in


def test_a_live_run_in_a_crowded_organisation_finds_nothing(
    pytester: pytest.Pytester, crowded: StandIn, live_key: str
) -> None:
    result = run_live(pytester, crowded, _LIVE_TESTS)
    result.assert_outcomes(passed=1)
    report = _report(pytester)
    assert (report["divergences"], report["requests"] > 7) == ([], True)


def test_a_live_run_compares_its_own_events_in_the_organisations_recent_events(
    pytester: pytest.Pytester, crowded: StandIn, live_key: str
) -> None:
    crowded.mutate = _own_event_changed
    tests = _LIVE_TESTS.replace('assert "mine" in', 'assert "changed" in')
    result = run_live(pytester, crowded, tests)
    result.assert_outcomes(passed=1)
    found = [
        (d["operation"], d["kind"], d["path"], d["real"]) for d in _report(pytester)["divergences"]
    ]
    assert found == [("list_recent_events", "value", "$.data[0].summary", "changed")]
