"""pytest wiring: the ``telnyx_missions`` fixture, its marker, ini options and teardown checks."""

from __future__ import annotations

import os
import threading
from collections.abc import Coroutine, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

# The helpers raise their own AssertionError (no plain assert today); registered before anything
# imports them so that an assert added there gets pytest's introspection (a test pins this).
# pytest imports this module through the package, whose __init__ imports nothing (see there).
pytest.register_assert_rewrite("pytest_telnyx_missions._checks.assertions")

from ._config import (  # noqa: E402
    DEFAULTS,
    OPTION_NAMES,
    FakeConfig,
    JournalLimits,
    check_option,
)
from ._fake import FakeMissions  # noqa: E402
from ._plugin_ini import (  # noqa: E402
    JOURNAL_OPTIONS,
    LIMIT_OPTIONS,
    journal_limits,
    server_limits,
)
from ._report import DEFAULT_MAX_ROWS, SECTION_TITLE, TestJournal  # noqa: E402
from ._serving.limits import ServerLimits  # noqa: E402
from ._standalone import StandaloneFake  # noqa: E402
from .factories import Factory, InvalidPayload, InvalidRunId, seed_for_test  # noqa: E402
from .live._pytest_mode import add_options as add_live_options  # noqa: E402
from .live._pytest_mode import live_run_of, start_live_run, stop_live_run  # noqa: E402

if TYPE_CHECKING:
    import telnyx

MARKER = "telnyx_missions"
_DID_NOT_PASS = pytest.StashKey[bool]()
_TEST_JOURNAL = pytest.StashKey[TestJournal]()
_JOURNAL_REPORTED = pytest.StashKey[bool]()
_LATE_HEADER = (
    "The Telnyx Missions fake refused requests from clients of earlier tests (threads still "
    "running after their test ended); they changed nothing here:\n"
)
_SESSION_FAKE = pytest.StashKey[FakeMissions]()
_ENV_BEFORE = pytest.StashKey[dict[str, "str | None"]]()
SDK_ENVIRONMENT = ("TELNYX_BASE_URL", "TELNYX_API_KEY")
"""What the official SDKs read when a client is made without arguments."""


