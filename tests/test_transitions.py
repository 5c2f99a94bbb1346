"""Run transitions: free by default, the documented ones only with ``strict_transitions``."""

from __future__ import annotations

from typing import get_args

import pytest
import telnyx

from pytest_telnyx_missions import FakeMissions
from pytest_telnyx_missions._api.models import RunStatusName


def test_free_by_default(telnyx_missions: FakeMissions) -> None:
    runs = telnyx.Telnyx().ai.missions.runs
    done = telnyx_missions.add_run(status="succeeded")
    assert runs.pause_run(done.run_id, mission_id=done.mission_id).data.status == "paused"
    assert runs.update(done.run_id, mission_id=done.mission_id, status="pending").data.status == (
        "pending"
    )


@pytest.mark.telnyx_missions(strict_transitions=True)
@pytest.mark.parametrize(
    ("action", "allowed_from", "to"),
    [
        ("cancel_run", {"running", "paused"}, "cancelled"),
        ("pause_run", {"running"}, "paused"),
        ("resume_run", {"paused"}, "running"),
    ],
)
def test_strict_actions_follow_the_docs(
    telnyx_missions: FakeMissions, action: str, allowed_from: set[str], to: str
) -> None:
    runs = telnyx.Telnyx().ai.missions.runs
    statuses: tuple[RunStatusName, ...] = get_args(RunStatusName)
    for status in statuses:
        run = telnyx_missions.add_run(status=status)
        call = getattr(runs, action)
        if status in allowed_from:
            assert call(run.run_id, mission_id=run.mission_id).data.status == to
        else:
            with pytest.raises(telnyx.ConflictError) as caught:
                call(run.run_id, mission_id=run.mission_id)
            assert caught.value.response.headers["x-should-retry"] == "false"
            assert f"it is {status}" in str(caught.value.body)
            assert telnyx_missions.get_run(run.run_id).status == status
    # A conflict is not retried: one request per attempt reached the fake.
    assert len(telnyx_missions.requests) == 6


@pytest.mark.telnyx_missions(strict_transitions=True)
def test_strict_patch_cannot_leave_a_final_status(telnyx_missions: FakeMissions) -> None:
    runs = telnyx.Telnyx().ai.missions.runs
    run = telnyx_missions.add_run(status="running")
    runs.update(run.run_id, mission_id=run.mission_id, status="paused")
    runs.update(run.run_id, mission_id=run.mission_id, status="failed", error="x")
    runs.update(run.run_id, mission_id=run.mission_id, status="failed", result_summary="again")
    with pytest.raises(telnyx.ConflictError):
        runs.update(run.run_id, mission_id=run.mission_id, status="running")
    telnyx_missions.assert_run_status_history(run.run_id, ["paused", "failed", "failed"])


def test_the_option_is_per_test_and_reset_keeps_what_the_fake_was_made_with() -> None:
    fake = FakeMissions(seed=7, runs=4, strict_transitions=True)
    made = fake.runs
    fake.reset(seed=1, strict_transitions=False)
    assert fake.runs != made
    assert len(fake.runs) == 4
    assert not fake._store.strict_transitions
    fake.reset()
    assert fake.runs == made
    assert fake._store.strict_transitions
