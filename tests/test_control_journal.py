"""``GET /_fake/requests`` in pages: bounded in entries and in bytes, numbered, strictly read.

Sizes are the fake's own (``RecordedRequest.size``, the answer's length), never time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pytest_telnyx_missions import FakeMissions
from pytest_telnyx_missions._serving.journal_pages import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    PAGE_BYTES,
)

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def served() -> Iterator[FakeMissions]:
    with FakeMissions(runs=1, control_api=True, journal_max_bytes=None) as fake:
        yield fake


@pytest.fixture
def fake(served: FakeMissions) -> FakeMissions:
    served.reset()
    return served


def _fill(fake: FakeMissions, count: int) -> None:
    with httpx.Client(
        transport=fake.httpx_transport(),
        base_url="http://fake.invalid/v2",
        headers={"authorization": "Bearer k"},
    ) as client:
        for size in range(1, count + 1):
            client.get("/ai/missions", params={"page[size]": size})


def _page(fake: FakeMissions, **query: Any) -> dict[str, Any]:
    answer = httpx.get(f"{fake.url}/_fake/requests", params=query)
    assert answer.status_code == 200, answer.text
    page: dict[str, Any] = answer.json()
    return page


def test_the_default_page_is_bounded_and_says_where_the_next_one_starts(
    fake: FakeMissions,
) -> None:
    _fill(fake, DEFAULT_PAGE_SIZE + 5)

    first = _page(fake)
    rest = _page(fake, offset=first["next_offset"])

    assert len(first["data"]) == DEFAULT_PAGE_SIZE
    assert (first["offset"], first["next_offset"], first["total"]) == (0, 100, 105)
    assert [entry["number"] for entry in rest["data"]] == [100, 101, 102, 103, 104]
    assert (rest["offset"], rest["next_offset"]) == (100, None)
    assert rest["data"][-1]["query"] == {"page[size]": ["105"]}
    assert first["bytes"] == fake.journal_bytes


def test_limit_and_offset_walk_the_journal_in_order(fake: FakeMissions) -> None:
    _fill(fake, 7)
    seen, offset = [], 0
    while offset is not None:
        page = _page(fake, limit=3, offset=offset)
        assert len(page["data"]) <= 3
        seen += [entry["query"]["page[size]"][0] for entry in page["data"]]
        offset = page["next_offset"]
    assert seen == [str(size) for size in range(1, 8)]
    assert _page(fake, offset=50) == {**_page(fake, offset=7), "offset": 7}


def test_numbers_stay_put_while_the_journal_drops_its_oldest() -> None:
    with FakeMissions(runs=1, control_api=True, journal_limit=4) as fake:
        _fill(fake, 10)
        page = _page(fake, offset=0, limit=2)

    assert (page["dropped"], page["total"], page["offset"], page["next_offset"]) == (6, 4, 6, 8)
    assert [entry["number"] for entry in page["data"]] == [6, 7]
    assert page["data"][0]["query"] == {"page[size]": ["7"]}


def test_twelve_8_mib_entries_are_served_in_pages_bounded_in_bytes(fake: FakeMissions) -> None:
    run = fake.runs[0]
    with httpx.Client(
        transport=fake.httpx_transport(),
        base_url="http://fake.invalid/v2",
        headers={"authorization": "Bearer k", "content-type": "application/json"},
    ) as client:
        for number in range(12):
            body = json.dumps({"metadata": {"n": number, "blob": "x" * (8 * MIB)}})
            client.patch(f"/ai/missions/{run.mission_id}/runs/{run.run_id}", content=body)
    assert len(fake.requests) == 12

    answer = httpx.get(f"{fake.url}/_fake/requests", params={"limit": MAX_PAGE_SIZE})
    page = answer.json()

    # One entry a page (each counts about 16 MiB): never the whole journal in one answer.
    assert [entry["number"] for entry in page["data"]] == [0]
    assert page["next_offset"] == 1
    assert len(answer.content) < 2 * fake.requests[0].size
    assert page["data"][0]["json"]["metadata"]["n"] == 0  # the body itself, whole


def test_small_entries_fill_a_page_up_to_its_byte_bound(fake: FakeMissions) -> None:
    big = "y" * (PAGE_BYTES // 8)  # counted twice: sent, and answered
    with httpx.Client(
        transport=fake.httpx_transport(),
        base_url="http://fake.invalid/v2",
        headers={"authorization": "Bearer k"},
    ) as client:
        for _ in range(6):
            client.post("/ai/missions", json={"name": big})

    page = _page(fake)

    kept = fake.requests[: len(page["data"])]
    assert 1 < len(page["data"]) < 6
    assert sum(entry.size for entry in kept) <= PAGE_BYTES
    assert sum(entry.size for entry in fake.requests[: len(kept) + 1]) > PAGE_BYTES


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("since=3", "'since'"),
        ("limit=0", "'0'"),
        ("limit=1001", "'1001'"),
        ("limit=ten", "'ten'"),
        ("limit=", "''"),
        ("limit=%C2%B2", "'²'"),
        ("offset=-1", "'-1'"),
        ("offset=1.5", "'1.5'"),
        ("offset=%D9%A1", "'\u0661'"),
    ],
)
def test_a_bad_page_query_is_a_400_naming_it(fake: FakeMissions, query: str, named: str) -> None:
    answer = httpx.get(f"{fake.url}/_fake/requests?{query}")

    assert answer.status_code == 400
    assert named in answer.json()["error"]


def test_the_dashboards_data_is_paged_too_and_catches_up(fake: FakeMissions) -> None:
    big = "z" * (PAGE_BYTES // 3)
    with httpx.Client(
        transport=fake.httpx_transport(),
        base_url="http://fake.invalid/v2",
        headers={"authorization": "Bearer k"},
    ) as client:
        for _ in range(5):
            client.post("/ai/missions", json={"name": big})

    numbers: list[int] = []
    since, last = 0, None
    for _ in range(10):
        params = {"since": since, **({"last": last} if last else {})}
        data = httpx.get(f"{fake.url}/_fake/ui/data", params=params).json()
        assert sum(len(entry["request"]["json"]["name"]) for entry in data["journal"]) <= PAGE_BYTES
        numbers += [entry["number"] for entry in data["journal"]]
        assert data["total"] == 5
        if data["next"] == since:
            break
        since, last = data["next"], data["journal"][-1]["time"]
    assert numbers == [0, 1, 2, 3, 4]