_PLUGIN_OPTIONS = {"check_unhandled": True, "live": False}
"""Marker options of the fixture itself; the others are the fake's (``FakeConfig``)."""
_MARKER_OPTIONS = frozenset(OPTION_NAMES | set(_PLUGIN_OPTIONS))
_INI_OPTIONS: dict[str, tuple[str, str]] = {
    "seed": ("telnyx_missions_seed", "Seed of the fake's data and ids (default 0)."),
    "runs": ("telnyx_missions_runs", "How many runs the fake is seeded with (default 3)."),
    "auto_create": (
        "telnyx_missions_auto_create",
        "Create unknown resources a request names, on the spot (default false).",
    ),
    "state": (
        "telnyx_missions_state",
        "A state document (JSON or YAML file, relative to the ini file) instead of seeded data.",
    ),
    "clock": (
        "telnyx_missions_clock",
        "A fixed start time (ISO 8601) for the fake's clock, instead of real time.",
    ),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    add_live_options(parser)
    for name, (help_text, _, _) in {**LIMIT_OPTIONS, **JOURNAL_OPTIONS}.items():
        parser.addini(f"telnyx_missions_{name}", help_text, type="string", default="")
    for name, (ini, help_text) in _INI_OPTIONS.items():
        if name == "auto_create":
            parser.addini(ini, help_text, type="bool", default=False)
        else:
            parser.addini(ini, help_text, type="string", default="")
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
    parser.getgroup("telnyx_missions").addoption(
        "--telnyx-missions-html",
        metavar="DIR",
        default=None,
        help="Also write a self-contained HTML page (journal, run timelines, state) for each "
        "failing test that used the fake into DIR; the report names the file.",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    # Before the conftest.py files are imported: a client they make at import time reaches
    # the fake too (pytest calls this only for installed plugins, as this one is).
    _point_the_sdk_at_the_session_fake(early_config)


def pytest_configure(config: pytest.Config) -> None:
    for name, value in _ini_options(config).items():  # a bad value stops the run, named
        try:
            check_option(name, value)
        except ValueError as error:
            raise pytest.UsageError(f"ini option {_INI_OPTIONS[name][0]}: {error}") from None
    fake = _point_the_sdk_at_the_session_fake(config)
    start_live_run(config, fake)  # only when the command line asks for one
    defaults = ", ".join(
        f"{name}={value!r}" for name, value in {**DEFAULTS.as_options(), **_PLUGIN_OPTIONS}.items()
    )
    config.addinivalue_line(
        "markers",
        f"{MARKER}(*, {defaults}): configure the telnyx_missions fixture for this test, class "
        "or module.",
    )


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    stop_live_run(config)
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


def _server_limits(config: pytest.Config) -> ServerLimits:
    try:
        return server_limits(config.getini)
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None


def _journal_limits(config: pytest.Config) -> JournalLimits:
    try:
        return journal_limits(config.getini)
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None


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
        journal = _journal_limits(config)
        fake = FakeMissions(
            limits=_server_limits(config),
            journal_limit=journal.max_entries,
            journal_max_bytes=journal.max_bytes,
        ).start()
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
    journal = item.stash.get(_TEST_JOURNAL, None)
    if report.failed and journal is not None and not item.stash.get(_JOURNAL_REPORTED, False):
        item.stash[_JOURNAL_REPORTED] = True  # once per test, at the first phase that failed
        max_rows = int(item.config.getini("telnyx_missions_report_max_rows"))
        text = journal.render(max_rows)
        pages = item.config.getoption("telnyx_missions_html")
        if pages:
            text += f"\nThe same as a page: {journal.write_page(Path(pages), item.nodeid)}"
        report.sections.append((SECTION_TITLE, text))
    return report


def _options(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Every option for this test: the nearest marker wins, then the ini file, then defaults."""
    merged: dict[str, Any] = {**DEFAULTS.as_options(), **_PLUGIN_OPTIONS}
    merged.update(_ini_options(request.config))
    for marker in reversed(list(request.node.iter_markers(MARKER))):
        if marker.args:
            pytest.fail(f"@pytest.mark.{MARKER} takes keyword arguments only", pytrace=False)
        unknown = set(marker.kwargs) - _MARKER_OPTIONS
        if unknown:
            pytest.fail(
                f"@pytest.mark.{MARKER} got unknown options {sorted(unknown)}; "
                f"known: {sorted(_MARKER_OPTIONS)}",
                pytrace=False,
            )
        merged.update(marker.kwargs)
        state = marker.kwargs.get("state")
        if isinstance(state, (str, Path)):  # relative to the test file that names it
            merged["state"] = Path(request.path).parent / state
    try:  # checked as every entry point checks them, before the fake is touched
        FakeConfig.parse({name: merged[name] for name in OPTION_NAMES})
    except ValueError as error:
        pytest.fail(f"@pytest.mark.{MARKER}: {error}", pytrace=False)
    return merged


def _ini_options(config: pytest.Config) -> dict[str, Any]:
    """The options the ini file sets, as the fake takes them (a count as an int)."""
    given: dict[str, Any] = {}
    for name, (ini, _) in _INI_OPTIONS.items():
        value = config.getini(ini)
        if name == "auto_create":
            given[name] = bool(value)
        elif value == "":
            continue
        elif name in ("seed", "runs"):
            given[name] = _int_or_text(value)
        elif name == "state":
            given[name] = (config.inipath.parent if config.inipath else config.rootpath) / value
        else:
            given[name] = value
    return given


def _int_or_text(text: str) -> int | str:
    """An integer, or the text itself for the option's check to refuse by name."""
    try:
        return int(text)
    except ValueError:
        return text


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
    """The fake with fresh seeded state; ``TELNYX_BASE_URL`` and ``TELNYX_API_KEY`` point at it.

    Its ``url`` and ``base_url`` (``TELNYX_BASE_URL``) carry this test's prefix: a client made
    from them belongs to this test, and once the next test begins its late requests are refused
    instead of changing that test's state (README: Teardown checks).
    """
    options = _options(request)
    server = telnyx_missions_server
    # The earlier test's clients are refused from here on, before the reset: a request of
    # theirs is applied wholly before it (to the state about to go) or not at all.
    prefix = server.wsgi_app().begin_test(request.node.nodeid)
    live = live_run_of(request.config)
    if live is None:
        server.configure(**{name: options[name] for name in OPTION_NAMES})
    else:  # docs/how-to/contract.md
        server.configure(**live.fake_options(request, options))
    fake = server._for_test(prefix)
    if request.config.getini("telnyx_missions_report"):
        request.node.stash[_TEST_JOURNAL] = TestJournal.begin(fake)
    monkeypatch.setenv("TELNYX_BASE_URL", fake.base_url)
    monkeypatch.setenv("TELNYX_API_KEY", fake.api_key)
    yield fake if live is None else live.view(fake)
    if not request.node.stash.get(_DID_NOT_PASS, False):
        problems = []
        if late := fake.wsgi_app().late_requests():
            problems.append(_LATE_HEADER + "\n".join(late))
        try:
            fake.check(unhandled=options["check_unhandled"])
        except AssertionError as found:
            problems.append(str(found))
        if problems:
            pytest.fail("\n\n".join(problems), pytrace=False)


def _telnyx_sdk() -> Any:
    return pytest.importorskip(
        "telnyx",
        reason="telnyx_client needs the official SDK: pip install telnyx",
    )


@pytest.fixture
def telnyx_client(telnyx_missions: FakeMissions) -> Iterator[telnyx.Telnyx]:
    """An official SDK client (``telnyx.Telnyx``) wired to the fake in-process: no socket.

    Made from this test's ``base_url`` and closed when the test ends (see
    ``async_telnyx_client``)."""
    sdk = _telnyx_sdk()
    from ._serving.inprocess import client as in_process_client  # httpx: only for the SDK

    http_client = in_process_client(telnyx_missions.httpx_transport())
    client = sdk.Telnyx(
        api_key=telnyx_missions.api_key, base_url=telnyx_missions.base_url, http_client=http_client
    )
    yield client
    client.close()


@pytest.fixture
def async_telnyx_client(telnyx_missions: FakeMissions) -> Iterator[telnyx.AsyncTelnyx]:
    """``telnyx.AsyncTelnyx`` wired to the fake in-process, usable in any event loop.

    Made from this test's ``base_url`` and closed when the test ends. A task or thread still
    using it afterwards changes nothing: the closed client sends nothing (the SDK raises
    ``APIConnectionError``), and a request already on its way is refused 410 and named in the
    next test's teardown, as for any client made from ``TELNYX_BASE_URL``."""
    sdk = _telnyx_sdk()
    from ._serving.inprocess import async_client

    http_client = async_client(telnyx_missions.async_httpx_transport())
    client: telnyx.AsyncTelnyx = sdk.AsyncTelnyx(
        api_key=telnyx_missions.api_key, base_url=telnyx_missions.base_url, http_client=http_client
    )
    yield client
    _close_at_once(http_client.aclose())


def _close_at_once(closing: Coroutine[Any, Any, None]) -> None:
    """Run ``closing`` to its end here, in no event loop: closing an httpx client whose
    transport holds no connection (the in-process one) never waits, so the coroutine ends at
    its first step, whatever loop (if any) the test used."""
    try:
        closing.send(None)
    except StopIteration:
        return
    closing.close()
    raise RuntimeError("closing the in-process client waited on I/O; it was left open")


@pytest.fixture
def telnyx_missions_factory(request: pytest.FixtureRequest) -> Factory:
    """Factories seeded from the test's node id (and pytest-randomly's seed, when it runs)."""
    return Factory(
        seed_for_test(request.node.nodeid, request.config.getoption("randomly_seed", None))
    )


@pytest.fixture(scope="session")
def telnyx_missions_process_options() -> dict[str, Any]:
    """The options of ``telnyx_missions_process``'s server (the CLI's, in Python spelling):
    override this fixture in a ``conftest.py`` to change them (``{"seed": 7, "runs": 5}``)."""
    return {}


@pytest.fixture(scope="session")
def telnyx_missions_process(
    telnyx_missions_process_options: dict[str, Any],
) -> Iterator[StandaloneFake]:
    """The standalone server in a subprocess, for code under test in other processes: serving
    (its ready file read) before the first test that asks for it, stopped after the session.
    Shared by the session: reset it through its control API where a test needs fresh state.
    A server that did not end cleanly (it crashed, or was killed) is an error at the session's
    end, with what it printed."""
    with StandaloneFake(**telnyx_missions_process_options) as fake:
        yield fake
    if fake.returncode != 0:
        printed = "\n".join(fake.stderr.strip().splitlines()[-20:]) or "nothing"
        pytest.fail(
            f"telnyx_missions_process: the standalone fake ended with exit status "
            f"{fake.returncode}, not 0; it printed on stderr:\n{printed}",
            pytrace=False,
        )


def pytest_make_parametrize_id(config: pytest.Config, val: object, argname: str) -> str | None:
    """Catalog cases show their own id in test names (``test_x[json-truncated]``)."""
    return val.id if isinstance(val, (InvalidPayload, InvalidRunId)) else None
