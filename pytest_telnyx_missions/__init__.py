"""pytest-telnyx-missions: a pytest plugin and in-memory fake of the Telnyx AI Missions API.

The names below load on first use (PEP 562), so that ``import pytest_telnyx_missions`` stays
cheap for the standalone server, and so that the plugin module, which pytest imports through
this package, can register the assertion helpers for rewriting before anything imports them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._api.models import Event, Mission, MissionRun, PlanStep, RunStatus
    from ._fake import FakeMissions
    from ._journal.calls import CallList, OperationName, RecordedCall, RunUpdate, StatusChange
    from ._journal.recording import RecordedRequest
    from ._pipeline.faults.rules import Fault, FaultRule
    from ._serving.limits import ServerLimits
    from ._standalone import StandaloneFake

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
    "StandaloneFake",
    "StatusChange",
]

_HOMES = {
    "CallList": "._journal.calls",
    "OperationName": "._journal.calls",
    "RecordedCall": "._journal.calls",
    "StatusChange": "._journal.calls",
    "Event": "._api.models",
    "FakeMissions": "._fake",
    "Fault": "._pipeline.faults.rules",
    "FaultRule": "._pipeline.faults.rules",
    "Mission": "._api.models",
    "MissionRun": "._api.models",
    "PlanStep": "._api.models",
    "RecordedRequest": "._journal.recording",
    "RunStatus": "._api.models",
    "RunUpdate": "._journal.calls",
    "ServerLimits": "._serving.limits",
    "StandaloneFake": "._standalone",
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
