"""What the command line asks of a live run, read once (``_pytest_mode``, ``_proxy_options``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
