"""A live pytest run's hooks: the fence at the start, each test's part, cleanup and reports.

Registered as a plugin by ``_pytest_mode.start_live_run`` when the command line asks for a live
run (or a dry run); the ``telnyx_missions`` fixture asks it for a test's options and fake.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .._config import OPTION_NAMES
from ._guard import LiveFake
from ._replay import read_known
from ._report import Found, LiveFindings, divergence_lines, plan_lines
from ._report import summary_lines as live_summary_lines
from ._safety import Artifacts
from ._session import LiveSession, TestRecord
from ._upstream import BudgetExhausted, UpstreamUnreachable

if TYPE_CHECKING:
    from .._fake import FakeMissions
    from ._settings import LiveSettings

__all__ = ["LiveRun", "is_live_test"]

MARKER = "telnyx_missions"
SECTION_TITLE = "Telnyx Missions live run: where the fake answered otherwise"
_NOT_IN_A_LIVE_RUN = ("state", "auto_create", "clock")


def is_live_test(item: pytest.Item) -> bool:
    """True for a test whose nearest ``telnyx_missions`` marker with ``live`` says True."""
    for marker in item.iter_markers(MARKER):
        if "live" in marker.kwargs:
            return bool(marker.kwargs["live"])
    return False


class LiveRun:
    """One live (or dry) pytest session."""

    def __init__(
        self, config: pytest.Config, settings: LiveSettings, fake: FakeMissions, key: str | None
    ) -> None:
        self.config = config
        self.settings = settings
        self.key = key
        self.taken_key: str | None = None
        """What ``os.environ`` held for the key when the session started: given back at its end."""
        self.previous_sigterm: Any = None
        self.artifacts = Artifacts(key)
        self.known = read_known(settings.known) if settings.known else []
        """The known file's entries: one with a ``test`` accepts a divergence in that test only."""
        self.session = LiveSession.opened(fake, settings, key, self.artifacts)
        self.upstream = self.session.upstream
        self.findings = LiveFindings(upstream=settings.url, dry_run=key is None)
        self.report_paths: list[Path] = []
        self._shown: dict[str, int] = {}
        """How many of each test's divergences a section of its reports already lists (those
        of its setup and call in the call's, those of its teardown in the teardown's)."""
        self.cassettes: list[Path] = []

    def close(self) -> None:
        self.session.uninstall()
        if self.upstream is not None:
            self.upstream.close()

    # -- the session's edges ---------------------------------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        try:
            self.session.list_existing()
        except (RuntimeError, BudgetExhausted, UpstreamUnreachable) as error:
            pytest.exit(f"telnyx-missions live run: {error}", returncode=3)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        skip = pytest.mark.skip(
            reason="a live run runs only tests marked @pytest.mark.telnyx_missions(live=True)"
        )
        for item in items:
            if not is_live_test(item):
                item.add_marker(skip)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        findings = self.findings
        findings.not_deleted = self.session.delete_leftovers()
        self.session.tally(findings)
        if self.upstream is not None:
            self.report_paths = findings.write(self.settings.directory, self.artifacts)
            findings.keys_removed = self.artifacts.removed
        if findings.not_deleted and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        terminalreporter.section("Telnyx Missions live run")
        if self.upstream is None:
            lines = plan_lines(self.findings, self.settings.rate, len(self.session.would_delete))
        else:
            lines = live_summary_lines(self.findings, self.report_paths)
            if self.cassettes:
                where = sorted({str(path.parent.parent) for path in self.cassettes})
                lines.append(f"wrote {len(self.cassettes)} cassettes under {', '.join(where)}")
        for line in lines:
            terminalreporter.write_line(line)

    # -- each test -------------------------------------------------------------------------
    def fake_options(self, request: pytest.FixtureRequest, options: Mapping[str, Any]) -> Any:
        """The fake's options for a live test: empty, whatever the marker or ini says; a marker
        asking for state, auto_create or a clock fails the test, saying why."""
        asked = {
            name
            for marker in request.node.iter_markers(MARKER)
            for name in marker.kwargs
            if name in _NOT_IN_A_LIVE_RUN
        }
        if asked:
            pytest.fail(
                f"@pytest.mark.{MARKER}({', '.join(sorted(asked))}=...) cannot be used in a live "
                "run: a live test starts from an empty fake, as the real API has none of the "
                "state, ids or time the fake would make up (docs: 'Checking the fake against "
                "the real API')",
                pytrace=False,
            )
        fake_options = {name: options[name] for name in OPTION_NAMES}
        return {**fake_options, "runs": 0, "missions": 0, "state": None, "clock": None}

    def view(self, fake: FakeMissions) -> FakeMissions:
        return LiveFake(fake)  # type: ignore[return-value]

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if is_live_test(item):
            self.session.begin_test(item.nodeid)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(
        self, item: pytest.Item, nextitem: pytest.Item | None
    ) -> Generator[None, None, None]:
        try:
            yield
        finally:
            record = self._end(item) if is_live_test(item) else None
        if record is None:
            return
        problems = []
        if record.problems:
            problems.append(
                "The live run did not send these requests of the test upstream:\n"
                + "\n".join(f"- {problem}" for problem in record.problems)
            )
        if self.settings.strict:
            breaking = [
                d
                for d in record.divergences
                if d.severity == "breaks" and not any(e.matches(record.name, d) for e in self.known)
            ]
            if breaking:
                problems.append(
                    "The fake answered otherwise than the real API (--telnyx-missions-live-strict"
                    "; a known one goes in --telnyx-missions-live-known):\n"
                    + "\n".join(divergence_lines(breaking))
                )
        if problems:
            pytest.fail("\n\n".join(problems), pytrace=False)

    def _end(self, item: pytest.Item) -> TestRecord:
        record = self.session.end_test()
        # Failures are tried again at the session's end, and reported there.
        self.session.delete_leftovers(of=record)
        if self.settings.record is not None and self.upstream is not None and record.exchanges:
            self._write_cassette(item, record)
        self.findings.found.extend(Found(record.name, d) for d in record.divergences)
        self.findings.refused.extend(f"{record.name}: {p}" for p in record.problems)
        if record.planned:
            self.findings.planned[record.name] = list(record.planned)
        return record

    def _write_cassette(self, item: pytest.Item, record: TestRecord) -> None:
        """``DIR/<test module>/<test name>.json``, DIR by default ``cassettes/`` beside the
        test file, a test of a class named ``<Class>.<test>`` (pytest-recording's layout)."""
        from ._cassette import cassette_path, write_cassette

        record_dir = self.settings.record
        directory = Path(record_dir) if record_dir else Path(item.path).parent / "cassettes"
        cls = getattr(item, "cls", None)
        name = f"{cls.__name__}.{item.name}" if cls is not None else item.name
        where = cassette_path(directory, item.nodeid.split("::")[0], name)
        try:
            self.cassettes.append(
                write_cassette(where, record.name, record.exchanges, key=self.key)
            )
        except (OSError, ValueError) as error:
            self.findings.refused.append(f"{record.name}: cassette {where} not written: {error}")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if call.when in ("call", "teardown") and is_live_test(item):
            record = self.session.tests.get(item.nodeid)
            shown = self._shown.get(item.nodeid, 0)
            if record is not None and record.divergences[shown:]:
                lines = divergence_lines(record.divergences[shown:])
                # pytest prints a passed test's teardown sections only when named so
                title = SECTION_TITLE if call.when == "call" else f"{SECTION_TITLE} (teardown)"
                report.sections.append((title, "\n".join(lines)))
                self._shown[item.nodeid] = len(record.divergences)
        return report
