"""Each safety rule of a live run, proved by a pytester session against a counting stand-in.

The fence, the tag, the ledger, deletion at the end (Ctrl-C too), cleanup, the budget, the dry
run and the key: every session reaches only the loopback stand-in (``live_standin``).
"""

from __future__ import annotations

import json
import os
import textwrap
from dataclasses import replace
from typing import Any

import pytest

from .live_standin import CANARY_KEY, StandIn, files_holding, run_live

KEY = "TELNYX_MISSIONS_LIVE_API_KEY"
pytestmark = pytest.mark.usefixtures("live_key")


def _ledger(pytester: pytest.Pytester) -> list[dict[str, Any]]:
    path = pytester.path / ".telnyx-live" / "ledger.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_the_fence_refuses_changes_to_missions_the_run_did_not_create(
    pytester: pytest.Pytester, upstream: StandIn
) -> None:
    theirs = sorted(upstream.mission_ids())[0]
    tests = f"""
        import pytest
        import telnyx


        @pytest.mark.telnyx_missions(live=True)
        def test_touches_a_mission_of_the_organisation(telnyx_missions):
            client = telnyx.Telnyx(max_retries=0)
            assert client.ai.missions.retrieve({theirs!r}).data.mission_id == {theirs!r}
            with pytest.raises(telnyx.PermissionDeniedError):
                client.ai.missions.update_mission({theirs!r}, name="mine now")
            with pytest.raises(telnyx.PermissionDeniedError):
                client.ai.missions.delete_mission({theirs!r})
    """
    result = run_live(pytester, upstream, tests)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*The live run did not send these requests of the test upstream:",
            f"- PUT /*/ai/missions/{theirs} would change mission {theirs}, and it existed "
            "upstream before this run started: a live run only changes the missions it "
            "created, so it was not sent upstream",
            f"- DELETE /*/ai/missions/{theirs} would change mission {theirs}*",
        ]
    )
    # the stand-in saw the fence's listing and the GET, nothing that changes
    assert [(s.method, s.path.rsplit("/", 1)[-1]) for s in upstream.requests()] == [
        ("GET", "missions"),
        ("GET", theirs),
    ]
    assert theirs in upstream.mission_ids()
    assert upstream.fake.missions[0].name != "mine now"


def test_created_missions_carry_the_tag_are_ledgered_at_once_and_deleted_at_the_end(
    pytester: pytest.Pytester, upstream: StandIn
) -> None:
    before = upstream.mission_ids()
    tests = """
        import json
        from pathlib import Path

        import pytest
        import telnyx


        @pytest.mark.telnyx_missions(live=True)
        def test_creates(telnyx_missions):
            client = telnyx.Telnyx()
            made = client.ai.missions.create(name="nightly").data
            assert made.name == "team-7-nightly"
            # in the ledger before the test goes on, with the upstream's id
            lines = Path(".telnyx-live/ledger.jsonl").read_text().splitlines()
            assert json.loads(lines[-1])["created"] == made.mission_id
            renamed = client.ai.missions.update_mission(made.mission_id, name="renamed").data
            assert renamed.name == "team-7-renamed"  # the tag stays
            telnyx_missions.assert_called("create_mission")  # the fake shadowed it
            assert telnyx_missions.missions[0].mission_id == made.mission_id  # ids pinned
    """
    result = run_live(pytester, upstream, tests, "--telnyx-missions-live-tag", "team-7-")
    result.assert_outcomes(passed=1)
    [created] = [s for s in upstream.requests("POST")]
    assert created.json == {"name": "team-7-nightly"}
    [deleted] = upstream.requests("DELETE")
    assert upstream.mission_ids() == before  # deleted at the end, the others untouched
    [made, gone] = _ledger(pytester)
    assert made["created"] == gone["deleted"] == deleted.path.rsplit("/", 1)[-1]
    assert made["name"] == "team-7-nightly"
    report = json.loads((pytester.path / ".telnyx-live" / "report.json").read_text())
    assert report["deleted"] == [made["created"]]
    assert [c["mission_id"] for c in report["created"]] == [made["created"]]


def test_ctrl_c_still_deletes_what_the_run_created(
    pytester: pytest.Pytester, upstream: StandIn
) -> None:
    before = upstream.mission_ids()
    tests = """
        import pytest
        import telnyx


        @pytest.mark.telnyx_missions(live=True)
        def test_interrupted(telnyx_missions):
            telnyx.Telnyx().ai.missions.create(name="half-way")
            raise KeyboardInterrupt
    """
    pytester.makepyfile(test_inner=textwrap.dedent(tests))
    result = pytester.runpytest_subprocess(
        "--telnyx-missions-live",
        "--telnyx-missions-live-url",
        upstream.base_url,
        "--telnyx-missions-live-rate",
        "1000",
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert len(upstream.requests("DELETE")) == 1
    assert upstream.mission_ids() == before


def test_a_mission_that_could_not_be_deleted_makes_the_session_fail(
    pytester: pytest.Pytester, upstream: StandIn
) -> None:
    def refuse_deletes(sent: Any, answer: Any) -> Any:
        if sent.method == "DELETE":
            return replace(answer, status=403, body={"errors": [{"code": "10010"}]})
        return answer

    upstream.mutate = refuse_deletes
    tests = """
        import pytest
        import telnyx


        @pytest.mark.telnyx_missions(live=True)
        def test_creates(telnyx_missions):
            telnyx.Telnyx().ai.missions.create(name="sticky")
    """
    result = run_live(pytester, upstream, tests)
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["*1 missions created upstream could NOT be deleted*", "*DELETE answered 403"]
    )
    [left] = [line for line in _ledger(pytester) if "created" in line]
    assert not any("deleted" in line for line in _ledger(pytester))
    assert left["name"] == "ptm-sticky"


