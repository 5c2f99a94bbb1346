"""Handlers for Telnyx agents linked to a run."""

from __future__ import annotations

from ..._api.models import LinkTelnyxAgentRequest
from ..operations import Call
from ._paging import Answer, data, data_list


def list_telnyx_agents(call: Call) -> Answer:
    run = call.store.run(call.path["mission_id"], call.path["run_id"])
    return data_list(call.store.agents_of(run.run_id))


def link_telnyx_agent(call: Call) -> Answer:
    run = call.store.run(call.path["mission_id"], call.path["run_id"])
    agent_id = call.body_as(LinkTelnyxAgentRequest).telnyx_agent_id
    return data(call.store.link_agent(run, agent_id))


def unlink_telnyx_agent(call: Call) -> None:
    run = call.store.run(call.path["mission_id"], call.path["run_id"])
    call.store.unlink_agent(run, call.path["telnyx_agent_id"])
