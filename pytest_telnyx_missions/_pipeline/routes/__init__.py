"""The route table: every operation of the Missions API, one row each.

It is the one source of the operation count (``len(OPERATIONS)``): nothing else writes it down.

Operation names follow the SDK's method names, as ``verb_resource`` (``update_run`` for
``client.ai.missions.runs.update``); fault rules and the journal use them.
"""

from __future__ import annotations

from ..._api.models import (
    AddPlanStepsRequest,
    CreateEventRequest,
    CreateMissionRequest,
    CreateMissionRunRequest,
    CreatePlanRequest,
    LinkTelnyxAgentRequest,
    PageQuery,
    RecentEventsQuery,
    RunEventsQuery,
    RunsQuery,
    UpdateMissionRequest,
    UpdateMissionRunRequest,
    UpdatePlanStepRequest,
)
from ..._journal.recording import UPDATE_RUN
from ..operations import Operation
from . import agents, events, missions, plan, runs
from .attachments import KNOWLEDGE_BASES, MCP_SERVERS, TOOLS, Attachment

MISSIONS = "/ai/missions"
MISSION = "/ai/missions/{mission_id}"
RUNS = f"{MISSION}/runs"
RUN_PATH = f"{RUNS}/{{run_id}}"
_PLAIN_MISSION_ID: frozenset[str] = frozenset()  # these paths declare mission_id a plain string


def _attachment_operations(attachment: Attachment) -> tuple[Operation, ...]:
    kind = attachment.kind
    many = f"{MISSION}/{kind.kind}"
    one = f"{many}/{{{kind.id_name}}}"
    plural, singular = kind.plural, kind.singular
    plain = _PLAIN_MISSION_ID
    return (
        Operation(f"list_{plural}", "GET", many, attachment.list, uuid_params=plain),
        Operation(
            f"create_{singular}",
            "POST",
            many,
            attachment.create,
            201,
            uuid_params=plain,
            any_json=True,
        ),
        Operation(f"get_{singular}", "GET", one, attachment.get, uuid_params=plain),
        Operation(
            f"update_{singular}", "PUT", one, attachment.update, uuid_params=plain, any_json=True
        ),
        Operation(f"delete_{singular}", "DELETE", one, attachment.delete, 204, uuid_params=plain),
    )


# One row per operation, alike on purpose: the table is the one source of the route list.
OPERATIONS: tuple[Operation, ...] = (
    # missions
    Operation("list_missions", "GET", MISSIONS, missions.list_missions, query=PageQuery),
    Operation(
        "create_mission",
        "POST",
        MISSIONS,
        missions.create_mission,
        201,
        body=CreateMissionRequest,
        body_required=True,
    ),
    Operation(
        "list_recent_events",
        "GET",
        f"{MISSIONS}/events",
        events.list_recent_events,
        query=RecentEventsQuery,
    ),
    Operation(
        "list_recent_runs", "GET", f"{MISSIONS}/runs", runs.list_recent_runs, query=RunsQuery
    ),
    Operation("get_mission", "GET", MISSION, missions.get_mission),
    Operation(
        "update_mission",
        "PUT",
        MISSION,
        missions.update_mission,
        body=UpdateMissionRequest,
        body_required=True,
    ),
    Operation("delete_mission", "DELETE", MISSION, missions.delete_mission, 204),
    Operation(
        "clone_mission",
        "POST",
        f"{MISSION}/clone",
        missions.clone_mission,
        201,
        uuid_params=_PLAIN_MISSION_ID,
    ),
    *_attachment_operations(KNOWLEDGE_BASES),
    *_attachment_operations(MCP_SERVERS),
    *_attachment_operations(TOOLS),
    # runs
    Operation("list_runs", "GET", RUNS, runs.list_runs, query=RunsQuery),
    Operation("create_run", "POST", RUNS, runs.create_run, 201, body=CreateMissionRunRequest),
    Operation("get_run", "GET", RUN_PATH, runs.get_run),
    Operation(
        UPDATE_RUN,
        "PATCH",
        RUN_PATH,
        runs.update_run,
        body=UpdateMissionRunRequest,
        body_required=True,
    ),
    Operation("cancel_run", "POST", f"{RUN_PATH}/cancel", runs.cancel_run),
    Operation("pause_run", "POST", f"{RUN_PATH}/pause", runs.pause_run),
    Operation("resume_run", "POST", f"{RUN_PATH}/resume", runs.resume_run),
    # events
    Operation("list_events", "GET", f"{RUN_PATH}/events", events.list_events, query=RunEventsQuery),
    Operation(
        "log_event",
        "POST",
        f"{RUN_PATH}/events",
        events.log_event,
        201,
        body=CreateEventRequest,
        body_required=True,
    ),
    Operation("get_event", "GET", f"{RUN_PATH}/events/{{event_id}}", events.get_event),
    # plan
    Operation("get_plan", "GET", f"{RUN_PATH}/plan", plan.get_plan),
    Operation(
        "create_plan",
        "POST",
        f"{RUN_PATH}/plan",
        plan.create_plan,
        201,
        body=CreatePlanRequest,
        body_required=True,
    ),
    Operation(
        "add_plan_steps",
        "POST",
        f"{RUN_PATH}/plan/steps",
        plan.add_plan_steps,
        201,
        body=AddPlanStepsRequest,
        body_required=True,
    ),
    Operation("get_plan_step", "GET", f"{RUN_PATH}/plan/steps/{{step_id}}", plan.get_plan_step),
    Operation(
        "update_plan_step",
        "PATCH",
        f"{RUN_PATH}/plan/steps/{{step_id}}",
        plan.update_plan_step,
        body=UpdatePlanStepRequest,
        body_required=True,
    ),
    # telnyx agents
    Operation("list_telnyx_agents", "GET", f"{RUN_PATH}/telnyx-agents", agents.list_telnyx_agents),
    Operation(
        "link_telnyx_agent",
        "POST",
        f"{RUN_PATH}/telnyx-agents",
        agents.link_telnyx_agent,
        201,
        body=LinkTelnyxAgentRequest,
        body_required=True,
    ),
    Operation(
        "unlink_telnyx_agent",
        "DELETE",
        f"{RUN_PATH}/telnyx-agents/{{telnyx_agent_id}}",
        agents.unlink_telnyx_agent,
        204,
    ),
)
