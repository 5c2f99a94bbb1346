"""The journal is bounded by bytes as well as entries: the oldest go first, the newest stays.

Memory is measured with ``tracemalloc`` (what clearing the journal frees) and by the sizes the
fake reports (``journal_bytes``), never by time.
"""

from __future__ import annotations

import gc
import json
import tracemalloc
from collections.abc import Iterator

import httpx
import pytest

from pytest_telnyx_missions import FakeMissions, StandaloneFake
from pytest_telnyx_missions._config import DEFAULT_JOURNAL_MAX_BYTES, JournalLimits
from pytest_telnyx_missions._journal.recording import ENTRY_OVERHEAD
from pytest_telnyx_missions._standalone import _command_line

MIB = 1024 * 1024


def _client(fake: FakeMissions) -> httpx.Client:
    return httpx.Client(
        transport=fake.httpx_transport(),
        base_url="http://fake.invalid/v2",
        headers={"authorization": "Bearer k", "content-type": "application/json"},
    )


def _journal_memory(fake: FakeMissions) -> int:
    """Bytes that clearing the journal frees, of what was allocated while tracing."""
    gc.collect()
    held = tracemalloc.get_traced_memory()[0]
    fake._journal.clear()
    gc.collect()
    return held - tracemalloc.get_traced_memory()[0]


@pytest.fixture
def tracing() -> Iterator[None]:
    tracemalloc.start()
    try:
        yield
    finally:
        tracemalloc.stop()


def test_twelve_8_mib_patches_stay_within_the_default_byte_budget(tracing: None) -> None:
    fake = FakeMissions()
    run = fake.runs[0]
    path = f"/ai/missions/{run.mission_id}/runs/{run.run_id}"
    with _client(fake) as client:
        for number in range(12):
            body = json.dumps({"metadata": {"n": number, "blob": "x" * (8 * MIB)}})
            assert client.patch(path, content=body).status_code == 200
        del body

    # Each entry counts its 8 MiB body as sent and as parsed, and its 8 MiB answer: two fit in
    # 64 MiB, three do not (the parsed body was left out of the count once, and three entries
    # held 64.01 MiB).
    assert (len(fake.requests), fake.dropped_requests) == (2, 10)
    assert fake.journal_bytes == sum(entry.size for entry in fake.requests)
    assert fake.journal_bytes <= DEFAULT_JOURNAL_MAX_BYTES
    # What is kept are the latest, and the helpers work on them (any form of the run's id).
    updates = fake.run_updates(run.run_id.upper())
    assert [update.fields["metadata"]["n"] for update in updates] == [10, 11]
    assert len(fake.calls("update_run", run_id=run.run_id)) == 2
    fake.assert_run_updated(run.run_id, metadata={"n": 11, "blob": "x" * (8 * MIB)})
    fake.check()
    held = _journal_memory(fake)
    assert held <= DEFAULT_JOURNAL_MAX_BYTES, f"the journal held {held / MIB:.1f} MiB"


def test_a_byte_budget_keeps_the_latest_entries_within_it_and_always_the_newest() -> None:
    budget = 4 * ENTRY_OVERHEAD
    fake = FakeMissions(runs=1, journal_max_bytes=budget)
    run = fake.runs[0]
    path = f"/ai/missions/{run.mission_id}/runs/{run.run_id}"
    with _client(fake) as client:
        for status in ("paused", "running") * 5:
            client.patch(path, json={"status": status})
        kept = fake.requests
        assert 1 <= len(kept) < 10
        assert fake.dropped_requests == 10 - len(kept)
        assert fake.journal_bytes == sum(entry.size for entry in kept) <= budget
        assert kept[-1].json == {"status": "running"}  # the latest
        # The indexes forget what the budget drops.
        assert len(fake.run_updates(run.run_id)) == len(fake.calls("update_run")) == len(kept)

        client.patch(path, content=json.dumps({"metadata": {"big": "y" * budget}}))

    (newest,) = fake.requests  # larger than the budget alone: kept, every older one dropped
    assert newest.size > budget
    assert fake.journal_bytes == newest.size
    assert fake.dropped_requests == 10
    fake.reset()
    assert (fake.requests, fake.dropped_requests, fake.journal_bytes) == ([], 0, 0)


