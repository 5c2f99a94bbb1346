"""pytest-telnyx-missions: a pytest plugin and in-memory fake of the Telnyx AI Missions API.

The names below load on first use (PEP 562), so that ``import pytest_telnyx_missions`` stays
cheap for the standalone server, and so that the plugin module, which pytest imports through
this package, can register the assertion helpers for rewriting before anything imports them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._calls import CallList, OperationName, RecordedCall, StatusChange
    from ._faults import Fault, FaultRule
    from ._journal import RecordedRequest, RunUpdate
    from ._limits import ServerLimits
    from ._models import Event, Mission, MissionRun, PlanStep, RunStatus
    from ._server import FakeMissions

__all__ = [
    "CallList",
    "Event",
    "FakeMissions",
    "Fault",
    "FaultRule",
    "Mission",
    "MissionRun",
    "OperationName",
    "PlanStep",
    "RecordedCall",
    "RecordedRequest",
    "RunStatus",
    "RunUpdate",
    "ServerLimits",
    "StatusChange",
]

_HOMES = {
    "CallList": "._calls",
    "OperationName": "._calls",
    "RecordedCall": "._calls",
    "StatusChange": "._calls",
    "Event": "._models",
    "FakeMissions": "._server",
    "Fault": "._faults",
    "FaultRule": "._faults",
    "Mission": "._models",
    "MissionRun": "._models",
    "PlanStep": "._models",
    "RecordedRequest": "._journal",
    "RunStatus": "._models",
    "RunUpdate": "._journal",
    "ServerLimits": "._limits",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value  # found once; later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
