"""Handlers for a run's plan and its steps."""

from __future__ import annotations

from typing import Any

from .._app import Call
from .._errors import NO_RETRY, telnyx_error
from .._models import (
    AddPlanStepsRequest,
    CreatePlanRequest,
    CreatePlanStepRequest,
    MissionRun,
    PlanStep,
    UpdatePlanStepRequest,
)
from ._paging import data, data_list


def get_plan(call: Call) -> dict[str, Any]:
    run = call.store.run(call.path["mission_id"], call.path["run_id"])
    return data_list(call.store.plan_of(run.run_id))


def create_plan(call: Call) -> dict[str, Any]:
    run = call.store.run(call.path["mission_id"], call.path["run_id"])
    if call.store.plan_of(run.run_id):
        raise telnyx_error(
            409, f"Run {run.run_id} already has a plan; add steps to it instead.", headers=NO_RETRY
        )
    return _add(call, run, call.body_as(CreatePlanRequest).steps)


def add_plan_steps(call: Call) -> dict[str, Any]:
    run = call.store.run(call.path["mission_id"], call.path["run_id"])
    return _add(call, run, call.body_as(AddPlanStepsRequest).steps)


def _add(call: Call, run: MissionRun, steps: list[CreatePlanStepRequest]) -> dict[str, Any]:
    ids = [step.step_id for step in steps]
    taken = sorted({i for i in ids if ids.count(i) > 1 or (run.run_id, i) in call.store.steps})
    if taken:
        raise telnyx_error(
            409,
            f"Step ids already used in run {run.run_id}: {', '.join(taken)}.",
            headers=NO_RETRY,
        )
    created = [
        call.store.put_step(PlanStep(run_id=run.run_id, **step.model_dump(mode="json")))
        for step in steps
    ]
    return data_list(created)


def get_plan_step(call: Call) -> dict[str, Any]:
    run = call.store.run(call.path["mission_id"], call.path["run_id"])
    return data(call.store.step(run, call.path["step_id"]))


def update_plan_step(call: Call) -> dict[str, Any]:
    run = call.store.run(call.path["mission_id"], call.path["run_id"])
    step = call.store.step(run, call.path["step_id"])
    changes = call.body_as(UpdatePlanStepRequest).model_dump(mode="json", exclude_unset=True)
    return data(call.store.update_step(step, changes))
