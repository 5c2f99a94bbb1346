"""pytest-telnyx-missions: a pytest plugin and in-memory fake of the Telnyx AI Missions API."""

from ._faults import Fault, FaultRule
from ._journal import RecordedRequest, RunUpdate
from ._models import Mission, MissionRun, RunStatus
from ._server import FakeMissions

__all__ = [
    "FakeMissions",
    "Fault",
    "FaultRule",
    "Mission",
    "MissionRun",
    "RecordedRequest",
    "RunStatus",
    "RunUpdate",
]
