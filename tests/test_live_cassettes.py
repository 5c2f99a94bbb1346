"""Cassettes (layout, masking, allowlist, no key) and their replay (known file, stale entries,
the command)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pytest_telnyx_missions.live.__main__ import main
from pytest_telnyx_missions.live._cassette import (
    KeyInArtifact,
    RecordedExchange,
    cassette_json,
    cassette_path,
    check_no_key,
    mask_exchanges,
    read_cassette,
    write_cassette,
)
from pytest_telnyx_missions.live._compare import Answer, Sent
from pytest_telnyx_missions.live._replay import replay
from pytest_telnyx_missions.live._safety import Artifacts

from .helpers import doc_blocks
from .live_pairs import pair
from .live_standin import CANARY_KEY, StandIn, run_live
from .test_live_mutations import scenario

RUN = "3f2b8c1e-5d4a-4e6f-8a9b-0c1d2e3f4a5b"
MISSION = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
OTHER = "11111111-2222-4333-8444-555555555555"
KEY = "KEY_live_secret_0123456789"
JSON = {"content-type": "application/json"}


def exchange(
    operation: str, sent: Sent, status: int, body: Any, **headers: str
) -> RecordedExchange:
    return RecordedExchange(operation, sent, Answer(status, {**JSON, **headers}, body))


def test_the_layout_is_pytest_recordings() -> None:
    root = Path("cassettes")
    assert cassette_path(root, "tests/test_worker.py", "test_runs") == Path(
        "cassettes/test_worker/test_runs.json"
    )
    assert cassette_path(root, "pkg.tests.test_worker", "test_a[x/y: z]") == Path(
        "cassettes/test_worker/test_a[x-y--z].json"
    )


def test_minted_ids_become_placeholders_wherever_they_come_back() -> None:
    created = exchange(
        "create_run",
        Sent("POST", f"/ai/missions/{MISSION}/runs", {}, {"input": {}}),
        201,
        {"data": {"run_id": RUN, "mission_id": MISSION, "status": "pending"}},
    )
    event = exchange(
        "log_event",
        Sent(
            "POST",
            f"/ai/missions/{MISSION}/runs/{RUN}/events",
            {"run": RUN},
            {"type": "message", "summary": "s", "step_id": "s1", "agent_id": RUN},
        ),
        201,
        {"data": {"event_id": "200", "run_id": RUN, "step_id": "s1", "summary": "200 steps"}},
    )
    missing = exchange(
        "get_run",
        Sent("GET", f"/ai/missions/{MISSION}/runs/{RUN}", {}, None),
        404,
        {"errors": [{"code": "10005", "title": "Not found", "detail": f"Run {RUN} not found."}]},
    )
    first, second, third = mask_exchanges([created, event, missing])
    # the mission came from the client (made earlier, elsewhere): literal
    assert first.real.body["data"] == {
        "run_id": "<run_id:1>",
        "mission_id": MISSION,
        "status": "pending",
    }
    assert second.sent.path == f"/ai/missions/{MISSION}/runs/<run_id:1>/events"
    assert second.sent.query == {"run": "<run_id:1>"}
    assert second.sent.body["agent_id"] == "<run_id:1>"
    # an id "200" is masked where it is an id, and nowhere else; the client's step id stays
    assert second.real.body["data"] == {
        "event_id": "<event_id:1>",
        "run_id": "<run_id:1>",
        "step_id": "s1",
        "summary": "200 steps",
    }
    assert second.real.status == 201
    assert third.real.body["errors"][0]["detail"] == "Run <run_id:1> not found."


def test_headers_by_allowlist() -> None:
    answer = exchange(
        "get_mission",
        Sent("GET", f"/ai/missions/{MISSION}", {}, None),
        200,
        {"data": {}},
        **{"Set-Cookie": "s=1", "X-Request-Id": "abc", "Retry-After": "2", "Authorization": KEY},
    )
    [masked] = mask_exchanges([answer])
    assert masked.real.headers == {"content-type": "application/json", "retry-after": "2"}


def test_an_org_wide_list_keeps_only_this_tests_items() -> None:
    created = exchange(
        "create_mission",
        Sent("POST", "/ai/missions", {}, {"name": "ptm-a"}),
        201,
        {"data": {"mission_id": MISSION, "name": "ptm-a"}},
    )
    listed = exchange(
        "list_missions",
        Sent("GET", "/ai/missions", {}, None),
        200,
        {
            "data": [{"mission_id": OTHER, "name": "private"}, {"mission_id": MISSION}],
            "meta": {"total_results": 2},
        },
    )
    _, masked = mask_exchanges([created, listed])
    assert masked.real.body["data"] == [{"mission_id": "<mission_id:1>"}]
    assert "private" not in json.dumps(masked.real.body)


def test_the_live_key_is_never_written(tmp_path: Path) -> None:
    echoed = exchange(
        "create_mission",
        Sent("POST", "/ai/missions", {}, {"name": f"ptm-{KEY}"}),
        201,
        {"data": {"mission_id": MISSION, "name": f"ptm-{KEY}", "description": KEY}},
    )
    path = write_cassette(tmp_path / "m" / "t.json", "t", [echoed], key=KEY)
    raw = path.read_bytes()
    assert KEY.encode() not in raw
    assert b"<redacted>" in raw
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["t.json"]  # no temp file
    odd = "KEY/with+chars"
    for form in (odd, "KEY%2Fwith%2Bchars", "KEY\\/with+chars"):
        with pytest.raises(KeyInArtifact):
            check_no_key(f'{{"x": "{form}"}}'.encode(), odd)
    check_no_key(b'{"x": "KEY/with"}', odd)  # a part of it is no key


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cassette of the mutation table's scenario against an honest stand-in."""
    directory = tmp_path_factory.mktemp("recorded")
    with pair() as made:
        with made.client() as client:
            scenario(client)
        made.write_cassette(directory)
    return directory


