"""Knowledge bases, MCP servers and tools attached to a mission.

The docs and the SDK give these no schema: the fake keeps whatever JSON object the client sends,
adds an id, the mission id and timestamps, and answers it back inside ``{"data": ...}``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from .._app import Call
from .._journal import canonical_id


@dataclass(frozen=True)
class Attachment:
    """One kind of attachment: its URL segment and the name of its id."""

    kind: str  # "knowledge-bases"
    id_name: str  # "knowledge_base_id"

    def _mission_id(self, call: Call) -> str:
        # Declared a plain string on these paths; still looked up canonically.
        return call.store.mission(canonical_id(call.path["mission_id"])).mission_id

    def _key(self, call: Call) -> tuple[str, str, str]:
        return (self.kind, self._mission_id(call), call.path[self.id_name])

    def list(self, call: Call) -> dict[str, Any]:
        mission_id = self._mission_id(call)
        items = call.store.attachments.items()
        return {"data": [dict(v) for (k, m, _), v in items if (k, m) == (self.kind, mission_id)]}

    def create(self, call: Call) -> dict[str, Any]:
        mission_id = self._mission_id(call)
        now = _stamp(call)
        item_id = str(uuid.uuid4())
        item = {**call.sent, self.id_name: item_id, "mission_id": mission_id}
        item |= {"created_at": now, "updated_at": now}
        call.store.attachments[(self.kind, mission_id, item_id)] = MappingProxyType(item)
        return {"data": item}

    def get(self, call: Call) -> dict[str, Any]:
        return {"data": dict(call.store.attachment(self._key(call)))}

    def update(self, call: Call) -> dict[str, Any]:
        key = self._key(call)
        stored = call.store.attachment(key)
        fixed = {name: stored[name] for name in (self.id_name, "mission_id")}
        item = {**stored, **call.sent, **fixed, "updated_at": _stamp(call)}
        call.store.attachments[key] = MappingProxyType(item)
        return {"data": item}

    def delete(self, call: Call) -> None:
        key = self._key(call)
        call.store.attachment(key)
        del call.store.attachments[key]


KNOWLEDGE_BASES = Attachment("knowledge-bases", "knowledge_base_id")
MCP_SERVERS = Attachment("mcp-servers", "mcp_server_id")
TOOLS = Attachment("tools", "tool_id")


def _stamp(call: Call) -> str:
    """The store's time as JSON writes a datetime: ISO 8601 with ``Z``."""
    return call.store.now().isoformat().replace("+00:00", "Z")
