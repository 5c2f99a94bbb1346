"""The checking proxy: ``telnyx-missions-fake --live``, for a client in any language.

The standalone server's fake starts empty and hands each Missions API request to a
:class:`~._session.LiveSession`, as a live pytest run does: the fence, the tag, the ledger, the
budget and the pace; the request goes upstream with the live key in place of the client's; the
client gets the upstream's answer unchanged; the fake answers the same request with the ids the
upstream minted, and the engine compares. The whole life of the server is one record
(``proxy``): ``GET /_fake/live`` serves what was found so far, in ``report.json``'s shape. On
SIGTERM or Ctrl-C (:meth:`LiveProxy.finish`) what the client created is deleted and the
reports (and with ``--live-record`` a cassette) are written under ``--live-dir``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from .._api.answers import Reply
from .._api.json_text import dump_json
from ._report import Found, LiveFindings, summary_lines
from ._safety import Artifacts
from ._session import LiveSession
from ._upstream import BudgetExhausted, UpstreamUnreachable

if TYPE_CHECKING:
    from .._api.request import Incoming
    from .._fake import FakeMissions
    from .._serving.control import ControlApp
    from ._settings import LiveSettings

__all__ = ["PROXY", "LiveProxy"]

PROXY = "proxy"
"""The name of the proxy's one record: the ``test`` of each divergence it reports."""
LIVE_ROUTE = "/_fake/live"
_CONTROL_CHANGES_REFUSED = (
    "the checking proxy's fake shadows the real API and holds only what the client's "
    "requests made through it; arranging it (reset, state, fault rules, added resources) "
    "would make the two differ by design"
)


class LiveProxy:
    """The checking proxy of one standalone server, from its start to its stop."""

    def __init__(self, fake: FakeMissions, settings: LiveSettings, key: str) -> None:
        """Open the live session on ``fake`` (still empty) and list the upstream's missions
        (the fence). ``ValueError`` for a tag that cannot be used; ``RuntimeError`` when the
        upstream cannot be listed: the proxy does not serve without its fence."""
        self.settings = settings
        self.key = key
        self.artifacts = Artifacts(key)
        self.session = LiveSession.opened(fake, settings, key, self.artifacts)
        self.record = self.session.begin_test(PROXY)
        self._started = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        try:
            self.existing = self.session.list_existing()
        except (RuntimeError, BudgetExhausted, UpstreamUnreachable) as error:
            self._close()
            raise RuntimeError(f"{settings.flags}: {error}") from None

    def serve_on(self, control: ControlApp) -> None:
        """``GET /_fake/live`` on the control API, whose changing routes are refused."""
        control.add_route(LIVE_ROUTE, "GET", self._served)
        control.refuse_changes(_CONTROL_CHANGES_REFUSED)

    def banner(self, url: str) -> str:
        return (
            f"checking proxy: each API request goes to {self.settings.url} with the key in "
            f"the environment ({self.existing} missions there are fenced off); divergences at "
            f"{url}{LIVE_ROUTE}"
        )

    def findings(self) -> LiveFindings:
        """What the proxy found so far: report.json's content."""
        findings = LiveFindings(upstream=self.settings.url, dry_run=False)
        findings.found = [Found(PROXY, d) for d in list(self.record.divergences)]
        findings.refused = list(self.record.problems)
        self.session.tally(findings)
        return findings

    def finish(self, say: Callable[[str], None]) -> int:
        """Delete what was created through the proxy, write the reports (and the cassette),
        tell ``say`` what was done; 1 when a created mission could not be deleted, else 0."""
        not_deleted = self.session.delete_leftovers()
        findings = self.findings()
        findings.not_deleted = not_deleted
        cassette = self._write_cassette(findings)
        paths = findings.write(self.settings.directory, self.artifacts)
        findings.keys_removed = self.artifacts.removed
        self._close()
        for line in [*summary_lines(findings, paths), *cassette]:
            say(line)
        return 1 if not_deleted else 0

    # -- inside ----------------------------------------------------------------------------
    def _served(self, request: Incoming) -> Reply:
        # an upstream that echoed the key would have it in a divergence: never served either
        body = self.artifacts.clean(dump_json(self.findings().to_json()))
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        return Reply(200, headers, body)

    def _write_cassette(self, findings: LiveFindings) -> list[str]:
        """With ``--live-record``, the exchanges as a cassette, ``DIR/proxy/proxy-<started>.json``
        (DIR by default ``cassettes/`` in the live dir; the start time in the name, so that a
        later proxy writes beside it): the line saying so. One not written is reported."""
        record = self.settings.record
        if record is None:
            return []
        from ._cassette import cassette_path, write_cassette

        directory = Path(record) if record else self.settings.directory / "cassettes"
        where = cassette_path(directory, PROXY, f"{PROXY}-{self._started}")
        try:
            write_cassette(where, PROXY, list(self.record.exchanges), key=self.key)
        except (OSError, ValueError) as error:
            findings.refused.append(f"{PROXY}: cassette {where} not written: {error}")
            return []
        return [f"wrote the cassette {where}"]

    def _close(self) -> None:
        self.session.uninstall()
        if self.session.upstream is not None:
            self.session.upstream.close()
