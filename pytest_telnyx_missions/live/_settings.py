"""What the command line asks of a live run, read once (``_pytest_mode``, ``_proxy_options``).

The options a live pytest run and the checking proxy share (the upstream, the directory, the
tag, the budget, the pace, the recording) are declared here once, with their defaults: pytest
adds them as ``--telnyx-missions-live-<name>``, the proxy as ``--live-<name>``, each with its own
help text, and :meth:`LiveSettings.read` reads them back from either command line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._safety import DEFAULT_TAG
from ._upstream import DEFAULT_MAX_REQUESTS, DEFAULT_RATE, DEFAULT_URL, check_upstream_url

__all__ = ["DEFAULT_DIR", "SHARED_OPTIONS", "LiveSettings", "add_shared_options"]

DEFAULT_DIR = ".telnyx-live"

SHARED_OPTIONS: Mapping[str, Mapping[str, Any]] = {
    "url": {"default": DEFAULT_URL, "metavar": "URL"},
    "dir": {
        "default": DEFAULT_DIR,
        "metavar": "DIR",
        "help": "where report.json, report.md and the ledger go (default %(default)s)",
    },
    "record": {"nargs": "?", "const": "", "default": None, "metavar": "DIR"},
    "tag": {"default": DEFAULT_TAG},
    "max-requests": {"type": int, "default": DEFAULT_MAX_REQUESTS, "metavar": "N"},
    "rate": {"type": float, "default": DEFAULT_RATE, "metavar": "PER_SECOND"},
}
"""The shared options by name (``--<prefix>-<name>``): how each is parsed, its default, and
its help text where both command lines say the same."""


def add_shared_options(
    add: Callable[..., Any], prefix: str, helps: Mapping[str, str], *, only: tuple[str, ...] = ()
) -> None:
    """Add the shared options as ``{prefix}-{name}`` through ``add`` (argparse's
    ``add_argument`` or pytest's ``addoption``), with the help texts of ``helps`` where the
    command line says its own; with ``only``, just those (in that order)."""
    for name in only or tuple(SHARED_OPTIONS):
        declared = {**SHARED_OPTIONS[name], **({"help": helps[name]} if name in helps else {})}
        add(f"{prefix}-{name}", **declared)


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

    @classmethod
    def read(
        cls,
        options: Any,
        flags: str,
        *,
        dry_run: bool = False,
        strict: bool = False,
        known: Path | None = None,
    ) -> LiveSettings:
        """The settings the shared options ``{flags}-<name>`` hold in ``options`` (an argparse
        namespace, or pytest's ``config.option``); ``ValueError`` as the constructor says."""
        dest = flags.lstrip("-").replace("-", "_")

        def given(name: str) -> Any:
            return getattr(options, f"{dest}_{name.replace('-', '_')}")

        return cls(
            dry_run=dry_run,
            url=given("url"),
            directory=Path(given("dir")),
            strict=strict,
            known=known,
            tag=given("tag"),
            max_requests=given("max-requests"),
            rate=given("rate"),
            record=given("record"),
            flags=flags,
        )
