"""What a live test gets as ``telnyx_missions``: the fake, minus what the real API cannot do.

A live test starts from an empty fake that shadows the upstream; arranging state, fault rules,
the clock and resets would make the two differ by design, so they raise :class:`LiveRunError`
saying why. Everything else (the journal, ``calls``, the assertions, ``wait_for``) is the fake's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .._fake import FakeMissions

__all__ = ["REFUSED_IN_A_LIVE_RUN", "LiveFake", "LiveRunError"]

_ARRANGING = (
    "add_mission",
    "add_run",
    "add_event",
    "add_plan_step",
    "link_agent",
    "add_knowledge_base",
    "add_mcp_server",
    "add_tool",
)
REFUSED_IN_A_LIVE_RUN: dict[str, str] = {
    **dict.fromkeys(_ARRANGING, "arranges state the real API would not have"),
    "load_state": "loads a state document the real API would not have",
    "reset": "resets the fake, and the real API cannot be reset",
    "configure": "reconfigures the fake, and the real API cannot be",
    "add_fault": "adds a fault rule, and the real API answers for itself",
    "fail_next": "adds a fault rule, and the real API answers for itself",
    "advance": "moves the fake's clock, and the real API keeps its own time",
}


class LiveRunError(RuntimeError):
    """Something a live test asked of the fake that a live run cannot honour."""


class LiveFake:
    """The fake, as a live test sees it."""

    def __init__(self, fake: FakeMissions) -> None:
        object.__setattr__(self, "_fake", fake)

    def __getattr__(self, name: str) -> Any:
        why = REFUSED_IN_A_LIVE_RUN.get(name)
        if why is not None:
            raise LiveRunError(
                f"telnyx_missions.{name}() {why}: in a live run a test starts from an empty "
                "fake and makes what it needs through the API (see the docs page "
                "'Checking the fake against the real API')"
            )
        return getattr(self._fake, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._fake, name, value)

    def __repr__(self) -> str:
        return f"<live {self._fake!r}>"
