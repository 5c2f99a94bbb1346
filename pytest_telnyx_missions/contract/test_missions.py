"""Missions: create, get, update, list (with paging), clone, delete, and 404 after delete."""

from __future__ import annotations

from typing import Any

import pytest

telnyx = pytest.importorskip("telnyx")

pytestmark = pytest.mark.telnyx_missions(live=True)


def test_create_get_update_delete(client: Any) -> None:
    missions = client.ai.missions
    made = missions.create(name="lifecycle", description="one", instructions="Be brief").data
    assert made.mission_id
    assert made.name.endswith("lifecycle")  # a live run puts its tag in front
    assert missions.retrieve(made.mission_id).data.mission_id == made.mission_id

    changed = missions.update_mission(made.mission_id, description="two").data
    assert (changed.mission_id, changed.description) == (made.mission_id, "two")
    assert changed.instructions == "Be brief"  # what the update left out

    missions.delete_mission(made.mission_id)
    with pytest.raises(telnyx.NotFoundError):
        missions.retrieve(made.mission_id)
    with pytest.raises(telnyx.NotFoundError):
        missions.delete_mission(made.mission_id)


def test_list_pages(client: Any) -> None:
    made = [client.ai.missions.create(name=f"page {n}").data.mission_id for n in range(3)]
    first = client.ai.missions.list(page_size=2)
    assert len(first.data) == 2
    assert first.meta is not None
    assert first.meta.page_size == 2
    seen = [m.mission_id for m in client.ai.missions.list(page_size=2)]  # every page
    assert set(made) <= set(seen)
    assert len(seen) == len(set(seen))  # no mission on two pages


def test_clone(client: Any, mission: Any) -> None:
    clone = client.ai.missions.clone_mission(mission.mission_id)
    data = clone["data"] if isinstance(clone, dict) else clone.data
    cloned_id = data["mission_id"] if isinstance(data, dict) else data.mission_id
    assert cloned_id != mission.mission_id
    client.ai.missions.retrieve(cloned_id)


def test_an_unknown_mission_is_404(client: Any) -> None:
    with pytest.raises(telnyx.NotFoundError):
        client.ai.missions.retrieve("00000000-0000-4000-8000-000000000000")
