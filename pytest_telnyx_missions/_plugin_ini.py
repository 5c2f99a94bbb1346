"""The session fake's limits as the plugin's ini options: ``ServerLimits`` and ``JournalLimits``.

Kept out of ``plugin.py`` so that one reader serves both sets of options; it raises
``ValueError`` with the message a user reads and the plugin turns it into a usage error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ._config import JournalLimits
from ._serving.limits import ServerLimits

__all__ = ["JOURNAL_OPTIONS", "LIMIT_OPTIONS", "journal_limits", "server_limits"]

IniGetter = Callable[[str], object]
"""``pytest.Config.getini``."""


def _whole_number(text: str) -> int | None:
    """A journal limit, ASCII digits only (``int`` takes signs and underscores); 0 is none."""
    if not text.isascii() or not text.isdigit():
        raise ValueError(text)
    return int(text) or None


_Option = tuple[str, Callable[[str], Any], str]
"""Help text, parser, and what the value must be (said when the parser refuses it)."""

LIMIT_OPTIONS: dict[str, _Option] = {
    "max_body_bytes": (
        "Request bodies larger than this get 413 (default 10 MiB).",
        int,
        "a number",
    ),
    "idle_timeout": (
        "Seconds before an idle connection is closed (default 10).",
        float,
        "a number",
    ),
    "max_connections": (
        "Connections open at once; one more gets 503 (default 512).",
        int,
        "a number",
    ),
    "max_request_line_bytes": (
        "A longer request line gets 414 (default 16 KiB).",
        int,
        "a number",
    ),
    "max_header_bytes": (
        "Header fields over this many bytes get 431 (default 64 KiB).",
        int,
        "a number",
    ),
    "max_header_count": ("More header fields than this get 431 (default 100).", int, "a number"),
    "head_timeout": (
        "Seconds a request head may take to arrive; 408 past it (10).",
        float,
        "a number",
    ),
    "body_timeout": (
        "Seconds a request body may take to arrive; 408 past it (30).",
        float,
        "a number",
    ),
}
"""The session server's ``ServerLimits``, as ini options ``telnyx_missions_<name>``."""

JOURNAL_OPTIONS: dict[str, _Option] = {
    "journal_limit": (
        "Requests the session fake's journal keeps at most; 0: no count (default).",
        _whole_number,
        "a whole number",
    ),
    "journal_max_bytes": (
        "Bytes the kept requests' bodies (sent, twice once parsed, and answered, plus 4 KiB "
        "each) "
        "add up to at most; 0: no budget (default 64 MiB).",
        _whole_number,
        "a whole number",
    ),
}
"""The session fake's ``JournalLimits``, as ini options ``telnyx_missions_<name>`` (0: none)."""


def _given(getini: IniGetter, options: Mapping[str, _Option]) -> dict[str, Any]:
    """The options set in the ini file, parsed; a value its parser refuses names the option."""
    given: dict[str, Any] = {}
    for name, (_, parse, must_be) in options.items():
        text = str(getini(f"telnyx_missions_{name}")).strip()
        if text:
            try:
                given[name] = parse(text)
            except ValueError:
                raise ValueError(
                    f"ini option telnyx_missions_{name} = {text!r} is not {must_be}"
                ) from None
    return given


def server_limits(getini: IniGetter) -> ServerLimits:
    """The session server's limits: the defaults, with what the ini file sets."""
    given = _given(getini, LIMIT_OPTIONS)
    try:
        return ServerLimits(**given)
    except ValueError as error:
        raise ValueError(f"ini option telnyx_missions_{error}") from None


def journal_limits(getini: IniGetter) -> JournalLimits:
    """The session journal's limits: the defaults, with what the ini file sets."""
    given = _given(getini, JOURNAL_OPTIONS)
    defaults = JournalLimits()
    try:
        return JournalLimits(
            given.get("journal_limit", defaults.max_entries),
            given.get("journal_max_bytes", defaults.max_bytes),
        )
    except ValueError as error:
        raise ValueError(f"ini option telnyx_missions_{error}") from None