def _tampered(recorded: Path, tmp_path: Path) -> Path:
    """A copy of the cassette whose first update_run answer says another status."""
    directory = tmp_path / "cassettes"
    shutil.copytree(recorded, directory)
    [path] = directory.rglob("*.json")
    doc = json.loads(path.read_text())
    [update] = [ex for ex in doc["exchanges"] if ex["operation"] == "update_run"]
    update["response"]["body"]["data"]["status"] = "paused"
    path.write_text(json.dumps(doc))
    return directory


def test_an_honest_recording_replays_clean(recorded: Path) -> None:
    [path] = recorded.rglob("*.json")
    assert len(read_cassette(path).exchanges) == 14
    report = replay([path])
    assert (report.cassettes, report.exchanges, report.divergences, report.ok) == (1, 14, [], True)


def test_a_known_divergence_passes_and_a_stale_one_fails(recorded: Path, tmp_path: Path) -> None:
    directory = _tampered(recorded, tmp_path)
    report = replay([directory])
    [found] = report.divergences
    assert (found.divergence.kind, found.divergence.path, found.known) == (
        "value",
        "$.data.status",
        False,
    )
    assert (found.test, found.exchange, report.ok) == ("test_module.py::test_pair", 7, False)
    entry = {"operation": "update_run", "kind": "value", "path": "$.data.status"}
    assert replay([directory], known=[entry]).ok
    assert replay([directory], known=[{**entry, "test": "test_module.py::test_pair"}]).ok
    assert not replay([directory], known=[{**entry, "test": "another"}]).ok
    stale = replay([recorded], known=[entry])
    assert (stale.divergences, stale.stale[0].to_json(), stale.ok) == ([], entry, False)


