"""A small, realistic agent worker that reports a run's progress to Telnyx AI Missions.

It is the "code under test" of the examples: it knows nothing about the fake.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import telnyx

Step = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass
class Outcome:
    """What the worker did, and whether Telnyx accepted every report."""

    status: str
    results: dict[str, Any] = field(default_factory=dict)
    report_errors: list[str] = field(default_factory=list)


class AgentWorker:
    """Runs a list of steps for a mission run, reporting progress and the result."""

    def __init__(self, client: telnyx.Telnyx | None = None) -> None:
        self.client = client or telnyx.Telnyx()

    def run(self, mission_id: str, run_id: str, steps: Sequence[Step]) -> Outcome:
        outcome = Outcome(status="running")
        self._report(outcome, mission_id, run_id, status="running", metadata={"steps": len(steps)})
        try:
            for step in steps:
                outcome.results.update(step(dict(outcome.results)))
        except Exception as exc:  # noqa: BLE001 - any step failure fails the run
            outcome.status = "failed"
            self._report(outcome, mission_id, run_id, status="failed", error=f"{exc}")
            return outcome
        outcome.status = "succeeded"
        self._report(
            outcome,
            mission_id,
            run_id,
            status="succeeded",
            result_summary=f"Completed {len(steps)} steps",
            result_payload=outcome.results,
        )
        return outcome

    def forward_report(
        self, mission_id: str, run_id: str, body: bytes | None, headers: Mapping[str, str]
    ) -> Outcome:
        """Send a report the agent wrote itself (say, raw JSON from the model) exactly as written.

        A rejection is recorded, never raised: one bad report must not stop the worker.
        """
        outcome = Outcome(status="forwarded")
        try:
            self.client.patch(
                f"/ai/missions/{mission_id}/runs/{run_id}",
                cast_to=object,
                content=body,
                options={"headers": dict(headers)},
            )
        except telnyx.APIStatusError as exc:
            outcome.report_errors.append(f"{exc.status_code}: {exc.body}")
        return outcome

    def _report(self, outcome: Outcome, mission_id: str, run_id: str, **fields: Any) -> None:
        # A rejected report must not lose the work: remember it and carry on.
        try:
            self.client.ai.missions.runs.update(run_id, mission_id=mission_id, **fields)
        except telnyx.APIStatusError as exc:
            outcome.report_errors.append(f"{exc.status_code}: {exc.body}")
        except telnyx.APIConnectionError as exc:
            outcome.report_errors.append(f"connection: {exc}")
