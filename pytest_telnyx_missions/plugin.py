"""pytest wiring: the ``telnyx_missions`` fixture, its marker, ini options and teardown checks."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import pytest

# Before anything imports the helpers, so that pytest rewrites their asserts. pytest imports this
# module through the package, whose __init__ imports nothing (see there).
pytest.register_assert_rewrite("pytest_telnyx_missions._assertions")

from ._server import DEFAULT_MISSIONS, DEFAULT_RUNS, DEFAULT_SEED, FakeMissions  # noqa: E402
from .factories import Factory, InvalidPayload, InvalidRunId, seed_for_test  # noqa: E402

if TYPE_CHECKING:
    import telnyx

MARKER = "telnyx_missions"
_DID_NOT_PASS = pytest.StashKey[bool]()
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
    monkeypatch.setenv("TELNYX_BASE_URL", fake.base_url)
    monkeypatch.setenv("TELNYX_API_KEY", fake.api_key)
    yield fake
    if not request.node.stash.get(_DID_NOT_PASS, False):
        problems = []
        if options.check_unhandled and (unhandled := fake._unhandled_problems()):
            problems.append(f"{unhandled}\n{_SWITCH_OFF_HINT}")
        if unused := fake._unused_fault_problems():
            problems.append(unused)
        if options.check_unhandled and (user_handlers := fake._user_handler_problems()):
            problems.append(f"{user_handlers}\n{_SWITCH_OFF_HINT}")
        if problems:
            pytest.fail("\n\n".join(problems), pytrace=False)


def _telnyx_sdk() -> Any:
    return pytest.importorskip(
        "telnyx",
        reason="telnyx_client needs the official SDK: pip install telnyx",
    )


@pytest.fixture
def telnyx_client(telnyx_missions: FakeMissions) -> Iterator[telnyx.Telnyx]:
    """An official SDK client (``telnyx.Telnyx``) wired to the fake in-process: no socket."""
    sdk = _telnyx_sdk()
    import httpx

    http_client = httpx.Client(transport=telnyx_missions.httpx_transport())
    client = sdk.Telnyx(
        api_key=telnyx_missions.api_key, base_url=telnyx_missions.base_url, http_client=http_client
    )
    yield client
    client.close()


@pytest.fixture
def async_telnyx_client(telnyx_missions: FakeMissions) -> telnyx.AsyncTelnyx:
    """``telnyx.AsyncTelnyx`` wired to the fake in-process. Nothing to close: the in-process
    transport holds no connection, so the client may be used in any event loop."""
    sdk = _telnyx_sdk()
    import httpx

    http_client = httpx.AsyncClient(transport=telnyx_missions.async_httpx_transport())
    client: telnyx.AsyncTelnyx = sdk.AsyncTelnyx(
        api_key=telnyx_missions.api_key, base_url=telnyx_missions.base_url, http_client=http_client
    )
    return client


@pytest.fixture
def telnyx_missions_factory(request: pytest.FixtureRequest) -> Factory:
    """Factories seeded from the test's node id (and pytest-randomly's seed, when it runs)."""
    return Factory(
        seed_for_test(request.node.nodeid, request.config.getoption("randomly_seed", None))
    )


def pytest_make_parametrize_id(config: pytest.Config, val: object, argname: str) -> str | None:
    """Catalog cases show their own id in test names (``test_x[json-truncated]``)."""
    return val.id if isinstance(val, (InvalidPayload, InvalidRunId)) else None
