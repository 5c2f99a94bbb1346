"""Handlers for a run's plan and its steps."""

from __future__ import annotations

from collections.abc import Collection

from ..._api.errors import validation_error, value_error
from ..._api.models import (
    AddPlanStepsRequest,
    CreatePlanRequest,
    CreatePlanStepRequest,
    MissionRun,
    PlanStep,
    UpdatePlanStepRequest,
)
from ..operations import Call
from ._paging import Answer, data, data_list


def get_plan(call: Call) -> Answer:
    run = call.store.run(call.path["mission_id"], call.path["run_id"])
    return data_list(call.store.plan_of(run.run_id))


def create_plan(call: Call) -> Answer:
    """A run's plan; creating it again replaces the old one (README: the spec declares no 409)."""
    run = call.store.run(call.path["mission_id"], call.path["run_id"])
    steps = _new_steps(run, call.body_as(CreatePlanRequest).steps, existing=())
    return data_list(call.store.replace_plan(run, steps))


def add_plan_steps(call: Call) -> Answer:
    run = call.store.run(call.path["mission_id"], call.path["run_id"])
    existing = {step.step_id for step in call.store.plan_of(run.run_id)}
    steps = _new_steps(run, call.body_as(AddPlanStepsRequest).steps, existing=existing)
    return data_list(call.store.add_steps(steps))


def _new_steps(
    run: MissionRun, sent: list[CreatePlanStepRequest], *, existing: Collection[str]
) -> list[PlanStep]:
    """The steps to store, or a 422 naming each step id used twice (the spec declares no 409)."""
    seen: set[str] = set(existing)
    errors = []
    for index, step in enumerate(sent):
        if step.step_id in seen:
            errors.append(
                value_error(
                    ("body", "steps", index, "step_id"),
                    f"step id {step.step_id!r} is already used in run {run.run_id}",
                    step.step_id,
                )
            )
        seen.add(step.step_id)
    if errors:
        raise validation_error(errors)
    return [PlanStep(run_id=run.run_id, **step.model_dump(mode="json")) for step in sent]


def get_plan_step(call: Call) -> Answer:
    run = call.store.run(call.path["mission_id"], call.path["run_id"])
    return data(call.store.step(run, call.path["step_id"]))


def update_plan_step(call: Call) -> Answer:
    run = call.store.run(call.path["mission_id"], call.path["run_id"])
    step = call.store.step(run, call.path["step_id"])
    changes = call.changes_as(UpdatePlanStepRequest)
    return data(call.store.update_step(step, changes))