def test_the_command(recorded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = _tampered(recorded, tmp_path)
    out = tmp_path / "out" / "replay.json"
    assert main(["replay", str(directory), "--json", str(out)]) == 1
    printed = capsys.readouterr().out
    assert "1 divergences (1 not known)" in printed
    assert "[NEW] test_module.py::test_pair #7 update_run $.data.status: value (breaks)" in printed
    doc = json.loads(out.read_text())
    assert (doc["ok"], doc["divergences"][0]["real"], doc["divergences"][0]["fake"]) == (
        False,
        "paused",
        "running",
    )
    known = tmp_path / "known.json"
    known.write_text(
        json.dumps([{"operation": "update_run", "kind": "value", "path": "$.data.status"}])
    )
    assert main(["replay", str(directory), "--known", str(known)]) == 0
    assert main(["replay", str(recorded), "--known", str(known)]) == 1
    assert "[stale]" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [("{", "Expecting property name"), ('{"cassette": 9}', "not a cassette of format 1")],
)
def test_a_bad_cassette_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    assert main(["replay", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err
    assert message in err
    assert main(["replay", str(tmp_path / "absent")]) == 2


def test_python_dash_m_runs_it(recorded: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest_telnyx_missions.live", "replay", str(recorded)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert "replayed 14 requests of 1 cassettes: 0 divergences" in done.stdout


def test_a_deeply_nested_body_is_written_and_read_back(tmp_path: Path) -> None:
    deep: Any = "leaf"
    for _ in range(300):
        deep = {"a": [deep]}
    made = exchange(
        "update_run",
        Sent("PATCH", f"/ai/missions/{MISSION}/runs/{RUN}", {}, {"metadata": deep}),
        200,
        {"data": {"run_id": RUN, "metadata": deep}},
    )
    path = write_cassette(tmp_path / "m" / "deep.json", "deep", [made], key=KEY)
    [back] = read_cassette(path).exchanges
    assert back.real.body["data"]["metadata"] == deep
    assert back.sent.path.endswith(f"/runs/{RUN}")  # the client's id: literal


def test_replay_is_public(recorded: Path) -> None:
    import pytest_telnyx_missions.live as live

    assert live.__all__ == ["Report", "replay"]
    report = live.replay([recorded])
    assert isinstance(report, live.Report)
    assert report.ok


def test_a_live_run_writes_one_cassette_per_test_as_pytest_recording_names_them(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``cassettes/<module>/<test>.json`` beside the test file; a test of a class is
    ``<Class>.<test>``, so same-named tests of two classes keep a cassette each."""
    monkeypatch.setenv("TELNYX_MISSIONS_LIVE_API_KEY", CANARY_KEY)
    tests = """
        import pytest
        import telnyx

        live = pytest.mark.telnyx_missions(live=True)


        def _lists():
            telnyx.Telnyx().ai.missions.list()


        class TestOne:
            @live
            def test_same(self, telnyx_missions):
                _lists()


        class TestTwo:
            @live
            def test_same(self, telnyx_missions):
                _lists()


        @live
        @pytest.mark.parametrize("n", [1, 2])
        def test_plain(telnyx_missions, n):
            _lists()
    """
    with StandIn(existing=0) as upstream:
        result = run_live(pytester, upstream, tests, "--telnyx-missions-live-record")
    result.assert_outcomes(passed=4)
    written = sorted(p.relative_to(pytester.path).as_posix() for p in pytester.path.rglob("*.json"))
    assert [p for p in written if p.startswith("cassettes/")] == [
        "cassettes/test_inner/TestOne.test_same.json",
        "cassettes/test_inner/TestTwo.test_same.json",
        "cassettes/test_inner/test_plain[1].json",
        "cassettes/test_inner/test_plain[2].json",
    ]
    test_ids = {read_cassette(pytester.path / p).test for p in written if p.startswith("cass")}
    assert test_ids == {
        "test_inner.py::TestOne::test_same",
        "test_inner.py::TestTwo::test_same",
        "test_inner.py::test_plain[1]",
        "test_inner.py::test_plain[2]",
    }


@pytest.mark.parametrize(
    "form",
    [
        "KEY/with+chars é",
        "KEY%2Fwith%2Bchars%20%C3%A9",  # URL-encoded, every character
        "KEY/with%2Bchars%20%C3%A9",  # URL-encoded as a path keeps it
        "KEY\\/with+chars \\u00e9",  # JSON-escaped, ASCII only
        "KEY/with+chars \\u00e9",
        "KEY\\/with+chars é",
    ],
)
def test_every_writer_removes_every_form_of_the_key(form: str, tmp_path: Path) -> None:
    """The reports and the ledger (``Artifacts``) and the cassettes scan for the same forms."""
    odd = "KEY/with+chars é"
    data = f'{{"echoed": "{form}"}}'.encode()
    with pytest.raises(KeyInArtifact):
        check_no_key(data, odd)
    written = Artifacts(odd).write(tmp_path / "report.json", data).read_bytes()
    assert written == b'{"echoed": "<live key removed>"}'


def test_the_docs_cassette_is_one_the_reader_reads_and_the_writer_writes(tmp_path: Path) -> None:
    [shown] = doc_blocks("Cassettes: record once, replay offline", "json")
    path = tmp_path / "shown.json"
    path.write_text(shown, encoding="utf-8")
    cassette = read_cassette(path)
    assert cassette_json(cassette.test, cassette.exchanges) == json.loads(shown)
