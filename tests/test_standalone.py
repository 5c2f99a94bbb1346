"""First contact with the standalone server from another process: the ready file, --json,
StandaloneFake and the telnyx_missions_process fixture."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from pytest_telnyx_missions import FakeMissions, StandaloneFake, cli
from pytest_telnyx_missions._standalone import OPTIONS, _command_line
from pytest_telnyx_missions.cli import write_atomically

from .helpers import doc_blocks
from .live_standin import CANARY_KEY, StandIn

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


def test_standalone_fake_takes_every_option_of_the_command_line(tmp_path: Path) -> None:
    parser = cli._parser()
    actions = {
        action.dest: action
        for action in parser._actions
        if action.option_strings and action.dest not in ("help", "ready_file", "json")
    }
    assert set(OPTIONS) == set(actions)  # --ready-file and --json: StandaloneFake's own
    for name, action in actions.items():
        given: Any
        parsed: Any
        if action.nargs == 0:  # a flag: True gives it, False leaves it out
            given, parsed = True, True
            assert getattr(parser.parse_args(_command_line({name: False}, tmp_path)), name) is (
                action.default
            )
        else:
            given = parsed = action.type("7") if callable(action.type) else "7"
        arguments = _command_line({name: given}, tmp_path)
        assert getattr(parser.parse_args(arguments), name) == parsed, (name, arguments)
    recorded = parser.parse_args(_command_line({"live_record": True}, tmp_path))
    assert recorded.live_record == ""  # the flag alone: the default cassette directory


def test_standalone_fake_serves_with_the_limits_of_the_command_line() -> None:
    with StandaloneFake(max_header_count=16, max_request_line_bytes=300) as fake:
        many = {f"x-header-{number}": "1" for number in range(20)}
        assert httpx.get(fake.url + "/_fake/health", headers=many).status_code == 431
        assert httpx.get(fake.url + "/_fake/health?" + "a" * 400).status_code == 414
        assert httpx.get(fake.url + "/_fake/health").status_code == 200
    assert fake.returncode == 0


def test_standalone_fake_is_a_checking_proxy_with_live(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELNYX_MISSIONS_LIVE_API_KEY", CANARY_KEY)
    with (
        StandIn(existing=1) as upstream,
        StandaloneFake(
            live=True, live_url=upstream.base_url, live_dir=tmp_path, live_rate=1000
        ) as fake,
    ):
        missions = httpx.get(
            fake.base_url + "/ai/missions", headers={"Authorization": "Bearer k"}
        ).json()["data"]
        assert len(missions) == 1  # the stand-in's, through the proxy
        assert httpx.get(fake.url + "/_fake/live").status_code == 200
    assert fake.returncode == 0
    assert (tmp_path / "report.json").is_file()


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
    result.assert_outcomes(passed=2)  # a clean stop: no error at the session's end


def test_a_process_fixture_server_that_died_is_an_error_at_the_sessions_end(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import os
        import signal

        def test_its_server_is_killed(telnyx_missions_process):
            os.kill(telnyx_missions_process.pid, signal.SIGKILL)
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*telnyx_missions_process: the standalone fake ended with exit status -9, not 0*"]
    )
