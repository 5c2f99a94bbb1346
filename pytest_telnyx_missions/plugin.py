"""pytest wiring: the ``telnyx_missions`` fixture, its marker, ini options and teardown checks."""

from __future__ import annotations

import os
import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass, fields
from typing import Any

import pytest

from ._server import DEFAULT_MISSIONS, DEFAULT_RUNS, DEFAULT_SEED, FakeMissions
from .factories import Factory, InvalidPayload, InvalidRunId, seed_for_test

MARKER = "telnyx_missions"
_DID_NOT_PASS = pytest.StashKey[bool]()
_LATE_HEADER = (
    "The Telnyx Missions fake refused requests from clients of earlier tests (threads still "
    "running after their test ended); they changed nothing here:\n"
)
_SESSION_FAKE = pytest.StashKey[FakeMissions]()
_ENV_BEFORE = pytest.StashKey[dict[str, "str | None"]]()
SDK_ENVIRONMENT = ("TELNYX_BASE_URL", "TELNYX_API_KEY")
"""What the official SDKs read when a client is made without arguments."""
_SWITCH_OFF_HINT = (
    "If the test sends these on purpose, switch the check off for it (or its module) with "
    f"@pytest.mark.{MARKER}(check_unhandled=False); see the README section 'Teardown checks'."
)


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


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    # Before the conftest.py files are imported: a client they make at import time reaches
    # the fake too (pytest calls this only for installed plugins, as this one is).
    _point_the_sdk_at_the_session_fake(early_config)


def pytest_configure(config: pytest.Config) -> None:
    _point_the_sdk_at_the_session_fake(config)
    config.addinivalue_line(
        "markers",
        f"{MARKER}(*, seed=0, runs=3, missions=2, check_unhandled=True, "
        "strict_transitions=False): "
        "configure the telnyx_missions fixture for this test, class or module.",
    )


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    fake = config.stash.get(_SESSION_FAKE, None)
    if fake is None:
        return
    del config.stash[_SESSION_FAKE]
    # Stopping waits for the server's poll (up to 50 ms): not worth delaying pytest's exit for.
    threading.Thread(target=fake.stop, name="telnyx-missions-fake-stop", daemon=True).start()
    for name, value in config.stash[_ENV_BEFORE].items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _point_the_sdk_at_the_session_fake(config: pytest.Config) -> FakeMissions:
    """Start the session's fake once, and point the SDK's environment at it for the session.

    From here until the session ends, ``telnyx.Telnyx()`` made anywhere (a module imported by
    collection, a session fixture) talks to the fake with the fake's key: a real
    ``TELNYX_API_KEY`` found in the environment is never sent, and is back when pytest ends.
    Started now, not lazily: the URL must exist before anything reads it. That costs a session
    that never uses the fake about 0.1 s (mostly faker building the seeded data); see README.
    """
    fake = config.stash.get(_SESSION_FAKE, None)
    if fake is None:
        fake = FakeMissions().start()
        config.stash[_SESSION_FAKE] = fake
        config.stash[_ENV_BEFORE] = {name: os.environ.get(name) for name in SDK_ENVIRONMENT}
        os.environ["TELNYX_BASE_URL"] = fake.base_url
        os.environ["TELNYX_API_KEY"] = fake.api_key
    return fake


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    # A test that already failed, errored in set-up, was skipped or xfailed is not reported again.
    if report.when in ("setup", "call") and not report.passed:
        item.stash[_DID_NOT_PASS] = True
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
def telnyx_missions_server(pytestconfig: pytest.Config) -> FakeMissions:
    """The session's one running fake; ``telnyx_missions`` resets it for every test.

    Started when pytest was configured; ``TELNYX_BASE_URL`` and ``TELNYX_API_KEY`` point at it
    for the whole session.
    """
    return _point_the_sdk_at_the_session_fake(pytestconfig)


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
    # A client made from this URL belongs to this test: once the next test begins, its late
    # requests are refused instead of changing that test's state (README: Teardown checks).
    prefix = fake.wsgi_app().begin_test(request.node.nodeid)
    monkeypatch.setenv("TELNYX_BASE_URL", f"{fake.url}{prefix}/v2")
    monkeypatch.setenv("TELNYX_API_KEY", fake.api_key)
    yield fake
    if not request.node.stash.get(_DID_NOT_PASS, False):
        problems = []
        if late := fake.wsgi_app().late_requests():
            problems.append(_LATE_HEADER + "\n".join(late))
        if options.check_unhandled and (unhandled := fake._unhandled_problems()):
            problems.append(f"{unhandled}\n{_SWITCH_OFF_HINT}")
        if unused := fake._unused_fault_problems():
            problems.append(unused)
        if problems:
            pytest.fail("\n\n".join(problems), pytrace=False)


@pytest.fixture
def telnyx_missions_factory(request: pytest.FixtureRequest) -> Factory:
    """Factories seeded from the test's node id (and pytest-randomly's seed, when it runs)."""
    return Factory(
        seed_for_test(request.node.nodeid, request.config.getoption("randomly_seed", None))
    )


def pytest_make_parametrize_id(config: pytest.Config, val: object, argname: str) -> str | None:
    """Catalog cases show their own id in test names (``test_x[json-truncated]``)."""
    return val.id if isinstance(val, (InvalidPayload, InvalidRunId)) else None
