"""The contract suite shipped in the package (``pytest --pyargs pytest_telnyx_missions.contract``):
it passes against the fake, in a dry run it sends nothing, and live against a stand-in of the
real API (a second fake with another seed and clock, in an organisation that already holds more
missions than a page) it covers every operation and finds no divergence, live and on replay of
the cassettes it records: the noise control of the whole comparison.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_telnyx_missions._pipeline.routes import OPERATIONS
from pytest_telnyx_missions.live import replay
from pytest_telnyx_missions.live._session import operation_of

from .live_standin import CANARY_KEY, StandIn, files_holding

REPOSITORY = Path(__file__).resolve().parent.parent
SUITE = ("--pyargs", "pytest_telnyx_missions.contract", "-p", "no:cacheprovider")


def test_it_passes_against_the_fake(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess(*SUITE)
    assert _only_passed(result) >= 20


def test_a_dry_run_sends_nothing(
    pytester: pytest.Pytester, upstream: StandIn, live_key: str
) -> None:
    result = pytester.runpytest_inprocess(
        *SUITE, "--telnyx-missions-live-dry-run", "--telnyx-missions-live-url", upstream.base_url
    )
    assert _only_passed(result)
    result.stdout.fnmatch_lines(["DRY RUN: nothing was sent.*"])
    assert upstream.count == 0


def test_a_dry_run_from_outside_the_repository_needs_no_key_and_sends_nothing(
    pytester: pytest.Pytester, upstream: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a user types it, in a fresh interpreter, in a directory that is not the project's
    (no conftest, no ini of the repository), without the key: the suite runs on the fake."""
    monkeypatch.delenv("TELNYX_MISSIONS_LIVE_API_KEY", raising=False)
    assert REPOSITORY not in pytester.path.parents
    result = pytester.runpytest_subprocess(
        *SUITE, "--telnyx-missions-live-dry-run", "--telnyx-missions-live-url", upstream.base_url
    )
    assert upstream.count == 0
    assert _only_passed(result) >= 20
    result.stdout.fnmatch_lines(
        [
            f"rootdir: {pytester.path}*",
            "DRY RUN: nothing was sent. A live run of these tests would send to http://127.*",
            "*missions it would create (each deleted when its test ends): *",
        ]
    )
    assert not (pytester.path / ".telnyx-live").exists()


@pytest.fixture
def crowded(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    """An organisation with 25 missions (and runs, and events) of others: more than a page."""
    monkeypatch.setenv("TELNYX_MISSIONS_LIVE_API_KEY", CANARY_KEY)
    with StandIn(existing=25) as stand_in:
        yield stand_in


def test_live_it_covers_every_operation_and_finds_no_divergence_nor_on_replay(
    pytester: pytest.Pytester, crowded: StandIn
) -> None:
    upstream, theirs = crowded, crowded.mission_ids()
    cassettes = pytester.path / "recorded"
    result = pytester.runpytest_inprocess(
        *SUITE,
        f"--telnyx-missions-live-record={cassettes}",
        "--telnyx-missions-live",
        "--telnyx-missions-live-url",
        upstream.base_url,
        "--telnyx-missions-live-rate",
        "1000",
        "--telnyx-missions-live-strict",
    )
    assert _only_passed(result)
    result.stdout.fnmatch_lines(["no divergence: the fake answered every compared request*"])
    sent = {operation_of(seen.method, seen.path) for seen in upstream.requests()}
    assert {operation.name for operation in OPERATIONS} <= sent  # and an unknown route
    assert upstream.mission_ids() == theirs  # everything it made, deleted; the rest kept
    report = json.loads((pytester.path / ".telnyx-live" / "report.json").read_text())
    assert report["divergences"] == []
    assert len(report["created"]) == len(report["deleted"]) > 0
    _stated_costs_hold(report)
    assert files_holding(pytester.path, CANARY_KEY) == []
    replayed = replay([cassettes])
    assert replayed.cassettes == _only_passed(result)  # one per test: every test sent requests
    assert ([found.to_json() for found in replayed.divergences], replayed.ok) == ([], True)


STATED_REQUESTS, STATED_MISSIONS = 165, 24
"""What the README and the how-to say the suite sends and makes in a live run."""


def _stated_costs_hold(report: dict[str, Any]) -> None:
    """The README's and the how-to's numbers are this run's: the missions exactly, the requests
    (the fence's one page and the deletions included) within 10, "about a minute and a half"
    at the default pace of 2 a second."""
    assert len(report["created"]) == STATED_MISSIONS
    assert abs(report["requests"] - STATED_REQUESTS) <= 10, report["requests"]
    assert 75 <= report["requests"] / 2 <= 105
    for page in ("README.md", "docs/how-to/contract.md"):
        text = " ".join((REPOSITORY / page).read_text(encoding="utf-8").split())
        assert f"about {STATED_REQUESTS} requests" in text, page
        assert f"{STATED_MISSIONS} missions" in text, page
        assert "about a minute and a half" in text, page


def _only_passed(result: pytest.RunResult) -> int:
    """How many passed, when nothing else happened (warnings aside)."""
    outcomes = result.parseoutcomes()
    outcomes.pop("warnings", None)
    assert set(outcomes) == {"passed"}, result.stdout.str()
    return outcomes["passed"]
