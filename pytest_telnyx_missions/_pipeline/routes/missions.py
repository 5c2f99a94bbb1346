"""Handlers for missions."""

from __future__ import annotations

from ..._api.models import (
    CreateMissionRequest,
    Mission,
    PageQuery,
    UpdateMissionRequest,
    canonical_id,
)
from ..operations import Call
from ._paging import Answer, data, page

# A mission always has these; PUT with null for them leaves them as they are.
_REQUIRED = frozenset({"name", "execution_mode"})


def list_missions(call: Call) -> Answer:
    return page(call.store.missions_listed(), call.query_as(PageQuery))


def create_mission(call: Call) -> Answer:
    now = call.store.now()
    fields = call.body_as(CreateMissionRequest).model_dump(mode="json")
    mission = Mission(mission_id=call.store.new_id(), created_at=now, updated_at=now, **fields)
    return data(call.store.put_mission(mission))


def get_mission(call: Call) -> Answer:
    return data(call.store.mission(call.path["mission_id"]))


def update_mission(call: Call) -> Answer:
    mission = call.store.mission(call.path["mission_id"])
    changes = call.changes_as(UpdateMissionRequest)
    changes = {k: v for k, v in changes.items() if v is not None or k not in _REQUIRED}
    changes["updated_at"] = call.store.now()
    return data(call.store.put_mission(mission.model_copy(update=changes)))


def delete_mission(call: Call) -> None:
    call.store.mission(call.path["mission_id"])
    call.store.delete_mission(call.path["mission_id"])


def clone_mission(call: Call) -> Answer:
    # The path declares mission_id a plain string; ids are still looked up canonically.
    original = call.store.mission(canonical_id(call.path["mission_id"]))
    now = call.store.now()
    copy = original.model_copy(
        update={"mission_id": call.store.new_id(), "created_at": now, "updated_at": now}, deep=True
    )
    return data(call.store.put_mission(copy))
