"""What the command line asks of a live run, read once (``_pytest_mode``, ``_proxy_options``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ._upstream import check_upstream_url

__all__ = ["LiveSettings"]


@dataclass(frozen=True)
class LiveSettings:
    """What the command line asked of a live run."""

    dry_run: bool
    url: str
    directory: Path
    strict: bool
    known: Path | None
    tag: str
    max_requests: int
    rate: float
    record: str | None
    flags: str = "--telnyx-missions-live"
    """The options' common prefix, for messages that name one (``--live`` for the proxy)."""

    def __post_init__(self) -> None:
        """The URL, the budget and the rate checked, whichever command line gave them: a
        ``ValueError`` names the option (``--live-rate must be more than 0``)."""
        try:
            object.__setattr__(self, "url", check_upstream_url(self.url))
        except ValueError as error:
            raise ValueError(f"{self.flags}-url: {error}") from None
        if self.max_requests < 0:
            raise ValueError(f"{self.flags}-max-requests cannot be negative")
        if not self.rate > 0:
            raise ValueError(f"{self.flags}-rate must be more than 0")