def test_the_budget_stops_sending_and_fails_the_test(
    pytester: pytest.Pytester, upstream: StandIn
) -> None:
    tests = """
        import pytest
        import telnyx


        @pytest.mark.telnyx_missions(live=True)
        def test_many(telnyx_missions):
            client = telnyx.Telnyx()
            client.ai.missions.create(name="budgeted")
            for _ in range(3):
                try:
                    client.ai.missions.list()
                except telnyx.RateLimitError:
                    pass
    """
    result = run_live(pytester, upstream, tests, "--telnyx-missions-live-max-requests", "3")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*the live run's budget of 3 requests is spent (--telnyx-missions-live-max-requests)*"]
    )
    # the fence, the create, one list: three; the deletion at the end is never starved
    assert [s.method for s in upstream.requests()] == ["GET", "POST", "GET", "DELETE"]


def test_a_dry_run_sends_nothing_writes_nothing_and_prints_the_plan(
    pytester: pytest.Pytester, upstream: StandIn
) -> None:
    tests = """
        import os

        import pytest
        import telnyx


        @pytest.mark.telnyx_missions(live=True)
        def test_plan(telnyx_missions):
            assert "TELNYX_MISSIONS_LIVE_API_KEY" not in os.environ  # a dry run takes it too
            client = telnyx.Telnyx()
            made = client.ai.missions.create(name="planned").data
            client.ai.missions.retrieve(made.mission_id)
    """
    result = run_live(pytester, upstream, tests, "--telnyx-missions-live-dry-run", flag=False)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*DRY RUN: nothing was sent. A live run of these tests would send to http://127.*",
            "*(the fence), 2 requests of the tests, 1 deletions of what they leave*",
            "*missions it would create (each deleted when its test ends): 1",
            "*ptm-planned (test_inner.py::test_plan)",
            "*requests, by test:",
            "*test_inner.py::test_plan:",
            "*POST /v2/ai/missions",
            "*GET /v2/ai/missions/*",
        ]
    )
    assert upstream.count == 0
    assert not (pytester.path / ".telnyx-live").exists()
    assert os.environ[KEY] == CANARY_KEY  # given back when the session ended


def test_the_live_key_is_in_no_file_the_run_writes_even_when_the_upstream_echoes_it(
    pytester: pytest.Pytester, upstream: StandIn
) -> None:
    def echo_the_key(sent: Any, answer: Any) -> Any:
        if isinstance(answer.body, dict) and isinstance(answer.body.get("data"), dict):
            data = {**answer.body["data"], "description": f"seen: Bearer {CANARY_KEY}"}
            return replace(answer, body={**answer.body, "data": data})
        return answer

    upstream.mutate = echo_the_key
    tests = """
        import pytest
        import telnyx


        @pytest.mark.telnyx_missions(live=True)
        def test_echoed(telnyx_missions):
            client = telnyx.Telnyx()
            made = client.ai.missions.create(name="echo").data
            client.ai.missions.retrieve(made.mission_id)
            for entry in telnyx_missions.requests:  # the fake never saw the live key
                assert entry.headers["authorization"] == f"Bearer {telnyx_missions.api_key}"
    """
    result = run_live(
        pytester, upstream, tests, "--junitxml=junit.xml", "--telnyx-missions-live-record"
    )
    result.assert_outcomes(passed=1)
    report = json.loads((pytester.path / ".telnyx-live" / "report.json").read_text())
    assert report["divergences"], "the echoed description is a divergence"
    [cassette] = (pytester.path / "cassettes").rglob("*.json")
    assert cassette.relative_to(pytester.path).as_posix() == "cassettes/test_inner/test_echoed.json"
    assert (pytester.path / "junit.xml").exists()
    assert files_holding(pytester.path, CANARY_KEY) == []
    result.stdout.fnmatch_lines(["*the live key was found * times in what was to be written*"])


def test_the_fence_cannot_be_walked_around_with_dot_segments(
    pytester: pytest.Pytester, upstream: StandIn
) -> None:
    """``.``/``..`` segments would name one mission to the fence and, once the upstream's URL is
    normalised, another upstream: refused locally, never sent."""
    theirs = sorted(upstream.mission_ids())[0]
    before = upstream.mission_ids()
    tests = f"""
        import pytest


        @pytest.mark.telnyx_missions(live=True)
        def test_walks_around(telnyx_missions, http):
            mine = http.post("ai/missions", json={{"name": "own"}}).json()["data"]
            own = "ai/missions/" + mine["mission_id"]
            for path in (own + "/%2E%2E/{theirs}", own + "/runs/%2e%2e/%2e%2e/{theirs}"):
                assert http.delete(path).status_code == 403
            assert http.post(own + "/%2E%2E", json={{"name": "untagged"}}).status_code == 403
            renamed = http.put(own + "/%2E/%2E%2E/{theirs}", json={{"name": "mine now"}})
            assert renamed.status_code == 403
    """
    result = run_live(pytester, upstream, tests)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*a path with a '.' or '..' segment*"])
    assert [s.method for s in upstream.requests()] == ["GET", "POST", "DELETE"]
    assert upstream.mission_ids() == before  # theirs untouched, the own one deleted at its end
