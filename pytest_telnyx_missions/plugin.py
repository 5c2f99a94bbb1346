"""pytest wiring: the ``telnyx_missions`` fixture, its marker, ini options and teardown checks."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass, fields
from typing import Any

import pytest

from ._report import DEFAULT_MAX_ROWS, SECTION_TITLE, TestJournal
from ._server import DEFAULT_MISSIONS, DEFAULT_RUNS, DEFAULT_SEED, FakeMissions
from .factories import Factory, InvalidPayload, InvalidRunId, seed_for_test

MARKER = "telnyx_missions"
_DID_NOT_PASS = pytest.StashKey[bool]()
_TEST_JOURNAL = pytest.StashKey[TestJournal]()
_JOURNAL_REPORTED = pytest.StashKey[bool]()


@dataclass(frozen=True)
class _Options:
    """The marker's options; the nearest marker wins, then the ini file, then the defaults."""

    seed: int = DEFAULT_SEED
    runs: int = DEFAULT_RUNS
    missions: int = DEFAULT_MISSIONS
    check_unhandled: bool = True
    strict_transitions: bool = False


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "telnyx_missions_seed", "Seed of the fake's data (default 0).", default=str(DEFAULT_SEED)
    )
    parser.addini(
        "telnyx_missions_runs", "How many runs the fake is seeded with.", default=str(DEFAULT_RUNS)
    )
    parser.addini(
        "telnyx_missions_report",
        "Add the fake's journal and run status timelines to a failing test's report.",
        type="bool",
        default=True,
    )
    parser.addini(
        "telnyx_missions_report_max_rows",
        f"Requests shown in that report at most (default {DEFAULT_MAX_ROWS}).",
        default=str(DEFAULT_MAX_ROWS),
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(*, seed=0, runs=3, missions=2, check_unhandled=True, "
        "strict_transitions=False): "
        "configure the telnyx_missions fixture for this test, class or module.",
    )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    # A test that already failed, errored in set-up, was skipped or xfailed is not reported again.
    if report.when in ("setup", "call") and not report.passed:
        item.stash[_DID_NOT_PASS] = True
    journal = item.stash.get(_TEST_JOURNAL, None)
    if report.failed and journal is not None and not item.stash.get(_JOURNAL_REPORTED, False):
        item.stash[_JOURNAL_REPORTED] = True  # once per test, at the first phase that failed
        max_rows = int(item.config.getini("telnyx_missions_report_max_rows"))
        report.sections.append((SECTION_TITLE, journal.render(max_rows)))
    return report


def _options(request: pytest.FixtureRequest) -> _Options:
    merged: dict[str, Any] = {
        "seed": int(request.config.getini("telnyx_missions_seed")),
        "runs": int(request.config.getini("telnyx_missions_runs")),
    }
    known = {f.name for f in fields(_Options)}
    for marker in reversed(list(request.node.iter_markers(MARKER))):
        if marker.args:
            pytest.fail(f"@pytest.mark.{MARKER} takes keyword arguments only", pytrace=False)
        unknown = set(marker.kwargs) - known
        if unknown:
            pytest.fail(
                f"@pytest.mark.{MARKER} got unknown options {sorted(unknown)}; "
                f"known: {sorted(known)}",
                pytrace=False,
            )
        merged.update(marker.kwargs)
    return _Options(**merged)


@pytest.fixture(scope="session")
def telnyx_missions_server() -> Iterator[FakeMissions]:
    """The session's one running fake; ``telnyx_missions`` resets it for every test."""
    with FakeMissions() as fake:
        yield fake


@pytest.fixture
def telnyx_missions(
    telnyx_missions_server: FakeMissions,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[FakeMissions]:
    """The fake with fresh seeded state; ``TELNYX_BASE_URL`` and ``TELNYX_API_KEY`` point at it."""
    options = _options(request)
    fake = telnyx_missions_server
    fake.reset(
        seed=options.seed,
        runs=options.runs,
        missions=options.missions,
        strict_transitions=options.strict_transitions,
    )
    if request.config.getini("telnyx_missions_report"):
        request.node.stash[_TEST_JOURNAL] = TestJournal.begin(fake)
    monkeypatch.setenv("TELNYX_BASE_URL", fake.base_url)
    monkeypatch.setenv("TELNYX_API_KEY", fake.api_key)
    yield fake
    if not request.node.stash.get(_DID_NOT_PASS, False):
        try:
            fake.check(unhandled=options.check_unhandled)
        except AssertionError as problems:
            pytest.fail(str(problems), pytrace=False)


@pytest.fixture
def telnyx_missions_factory(request: pytest.FixtureRequest) -> Factory:
    """Factories seeded from the test's node id (and pytest-randomly's seed, when it runs)."""
    return Factory(
        seed_for_test(request.node.nodeid, request.config.getoption("randomly_seed", None))
    )


def pytest_make_parametrize_id(config: pytest.Config, val: object, argname: str) -> str | None:
    """Catalog cases show their own id in test names (``test_x[json-truncated]``)."""
    return val.id if isinstance(val, (InvalidPayload, InvalidRunId)) else None
