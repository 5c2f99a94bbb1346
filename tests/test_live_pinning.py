"""The fake mints pinned ids first: what a live run and a replay use to follow the real ids."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from pytest_telnyx_missions import FakeMissions

PINNED = "0f0e0d0c-0b0a-4908-8706-050403020100"
ALSO = "11111111-2222-4333-8444-555555555555"


@pytest.fixture
def fake() -> Iterator[FakeMissions]:
    fake = FakeMissions(state={})
    yield fake
    fake.stop()


def _client(fake: FakeMissions) -> httpx.Client:
    return httpx.Client(
        transport=fake.httpx_transport(),
        base_url="http://fake.invalid/v2",
        headers={"Authorization": f"Bearer {fake.api_key}"},
    )


def _create_mission(client: httpx.Client) -> str:
    answer = client.post("/ai/missions", json={"name": "m"})
    assert answer.status_code == 201, answer.text
    mission_id: str = answer.json()["data"]["mission_id"]
    return mission_id


def test_pinned_ids_are_minted_first_in_order(fake: FakeMissions) -> None:
    with _client(fake) as client, fake._minting([PINNED, ALSO]):
        assert _create_mission(client) == PINNED
        run = client.post(f"/ai/missions/{PINNED}/runs", json={}).json()["data"]
        assert run["run_id"] == ALSO
        assert _create_mission(client) not in {PINNED, ALSO}  # then the fake's own


def test_unused_pins_are_dropped_on_the_way_out(fake: FakeMissions) -> None:
    with _client(fake) as client:
        with fake._minting([PINNED]):
            client.get("/ai/missions")  # mints nothing
        assert _create_mission(client) != PINNED


def test_a_pinned_id_already_taken_is_skipped(fake: FakeMissions) -> None:
    fake.add_mission(mission_id=PINNED)
    with _client(fake) as client, fake._minting([PINNED, ALSO]):
        assert _create_mission(client) == ALSO


def test_a_reset_forgets_the_pins(fake: FakeMissions) -> None:
    with _client(fake) as client, fake._minting([PINNED]):
        fake.reset()
        assert _create_mission(client) != PINNED
