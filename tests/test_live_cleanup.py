"""``python -m pytest_telnyx_missions.live cleanup``: leftovers listed, deleted with ``--yes``,
never a mission whose name lacks the tag; from a hand-written ledger, and from the ledger of a
live pytest run that could not delete. Against the loopback stand-in (``live_standin``)."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pytest_telnyx_missions.live.__main__ import main as live_main
from pytest_telnyx_missions.live._cleanup import cleanup

from .live_standin import CANARY_KEY, StandIn, run_live


@pytest.fixture
def upstream(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    monkeypatch.setenv("TELNYX_MISSIONS_LIVE_API_KEY", CANARY_KEY)
    with StandIn(existing=0) as stand_in:
        yield stand_in


def test_cleanup_lists_deletes_with_yes_and_never_a_mission_without_the_tag(
    upstream: StandIn, tmp_path: Path
) -> None:
    tagged = upstream.fake.add_mission(name="ptm-left-behind").mission_id
    untagged = upstream.fake.add_mission(name="production reconciliation").mission_id
    ledger = tmp_path / "ledger.jsonl"
    lines = [
        {"created": tagged, "name": "ptm-left-behind", "url": upstream.base_url, "test": "t1"},
        {"created": untagged, "name": "ptm-x", "url": upstream.base_url, "test": "t2"},
        {"created": "0b3c4d0e-0000-4000-8000-000000000000", "url": upstream.base_url},
    ]
    ledger.write_text("".join(json.dumps(line) + "\n" for line in lines))

    listed = io.StringIO()
    result = cleanup(ledger, yes=False, out=listed)
    assert (result.left, result.kept, result.gone, result.deleted) == (1, 1, 1, 0)
    assert "run again with --yes" in listed.getvalue()
    assert {tagged, untagged} <= upstream.mission_ids()
    assert not upstream.requests("DELETE")

    assert live_main(["cleanup", "--ledger", str(ledger), "--yes"]) == 0
    assert [s.path.rsplit("/", 1)[-1] for s in upstream.requests("DELETE")] == [tagged]
    assert untagged in upstream.mission_ids()
    assert tagged not in upstream.mission_ids()
    again = io.StringIO()
    cleanup(ledger, yes=True, out=again)  # the deletion is in the ledger now
    assert "without the tag 'ptm-': never deleted" in again.getvalue()
    assert tagged not in again.getvalue()


def test_cleanup_without_the_key_says_which_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TELNYX_MISSIONS_LIVE_API_KEY", raising=False)
    monkeypatch.setenv("TELNYX_API_KEY", "KEY_never_read_for_it")
    ledger = tmp_path / "ledger.jsonl"
    ledger.write_text('{"created": "x", "url": "http://127.0.0.1:9/v2"}\n')
    assert live_main(["cleanup", "--ledger", str(ledger)]) == 2
    assert "TELNYX_MISSIONS_LIVE_API_KEY" in capsys.readouterr().err


def test_what_a_live_run_left_behind_is_listed_then_deleted_by_python_dash_m(
    pytester: pytest.Pytester, upstream: StandIn
) -> None:
    # the session cannot delete (and nothing is deleted): it fails, the ledger keeps them
    upstream.refuse = lambda seen: 403 if seen.method == "DELETE" else None
    tests = """
        import pytest
        import telnyx


        @pytest.mark.telnyx_missions(live=True)
        def test_leaves_two(telnyx_missions):
            client = telnyx.Telnyx(max_retries=0)
            client.ai.missions.create(name="left-1")
            client.ai.missions.create(name="left-2")
    """
    result = run_live(pytester, upstream, tests)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    left = {m.name: m.mission_id for m in upstream.fake.missions}
    assert set(left) == {"ptm-left-1", "ptm-left-2"}
    # someone took one of them over since: renamed, without the tag, it is never deleted
    renamed = httpx.put(
        f"{upstream.base_url}/ai/missions/{left['ptm-left-2']}",
        json={"name": "production now"},
        headers={"authorization": f"Bearer {CANARY_KEY}"},
    )
    assert renamed.status_code == 200
    upstream.refuse = None
    ledger = str(pytester.path / ".telnyx-live" / "ledger.jsonl")
    command = [sys.executable, "-m", "pytest_telnyx_missions.live", "cleanup", "--ledger", ledger]

    listed = pytester.run(*command)
    assert listed.ret == 0
    listed.stdout.fnmatch_lines(["*'ptm-left-1' is still there", "*run again with --yes*"])
    listed.stdout.fnmatch_lines(["*named 'production now', without the tag 'ptm-': never deleted"])
    deletes_before = len(upstream.requests("DELETE"))

    deleted = pytester.run(*command, "--yes")
    assert deleted.ret == 0
    deleted.stdout.fnmatch_lines(["*'ptm-left-1' deleted"])
    [gone] = upstream.requests("DELETE")[deletes_before:]
    assert gone.path.endswith(left["ptm-left-1"])
    assert upstream.mission_ids() == {left["ptm-left-2"]}


def test_cleanup_sends_the_key_to_no_address_the_ledger_alone_names(
    upstream: StandIn, tmp_path: Path
) -> None:
    # a ledger is a file anyone could have edited: an https host that is not Telnyx's API
    # (unreachable by design: .invalid never resolves) gets no request, hence never the key
    ledger = tmp_path / "ledger.jsonl"
    elsewhere = "https://collector.example.invalid/v2"
    tagged = upstream.fake.add_mission(name="ptm-left-behind").mission_id
    lines = [
        {"created": "1b3c4d0e-0000-4000-8000-000000000000", "url": elsewhere, "test": "t1"},
        {"created": tagged, "name": "ptm-left-behind", "url": upstream.base_url, "test": "t2"},
    ]
    ledger.write_text("".join(json.dumps(line) + "\n" for line in lines))

    out = io.StringIO()
    result = cleanup(ledger, yes=True, out=out)

    assert (result.failed, result.deleted) == (1, 1)
    assert result.exit_code == 1
    assert f"the key goes there only with --url {elsewhere}" in out.getvalue()
    assert [s.path.rsplit("/", 1)[-1] for s in upstream.requests("DELETE")] == [tagged]
