"""Checking the fake against the real API: live runs, cassettes and their offline replay.

``replay(paths, known=None) -> Report`` replays recorded cassettes on a fresh fake (also
``python -m pytest_telnyx_missions.live replay``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._replay import Report, replay

__all__ = ["Report", "replay"]


def __getattr__(name: str) -> Any:
    # lazily: a live pytest run or the proxy imports this package without needing replay
    if name in __all__:
        from . import _replay

        return getattr(_replay, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
