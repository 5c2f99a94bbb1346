"""``python -m pytest_telnyx_missions.live cleanup``: leftovers listed, deleted with ``--yes``,
never a mission whose name lacks the tag. Against the loopback stand-in (``live_standin``)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_telnyx_missions.live.__main__ import main as live_main
from pytest_telnyx_missions.live._cleanup import cleanup

from .live_standin import CANARY_KEY, StandIn


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
    ledger = tmp_path / "ledger.jsonl"
    ledger.write_text('{"created": "x", "url": "http://127.0.0.1:9/v2"}\n')
    assert live_main(["cleanup", "--ledger", str(ledger)]) == 2
    assert "TELNYX_MISSIONS_LIVE_API_KEY" in capsys.readouterr().err
