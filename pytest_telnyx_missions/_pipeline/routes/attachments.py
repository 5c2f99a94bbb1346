"""Knowledge bases, MCP servers and tools attached to a mission.

The docs and the SDK give these no schema: the fake keeps whatever JSON object the client sends,
adds an id, the mission id and timestamps, and answers it back inside ``{"data": ...}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..._api.models import canonical_id
from ..._state.store import ATTACHMENT_KINDS, AttachmentKind, json_time
from ..operations import Call


@dataclass(frozen=True)
class Attachment:
    """The handlers of one kind of attachment."""

    kind: AttachmentKind

    def _mission_id(self, call: Call) -> str:
        # Declared a plain string on these paths; still looked up canonically.
        return call.store.mission(canonical_id(call.path["mission_id"])).mission_id

    def _key(self, call: Call) -> tuple[str, str, str]:
        return (self.kind.kind, self._mission_id(call), call.path[self.kind.id_name])

    def list(self, call: Call) -> dict[str, Any]:
        items = call.store.attachments_of(self.kind.kind, self._mission_id(call))
        return {"data": [dict(item) for item in items]}

    def create(self, call: Call) -> dict[str, Any]:
        mission_id = self._mission_id(call)
        now = json_time(call.store.now())
        item_id = call.store.new_id()
        item = {**call.sent, self.kind.id_name: item_id, "mission_id": mission_id}
        item |= {"created_at": now, "updated_at": now}
        call.store.put_attachment((self.kind.kind, mission_id, item_id), item)
        return {"data": item}

    def get(self, call: Call) -> dict[str, Any]:
        return {"data": dict(call.store.attachment(self._key(call)))}

    def update(self, call: Call) -> dict[str, Any]:
        key = self._key(call)
        stored = call.store.attachment(key)
        fixed = {name: stored[name] for name in (self.kind.id_name, "mission_id")}
        item = {**stored, **call.sent, **fixed, "updated_at": json_time(call.store.now())}
        call.store.put_attachment(key, item)
        return {"data": item}

    def delete(self, call: Call) -> None:
        call.store.delete_attachment(self._key(call))


KNOWLEDGE_BASES = Attachment(ATTACHMENT_KINDS["knowledge-bases"])
MCP_SERVERS = Attachment(ATTACHMENT_KINDS["mcp-servers"])
TOOLS = Attachment(ATTACHMENT_KINDS["tools"])
