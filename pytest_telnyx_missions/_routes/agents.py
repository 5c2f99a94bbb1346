"""Handlers for Telnyx agents linked to a run."""

from __future__ import annotations

from typing import Any

from .._app import Call
from .._errors import telnyx_error
from .._models import LinkTelnyxAgentRequest, TelnyxAgent
from ._paging import data, data_list


def list_telnyx_agents(call: Call) -> dict[str, Any]:
    run = call.store.run(call.path["mission_id"], call.path["run_id"])
    return data_list([a for (owner, _), a in call.store.agents.items() if owner == run.run_id])


def link_telnyx_agent(call: Call) -> dict[str, Any]:
    run = call.store.run(call.path["mission_id"], call.path["run_id"])
    agent_id = call.body_as(LinkTelnyxAgentRequest).telnyx_agent_id
    key = (run.run_id, agent_id)
    linked = call.store.agents.get(key)  # linking twice is harmless: the first link stands
    if linked is None:
        linked = TelnyxAgent(
            run_id=run.run_id, telnyx_agent_id=agent_id, created_at=call.store.now()
        )
        call.store.agents[key] = linked
    return data(linked)


def unlink_telnyx_agent(call: Call) -> None:
    run = call.store.run(call.path["mission_id"], call.path["run_id"])
    agent_id = call.path["telnyx_agent_id"]
    if call.store.agents.pop((run.run_id, agent_id), None) is None:
        raise telnyx_error(404, f"Telnyx agent {agent_id} is not linked to run {run.run_id}.")
