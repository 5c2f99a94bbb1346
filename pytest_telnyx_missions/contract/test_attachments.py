"""A mission's knowledge bases, MCP servers and tools: list, create, get, update, delete."""

from __future__ import annotations

from typing import Any

import pytest

telnyx = pytest.importorskip("telnyx")

pytestmark = pytest.mark.telnyx_missions(live=True)


@pytest.mark.parametrize(
    ("resource", "noun", "id_name"),
    [
        ("knowledge_bases", "knowledge_base", "knowledge_base_id"),
        ("mcp_servers", "mcp_server", "mcp_server_id"),
        ("tools", "tool", "tool_id"),
    ],
)
def test_attachment_lifecycle(
    client: Any, mission: Any, resource: str, noun: str, id_name: str
) -> None:
    api = getattr(client.ai.missions, resource)
    mission_id = mission.mission_id
    created = getattr(api, f"create_{noun}")(mission_id, extra_body={"name": "contract"})["data"]
    item_id = created[id_name]
    assert getattr(api, f"get_{noun}")(item_id, mission_id=mission_id)["data"][id_name] == item_id
    getattr(api, f"update_{noun}")(item_id, mission_id=mission_id, extra_body={"name": "two"})
    listed = getattr(api, f"list_{resource}")(mission_id)["data"]
    assert [item[id_name] for item in listed] == [item_id]
    getattr(api, f"delete_{noun}")(item_id, mission_id=mission_id)
    with pytest.raises(telnyx.NotFoundError):
        getattr(api, f"get_{noun}")(item_id, mission_id=mission_id)
