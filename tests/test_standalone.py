"""First contact with the standalone server from another process: the ready file, --json,
StandaloneFake and the telnyx_missions_process fixture."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from pytest_telnyx_missions import FakeMissions, StandaloneFake
from pytest_telnyx_missions.cli import write_atomically

from .helpers import doc_blocks

READY_KEYS = {"url", "base_url", "api_key", "pid"}
HANG = 60  # seconds: only to catch a hang


def _serve(*flags: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pytest_telnyx_missions", "--port", "0", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _stop(process: subprocess.Popen[str]) -> tuple[str, str]:
    process.terminate()
    out, err = process.communicate(timeout=HANG)
    assert process.returncode == 0, err
    return out, err


def test_json_prints_the_ready_object_as_the_first_line_of_stdout() -> None:
    process = _serve("--json")
    assert process.stdout is not None
    first = json.loads(process.stdout.readline())
    try:
        assert set(first) == READY_KEYS
        assert first["pid"] == process.pid
        assert first["base_url"] == first["url"] + "/v2"
        assert httpx.get(first["url"] + "/_fake/health").json() == {"status": "ok"}
    finally:
        out, err = _stop(process)
    assert out == ""  # the human banner went to stderr
    assert "telnyx-missions-fake: serving " + first["url"] in err


def test_the_docs_show_the_ready_object() -> None:
    [shown] = doc_blocks("For a program: the ready file", "json")
    process = _serve("--json")
    assert process.stdout is not None
    printed = json.loads(process.stdout.readline())
    _stop(process)
    example = json.loads(shown)
    assert {key: type(value) for key, value in example.items()} == {
        key: type(value) for key, value in printed.items()
    }
    assert example["api_key"] == printed["api_key"]
    assert example["base_url"] == example["url"] + "/v2"


def test_the_ready_file_appears_whole_once_the_server_serves_and_goes_when_it_stops(
    tmp_path: Path,
) -> None:
    ready = tmp_path / "ready.json"
    process = _serve("--ready-file", str(ready), "--runs", "4")
    seen = None
    try:
        while seen is None:  # every read of the file that exists parses: never half-written
            assert process.poll() is None, process.communicate()
            if ready.exists():
                seen = json.loads(ready.read_text(encoding="utf-8"))
            time.sleep(0.005)
        assert set(seen) == READY_KEYS
        assert seen["pid"] == process.pid
        assert len(httpx.get(seen["url"] + "/_fake/runs").json()["data"]) == 4  # serving already
        assert [p.name for p in tmp_path.iterdir()] == ["ready.json"]  # no temporary left
    finally:
        out, _ = _stop(process)
    assert not ready.exists()
    assert out.startswith("telnyx-missions-fake: serving ")  # without --json, as before


def test_a_ready_file_that_cannot_be_written_stops_the_server_with_a_usage_error(
    tmp_path: Path,
) -> None:
    process = _serve("--ready-file", str(tmp_path / "missing" / "ready.json"))
    _, err = process.communicate(timeout=HANG)
    assert process.returncode == 2
    assert "telnyx-missions-fake: error: --ready-file " in err


def test_write_atomically_replaces_a_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "ready.json"
    target.write_text("old", encoding="utf-8")
    write_atomically(target, '{"new": true}\n')
    assert target.read_text(encoding="utf-8") == '{"new": true}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["ready.json"]


def test_standalone_fake_serves_a_process_with_the_official_sdk() -> None:
    with StandaloneFake(seed=7, runs=2) as fake:
        [run, _] = httpx.get(fake.url + "/_fake/runs").json()["data"]
        worker = (
            "import sys, telnyx\n"
            "telnyx.Telnyx().ai.missions.runs.update(sys.argv[1], mission_id=sys.argv[2], "
            "status='succeeded')\n"
        )
        subprocess.run(
            [sys.executable, "-c", worker, run["run_id"], run["mission_id"]],
            env={**os.environ, **fake.environ},
            check=True,
            timeout=HANG,
        )
        [update] = httpx.get(fake.url + "/_fake/run-updates").json()["data"]
        assert update["fields"] == {"status": "succeeded"}
        assert fake.environ == {"TELNYX_BASE_URL": fake.base_url, "TELNYX_API_KEY": fake.api_key}
        pid = fake.pid
    assert fake.returncode == 0  # a clean stop
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with pytest.raises(RuntimeError, match="not serving"):
        _ = fake.url


def test_standalone_fake_takes_the_command_lines_options() -> None:
    state = FakeMissions(runs=0, missions=1).dump_state()
    state["missions"][0]["name"] = "From a dict"
    with StandaloneFake(state=state, auto_create=True, journal_limit=None) as fake:
        assert httpx.get(fake.url + "/_fake/state").json()["missions"][0]["name"] == "From a dict"
        assert httpx.get(fake.url + "/_fake/runs").json()["data"] == []


def test_standalone_fake_names_an_unknown_option_and_the_nearest() -> None:
    with pytest.raises(TypeError, match=r"unknown options 'sed' \(did you mean 'seed'\?\)"):
        StandaloneFake(sed=7)


def test_standalone_fake_that_cannot_start_says_why() -> None:
    with pytest.raises(RuntimeError, match=r"exited \(2\) before serving: .*runs: ") as failed:
        StandaloneFake(runs=-1).start()
    assert "usage:" not in str(failed.value)  # the error line, not argparse's whole usage


def test_the_process_fixture_serves_with_the_options_a_conftest_gives(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture(scope="session")
        def telnyx_missions_process_options():
            return {"runs": 5, "seed": 3}
        """
    )
    pytester.makepyfile(
        """
        import httpx

        def test_one(telnyx_missions_process):
            runs = httpx.get(telnyx_missions_process.url + "/_fake/runs").json()["data"]
            assert len(runs) == 5

        def test_two_shares_it(telnyx_missions_process):
            assert httpx.get(telnyx_missions_process.url + "/_fake/health").status_code == 200
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
