"""Arranging the state a worker expects: ids that come from elsewhere, a state file, a clock."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from pytest_telnyx_missions import FakeMissions

from .agent_worker import AgentWorker
from .test_agent_worker import count_records

# The ids the official SDK's own tests address; the example state file holds them.
CONFIGURED_ID = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"


def test_ids_from_the_workers_config(telnyx_missions: FakeMissions) -> None:
    mission = telnyx_missions.add_mission(
        mission_id="7c9e6679-7425-40de-944b-e07fc1f90ae7", name="Nightly reconciliation"
    )
    run = telnyx_missions.add_run(
        mission_id=mission.mission_id, run_id="a3bb189e-8bf9-4888-9912-ace4e6543002"
    )
    telnyx_missions.add_plan_step(
        run_id=run.run_id, step_id="fetch", description="Fetch invoices", sequence=1
    )

    AgentWorker().run(mission.mission_id, run.run_id, [count_records])

    telnyx_missions.assert_run_status_history(run.run_id, ["running", "succeeded"])


@pytest.mark.telnyx_missions(state="state.json")  # relative to this file
def test_state_file(telnyx_missions: FakeMissions) -> None:
    assert [run.run_id for run in telnyx_missions.runs] == [CONFIGURED_ID]
    assert [step.step_id for step in telnyx_missions.plan(CONFIGURED_ID)] == ["step_id"]

    AgentWorker().run(CONFIGURED_ID, CONFIGURED_ID, [count_records])

    assert telnyx_missions.get_run(CONFIGURED_ID).status == "succeeded"


@pytest.mark.telnyx_missions(clock=datetime(2025, 6, 1, tzinfo=timezone.utc))
def test_fixed_clock_makes_timestamps_predictable(telnyx_missions: FakeMissions) -> None:
    run = telnyx_missions.add_run(status="pending")  # the clock reads 2025-06-01T00:00:00Z

    AgentWorker().run(run.mission_id, run.run_id, [count_records])

    # Each change ticks the fixed clock by one second: running at :01, succeeded at :02.
    finished = telnyx_missions.get_run(run.run_id).finished_at
    assert finished == datetime(2025, 6, 1, 0, 0, 2, tzinfo=timezone.utc)
