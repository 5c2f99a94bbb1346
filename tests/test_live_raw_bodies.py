"""A request body that is not JSON (malformed, or sent as another content type) is recorded as
its bytes, so that its replay sends the same bytes and the recorded 422 compares."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pytest_telnyx_missions.live import replay
from pytest_telnyx_missions.live._cassette import RecordedExchange, read_cassette, write_cassette
from pytest_telnyx_missions.live._compare import Answer, Sent

from .live_standin import CANARY_KEY, StandIn, run_live

pytestmark = pytest.mark.usefixtures("live_key")

_TESTS = """
    import pytest


    @pytest.mark.telnyx_missions(live=True)
    def test_sends_what_is_not_json(telnyx_missions, http):
        made = http.post("ai/missions", json={"name": "raw"}).json()["data"]
        runs = "ai/missions/" + made["mission_id"] + "/runs"
        broken = '{"input": {"of": "' + made["mission_id"] + '"}'  # one brace short
        sent = http.post(runs, content=broken, headers={"content-type": "application/json"})
        assert sent.status_code == 422
        assert sent.json()["detail"][0]["type"] == "json_invalid"
        plain = http.post(runs, content='{"input": {}}', headers={"content-type": "text/plain"})
        assert plain.status_code == 422
"""


@pytest.fixture
def recorded(pytester: pytest.Pytester, upstream: StandIn) -> Path:
    directory = pytester.path / "recorded"
    result = run_live(pytester, upstream, _TESTS, f"--telnyx-missions-live-record={directory}")
    result.assert_outcomes(passed=1)
    report = json.loads((pytester.path / ".telnyx-live" / "report.json").read_text())
    assert report["divergences"] == []
    [path] = directory.rglob("*.json")
    return path


def _requests(path: Path) -> list[dict[str, Any]]:
    return [ex["request"] for ex in json.loads(path.read_text())["exchanges"]]


def test_the_bytes_are_recorded_with_the_ids_in_them_masked(
    recorded: Path, upstream: StandIn
) -> None:
    broken, plain = _requests(recorded)[1:]
    assert broken["body"] is None
    assert broken["raw_body"] == '{"input": {"of": "<mission_id:1>"}'
    assert "content_type" in broken
    assert (plain["body"], plain["raw_body"], plain["content_type"]) == (
        {"input": {}},
        '{"input": {}}',
        "text/plain",
    )
    assert not any(mission_id in recorded.read_text() for mission_id in upstream.mission_ids())


def test_their_replay_sends_the_same_bytes_and_finds_nothing(recorded: Path) -> None:
    report = replay([recorded])
    assert (report.exchanges, [f.to_json() for f in report.divergences]) == (3, [])


def test_a_change_to_their_422_is_found_on_replay(recorded: Path, tmp_path: Path) -> None:
    doc = json.loads(recorded.read_text())
    doc["exchanges"][1]["response"]["body"]["detail"][0]["msg"] = "Invalid JSON"
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(doc))
    [found] = replay([tampered]).divergences
    assert (found.exchange, found.divergence.kind, found.divergence.path) == (
        2,
        "value",
        "$.detail[0].msg",
    )
    assert (found.divergence.fake, found.divergence.real) == ("JSON decode error", "Invalid JSON")


def test_bytes_that_are_not_utf8_go_as_base64_without_the_key(tmp_path: Path) -> None:
    raw = b"\xff\xfe" + CANARY_KEY.encode() + b"\x00"
    sent = Sent("POST", "/ai/missions", {}, None, raw, "application/octet-stream")
    answer = Answer(422, {"content-type": "application/json"}, {"detail": []})
    exchanged = RecordedExchange("create_mission", sent, answer)
    path = write_cassette(tmp_path / "m" / "t.json", "t", [exchanged], key=CANARY_KEY)
    [request] = _requests(path)
    assert "raw_body" not in request
    [exchange] = read_cassette(path).exchanges
    assert exchange.sent.raw == raw.replace(CANARY_KEY.encode(), b"<redacted>")
    assert exchange.sent.content_type == "application/octet-stream"