def test_an_entry_counts_its_bodies_and_a_fixed_overhead() -> None:
    fake = FakeMissions(runs=1)
    run = fake.runs[0]
    with _client(fake) as client:
        answer = client.patch(
            f"/ai/missions/{run.mission_id}/runs/{run.run_id}", json={"status": "paused"}
        )
    (entry,) = fake.requests
    assert entry.response_size == len(answer.content)
    assert entry.size == 2 * len(entry.body) + len(answer.content) + ENTRY_OVERHEAD


def test_a_body_that_did_not_parse_is_counted_once() -> None:
    fake = FakeMissions(runs=1)
    with _client(fake) as client:
        client.post("/ai/missions", content=b"{not json")
    (entry,) = fake.requests
    assert entry.json is None
    assert entry.size == len(entry.body) + entry.response_size + ENTRY_OVERHEAD


def test_without_a_budget_nothing_is_dropped_by_bytes() -> None:
    fake = FakeMissions(runs=1, journal_max_bytes=None)
    with _client(fake) as client:
        for _ in range(3):
            client.post("/ai/missions", content=json.dumps({"name": "n" * MIB}))
    assert (len(fake.requests), fake.dropped_requests) == (3, 0)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "64"])
def test_a_bad_budget_is_refused_naming_the_option(bad: object) -> None:
    with pytest.raises(ValueError, match=r"journal_max_bytes must be at least 1 \(or None\)"):
        FakeMissions(journal_max_bytes=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="journal_limit must be at least 1"):
        JournalLimits(max_entries=0)


def test_the_cli_and_standalone_fake_take_the_budget() -> None:
    from pytest_telnyx_missions import cli

    parser = cli._parser()
    assert parser.parse_args([]).journal_max_bytes == DEFAULT_JOURNAL_MAX_BYTES == 64 * MIB
    assert parser.parse_args(["--journal-max-bytes", "0"]).journal_max_bytes == 0  # no budget
    with pytest.raises(SystemExit):
        parser.parse_args(["--journal-max-bytes", "-1"])
    assert _command_line({"journal_max_bytes": None}, None) == ["--journal-max-bytes", "0"]
    assert _command_line({"journal_max_bytes": 4096}, None) == ["--journal-max-bytes", "4096"]


def test_the_standalone_server_drops_by_bytes_and_says_so() -> None:
    budget = 3 * ENTRY_OVERHEAD
    with StandaloneFake(journal_max_bytes=budget) as fake, httpx.Client() as client:
        for _ in range(6):
            client.get(f"{fake.base_url}/ai/missions", headers={"authorization": "Bearer k"})
        journal = client.get(f"{fake.url}/_fake/requests").json()
    assert journal["dropped"] == 6 - len(journal["data"]) > 0
    assert journal["bytes"] <= budget


def test_the_session_fakes_budget_is_an_ini_option(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        f"[pytest]\ntelnyx_missions_journal_max_bytes = {3 * ENTRY_OVERHEAD}\n"
        "telnyx_missions_journal_limit = 0\n"
    )
    pytester.makepyfile(
        """
        import httpx

        def test_budget(telnyx_missions):
            for _ in range(6):
                httpx.get(f"{telnyx_missions.base_url}/ai/missions",
                          headers={"authorization": "Bearer k"})
            assert telnyx_missions.dropped_requests == 6 - len(telnyx_missions.requests) > 0
            assert telnyx_missions.journal_bytes <= 3 * 4 * 1024
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("value", "message"),
    [("lots", "is not a whole number"), ("-5", "is not a whole number")],
)
def test_a_bad_ini_budget_stops_the_run_naming_it(
    pytester: pytest.Pytester, value: str, message: str
) -> None:
    pytester.makeini(f"[pytest]\ntelnyx_missions_journal_max_bytes = {value}\n")
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest("-p", "no:randomly")
    assert result.ret != 0
    result.stderr.fnmatch_lines([f"*telnyx_missions_journal_max_bytes*{message}*"])
