"""pytest-telnyx-missions: a pytest plugin and in-memory fake of the Telnyx AI Missions API."""

import pytest

# Before anything imports the helpers, so that pytest rewrites their asserts.
pytest.register_assert_rewrite("pytest_telnyx_missions._assertions")

from ._calls import CallList, OperationName, RecordedCall, StatusChange  # noqa: E402
from ._faults import Fault, FaultRule  # noqa: E402
from ._journal import RecordedRequest, RunUpdate  # noqa: E402
from ._models import Event, Mission, MissionRun, PlanStep, RunStatus  # noqa: E402
from ._server import FakeMissions  # noqa: E402

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
    "StatusChange",
]
