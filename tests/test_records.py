"""One record type: a run update is a recorded call; the journal answers a run's (or an
operation's) calls from its indexes, and they agree with the whole journal."""

from __future__ import annotations

import httpx
import pytest

from pytest_telnyx_missions import FakeMissions, RecordedCall, RunUpdate


@pytest.fixture
def fake() -> FakeMissions:
    return FakeMissions(runs=3)


def _client(fake: FakeMissions) -> httpx.Client:
    return httpx.Client(
        transport=fake.httpx_transport(),
        base_url="http://fake.invalid/v2",
        headers={"authorization": "Bearer k"},
    )


def test_every_run_update_is_a_recorded_call(fake: FakeMissions) -> None:
    run = fake.runs[0]
    with _client(fake) as client:
        path = f"/ai/missions/{run.mission_id}/runs/{run.run_id}"
        client.patch(path, json={"status": "paused"})
        client.patch(path, json={"status": "nonsense"})  # rejected: 422

    updates = fake.run_updates()
    assert [update.status_code for update in updates] == [200, 422]
    for update in updates:
        assert isinstance(update, RunUpdate)
        assert isinstance(update, RecordedCall)
        assert update.operation == "update_run"
    assert fake.calls("update_run") == updates  # the same records, whichever way asked


def test_the_indexes_agree_with_the_whole_journal(fake: FakeMissions) -> None:
    first, second = fake.runs[0], fake.runs[1]
    with _client(fake) as client:
        for run in (first, second, first):
            base = f"/ai/missions/{run.mission_id}/runs/{run.run_id}"
            client.patch(base, json={"status": "paused"})
            client.post(f"{base}/events", json={"type": "custom", "summary": "s"})
            upper = f"/ai/missions/{run.mission_id.upper()}/runs/{run.run_id.upper()}"
            client.post(f"{upper}/resume")

    everything = fake.calls()
    for run in (first, second):
        mine = [call for call in everything if call.run_id == run.run_id]
        assert fake.calls(run_id=run.run_id.upper()) == mine
        events = [call for call in mine if call.operation == "log_event"]
        assert fake.calls("log_event", run_id=run.run_id) == events
        assert [c.status for c in fake.status_history(run.run_id.upper())] == [
            "paused",
            "running",
        ] * (2 if run is first else 1)
    assert len(fake.calls("log_event")) == 3


def test_the_indexes_forget_what_the_journal_limit_drops() -> None:
    fake = FakeMissions(runs=1, journal_limit=2)
    run = fake.runs[0]
    with _client(fake) as client:
        for status in ("paused", "running", "paused"):
            client.patch(
                f"/ai/missions/{run.mission_id}/runs/{run.run_id}", json={"status": status}
            )

    assert [update.status for update in fake.run_updates(run.run_id)] == ["running", "paused"]
    assert len(fake.calls("update_run", run_id=run.run_id)) == 2
    assert fake.dropped_requests == 1
    fake.reset()
    assert fake.calls(run_id=run.run_id) == []
