"""What a live run reports: the terminal summary, the diverging test's section, report.json and
report.md, and ``--telnyx-missions-live-strict`` with a known-divergences file.

The stand-in drops one key from every ``get_mission`` answer: one known divergence to find.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from pytest_telnyx_missions.live import replay

from .live_standin import CANARY_KEY, StandIn, run_live

_TESTS = """
    import pytest
    import telnyx


    @pytest.mark.telnyx_missions(live=True)
    def test_reads_back(telnyx_missions, telnyx_client):
        made = telnyx.Telnyx().ai.missions.create(name="reported", instructions="Be brief").data
        for _ in range(2):  # in-process (telnyx_client) as over the socket
            telnyx_client.ai.missions.retrieve(made.mission_id)
        assert len(telnyx_missions.calls("get_mission")) == 2  # the fake shadowed both


    @pytest.mark.telnyx_missions(live=True)
    def test_lists(telnyx_missions):
        telnyx.Telnyx().ai.missions.list()
"""


def _without_instructions(sent: Any, answer: Any) -> Any:
    data = answer.body.get("data") if isinstance(answer.body, dict) else None
    if sent.method == "GET" and sent.path.count("/") == 3 and isinstance(data, dict):
        data = {key: value for key, value in data.items() if key != "instructions"}
        return replace(answer, body={**answer.body, "data": data})
    return answer


@pytest.fixture
def upstream(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    monkeypatch.setenv("TELNYX_MISSIONS_LIVE_API_KEY", CANARY_KEY)
    with StandIn(mutate=_without_instructions) as stand_in:
        yield stand_in


def test_divergences_are_summed_up_sectioned_and_written(
    pytester: pytest.Pytester, upstream: StandIn
) -> None:
    result = run_live(pytester, upstream, _TESTS, "-rP")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "*Telnyx Missions live run: where the fake answered otherwise*",
            "- get_mission $.data.instructions: key_only_in_fake (breaks): fake 'Be brief'*",
            "*Telnyx Missions live run*",
            "upstream http://127.0.0.1:*/v2: 6 requests sent, 1 missions created, 1 deleted",
            "2 divergences (2 breaks):",
            "     2 x breaks key_only_in_fake get_mission $.data.instructions",
            "wrote .telnyx-live/report.json",
            "wrote .telnyx-live/report.md",
        ]
    )
    report = json.loads((pytester.path / ".telnyx-live" / "report.json").read_text())
    assert [
        {key: d[key] for key in ("test", "operation", "kind", "path", "severity", "fake")}
        for d in report["divergences"]
    ] == [
        {
            "test": "test_inner.py::test_reads_back",
            "operation": "get_mission",
            "kind": "key_only_in_fake",
            "path": "$.data.instructions",
            "severity": "breaks",
            "fake": "Be brief",
        }
    ] * 2
    assert report["requests"] == 6  # the fence, create, get twice, list, the deletion
    assert [c["name"] for c in report["created"]] == ["ptm-reported"]
    assert report["deleted"] == [report["created"][0]["mission_id"]]
    markdown = (pytester.path / ".telnyx-live" / "report.md").read_text()
    assert "| 2 | breaks | key_only_in_fake | get_mission | `$.data.instructions` |" in markdown


def test_a_divergence_in_a_fixtures_teardown_gets_a_section_too(
    pytester: pytest.Pytester, upstream: StandIn
) -> None:
    tests = """
        import pytest
        import telnyx


        @pytest.fixture
        def mission(telnyx_missions):
            client = telnyx.Telnyx()
            made = client.ai.missions.create(name="read at the end", instructions="Be brief").data
            yield made
            client.ai.missions.retrieve(made.mission_id)  # after the test: in its teardown


        @pytest.mark.telnyx_missions(live=True)
        def test_made(mission):
            assert mission.name == "ptm-read at the end"
    """
    result = run_live(pytester, upstream, tests, "-rP")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*Telnyx Missions live run: where the fake answered otherwise*",
            "- get_mission $.data.instructions: key_only_in_fake (breaks): fake 'Be brief'*",
            "*Telnyx Missions live run*",
        ]
    )


def test_strict_fails_the_test_unless_the_divergence_is_known(
    pytester: pytest.Pytester, upstream: StandIn
) -> None:
    strict = run_live(pytester, upstream, _TESTS, "--telnyx-missions-live-strict")
    strict.assert_outcomes(passed=2, errors=1)
    strict.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_reads_back*",
            "The fake answered otherwise than the real API (--telnyx-missions-live-strict; a "
            "known one goes in --telnyx-missions-live-known):",
            "- get_mission $.data.instructions: key_only_in_fake (breaks)*",
        ]
    )
    known = pytester.path / "known.json"
    known.write_text((pytester.path / ".telnyx-live" / "report.json").read_text())
    again = run_live(
        pytester, upstream, _TESTS, "--telnyx-missions-live-strict",
        "--telnyx-missions-live-known", str(known),
    )  # fmt: skip
    again.assert_outcomes(passed=2)
    assert again.ret == pytest.ExitCode.OK
    # an entry with a "test" accepts the divergence in that test only, as on replay
    entry = {"operation": "get_mission", "kind": "key_only_in_fake", "path": "$.data.instructions"}
    for test, errors in (("test_inner.py::test_lists", 1), ("test_inner.py::test_reads_back", 0)):
        known.write_text(json.dumps([{**entry, "test": test}]))
        scoped = run_live(
            pytester, upstream, _TESTS, "--telnyx-missions-live-strict",
            "--telnyx-missions-live-known", str(known),
        )  # fmt: skip
        scoped.assert_outcomes(passed=2, errors=errors)


def test_a_known_file_that_is_not_one_is_a_usage_error(
    pytester: pytest.Pytester, upstream: StandIn
) -> None:
    known = pytester.path / "known.json"
    known.write_text('{"something": "else"}')
    result = run_live(pytester, upstream, _TESTS, "--telnyx-missions-live-known", str(known))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*expected a report.json or a list of {operation, kind, path*"])
    assert upstream.count == 0


def test_an_upstream_5xx_is_passed_on_reported_and_never_compared(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable(sent: Any, answer: Any) -> Any:
        if sent.method == "GET" and sent.path.count("/") == 3:
            return replace(answer, status=503, headers={"x-should-retry": "true"}, body={})
        return answer

    monkeypatch.setenv("TELNYX_MISSIONS_LIVE_API_KEY", CANARY_KEY)
    tests = """
        import pytest
        import telnyx


        @pytest.mark.telnyx_missions(live=True)
        def test_get(telnyx_missions):
            client = telnyx.Telnyx(max_retries=0)
            made = client.ai.missions.create(name="busy").data
            with pytest.raises(telnyx.InternalServerError):
                client.ai.missions.retrieve(made.mission_id)
            assert not telnyx_missions.calls("get_mission")  # not shadowed either
    """
    cassettes = pytester.path / "recorded"
    with StandIn(existing=0, mutate=unavailable) as upstream:
        result = run_live(pytester, upstream, tests, f"--telnyx-missions-live-record={cassettes}")
        gets = [s for s in upstream.requests("GET") if s.path.count("/") == 4]
    result.assert_outcomes(passed=1)
    assert len(gets) == 3  # the first try and two retries, as the SDK would
    result.stdout.fnmatch_lines(
        [
            "no divergence: *",
            "1 not compared (upstream 429/5xx):",
            "  test_inner.py::test_get: GET /v2/ai/missions/*: upstream answered 503*",
        ]
    )
    report = json.loads((pytester.path / ".telnyx-live" / "report.json").read_text())
    assert report["divergences"] == []
    assert len(report["unavailable"]) == 1
    # nor on replay: the recorded 503 is in the script, answered by no one, compared with nothing
    replayed = replay([cassettes])
    assert (replayed.exchanges, replayed.not_compared) == (2, 1)
    assert (replayed.divergences, replayed.ok) == ([], True)
    assert "1 recorded 429/5xx answers not compared" in replayed.lines()[0]
