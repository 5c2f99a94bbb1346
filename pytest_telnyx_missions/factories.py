"""Factories: realistic valid payloads; invalid ones with the exact answer each gets.

>>> factory = Factory(seed=7)
>>> payload = factory.update_run_payload(status="failed")
>>> payload["status"], "error" in payload
('failed', True)

A :class:`Factory` holds its own seeded ``faker.Faker``: the same seed gives the same sequence of
payloads, and nothing is shared between factories. The module-level functions make a fresh
factory per call, so they give the same value on every call for the same seed.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable
from datetime import timedelta
from typing import Any, cast

from faker import Faker

from ._api.catalog import InvalidPayload, InvalidRunId, invalid_run_ids, invalid_update_run_payloads
from ._api.models import Mission, MissionRun, RunStatus, RunStatusName
from ._state.seeding import make_mission, make_run

__all__ = [
    "UPDATE_RUN_FIELDS",
    "Factory",
    "InvalidPayload",
    "InvalidRunId",
    "invalid_run_ids",
    "invalid_update_run_payloads",
    "mission_data",
    "run_data",
    "seed_for_test",
    "update_run_payload",
]

DEFAULT_SEED = 0
UPDATE_RUN_FIELDS: tuple[str, ...] = (
    "status",
    "result_summary",
    "result_payload",
    "error",
    "metadata",
)
_STATUSES = tuple(status.value for status in RunStatus)
# How often each status shows up in a default payload: progress and outcomes are what workers
# report most; a worker rarely moves a run back to pending.
_STATUS_WEIGHTS = OrderedDict(
    running=0.35, succeeded=0.25, failed=0.15, paused=0.1, cancelled=0.1, pending=0.05
)
_ERRORS = (
    "Timeout: the CRM did not answer within 30 s",
    "HTTP 502 from the billing API",
    "Quota exceeded for the model provider",
    "Customer record not found",
    "Tool call rejected: missing permission 'calendar.write'",
)
_STEPS = ("fetch_records", "classify", "draft_reply", "call_customer", "update_crm", "summarise")


class Factory:
    """Deterministic, realistic Missions data from one seed; make as many as you like."""

    def __init__(self, seed: int = DEFAULT_SEED) -> None:
        self.seed = seed
        self._faker = Faker()
        self._faker.seed_instance(seed)

    def update_run_payload(
        self, *, fields: Iterable[str] | None = None, **overrides: Any
    ) -> dict[str, Any]:
        """A valid ``PATCH .../runs/{run_id}`` body whose fields make sense together.

        By default a realistic subset for a random status (``error`` only with ``failed``, a
        result with ``succeeded``...). ``fields`` picks exactly which generated keys appear;
        ``overrides`` win, and their keys always appear.
        """
        wanted = None if fields is None else _known_fields(fields)
        fake = self._faker
        status = overrides.get("status")
        if status not in _STATUSES:
            status = _pick_status(fake, wanted)
        if wanted is None:
            wanted = _default_fields(fake, status)
        payload = {
            name: _field_value(fake, name, status) for name in UPDATE_RUN_FIELDS if name in wanted
        }
        payload.update(overrides)
        return payload

    def run_data(self, **overrides: Any) -> dict[str, Any]:
        """A run as the API returns it (``MissionRunData``, JSON-ready); overrides win."""
        _check_keys(MissionRun, overrides)
        fake = self._faker
        status = overrides.get("status")
        if status not in _STATUSES:
            status = fake.random_element(_STATUSES)
        run = make_run(fake, make_mission(fake), cast(RunStatusName, status))
        merged = {**run.model_dump(), **overrides}
        return MissionRun.model_validate(merged).model_dump(mode="json")

    def mission_data(self, **overrides: Any) -> dict[str, Any]:
        """A mission as the API returns it (``MissionData``, JSON-ready); overrides win."""
        _check_keys(Mission, overrides)
        mission = make_mission(self._faker)
        if "updated_at" not in overrides:
            later = mission.created_at + timedelta(minutes=self._faker.random_int(0, 600))
            mission = mission.model_copy(update={"updated_at": later})
        merged = {**mission.model_dump(), **overrides}
        return Mission.model_validate(merged).model_dump(mode="json")

    def invalid_update_run_payloads(self) -> list[InvalidPayload]:
        """The catalog of invalid bodies (the same for every seed: see the module function)."""
        return invalid_update_run_payloads()

    def invalid_run_ids(self) -> list[InvalidRunId]:
        """Malformed run ids with their 422 (the same for every seed)."""
        return invalid_run_ids()

    def __repr__(self) -> str:
        return f"Factory(seed={self.seed})"


def update_run_payload(
    *, seed: int = DEFAULT_SEED, fields: Iterable[str] | None = None, **overrides: Any
) -> dict[str, Any]:
    """:meth:`Factory.update_run_payload` of a fresh ``Factory(seed)``."""
    return Factory(seed).update_run_payload(fields=fields, **overrides)


def run_data(*, seed: int = DEFAULT_SEED, **overrides: Any) -> dict[str, Any]:
    """:meth:`Factory.run_data` of a fresh ``Factory(seed)``."""
    return Factory(seed).run_data(**overrides)


def mission_data(*, seed: int = DEFAULT_SEED, **overrides: Any) -> dict[str, Any]:
    """:meth:`Factory.mission_data` of a fresh ``Factory(seed)``."""
    return Factory(seed).mission_data(**overrides)


def seed_for_test(node_id: str, session_seed: object = None) -> int:
    """A seed stable across runs of the test ``node_id`` and different between tests.

    ``session_seed`` (pytest-randomly's ``--randomly-seed``) is mixed in when given, so that
    replaying a session with the same seed replays the same data.
    """
    text = node_id if session_seed is None else f"{session_seed}:{node_id}"
    # Not hash(): it is salted per process, and the seed must survive a rerun.
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def _known_fields(fields: Iterable[str]) -> set[str]:
    wanted = set([fields] if isinstance(fields, str) else fields)
    unknown = wanted - set(UPDATE_RUN_FIELDS)
    if unknown:
        raise ValueError(
            f"unknown update_run fields {sorted(unknown)}; known: {list(UPDATE_RUN_FIELDS)}"
        )
    return wanted


def _check_keys(model: type[MissionRun] | type[Mission], overrides: dict[str, Any]) -> None:
    unknown = set(overrides) - set(model.model_fields)
    if unknown:
        raise ValueError(
            f"unknown {model.__name__} fields {sorted(unknown)}; known: {list(model.model_fields)}"
        )


def _pick_status(fake: Faker, wanted: set[str] | None) -> str:
    if wanted is not None and "error" in wanted:
        return "failed"
    if wanted is not None and "result_payload" in wanted:
        return str(fake.random_element(("succeeded", "failed")))
    return str(fake.random_element(_STATUS_WEIGHTS))


def _default_fields(fake: Faker, status: str) -> set[str]:
    """The keys a worker would send together when reporting ``status``."""
    chosen = {"status"}
    if status == "succeeded":
        chosen |= {"result_summary", "result_payload"}
    elif status == "failed":
        chosen.add("error")
        if fake.boolean(chance_of_getting_true=50):
            chosen.add("result_summary")
    elif status in {"paused", "cancelled"} and fake.boolean(chance_of_getting_true=70):
        chosen.add("result_summary")
    if fake.boolean(chance_of_getting_true=60 if status == "running" else 30):
        chosen.add("metadata")
    return chosen


def _field_value(fake: Faker, name: str, status: str) -> Any:
    if name == "status":
        return status
    if name == "error":
        return f"{fake.random_element(_ERRORS)} (step {fake.random_element(_STEPS)})"
    if name == "result_summary":
        return _summary(fake, status)
    if name == "result_payload":
        payload: dict[str, Any] = {
            "records_processed": fake.random_int(1, 500),
            "report_url": fake.url() + "reports/" + fake.slug(),
        }
        if status == "failed":
            payload["records_failed"] = fake.random_int(1, 20)
        return payload
    steps = fake.random_int(2, len(_STEPS))
    return {
        "agent": fake.user_name(),
        "step": fake.random_element(_STEPS[:steps]),
        "progress": {"done": fake.random_int(0, steps), "total": steps},
        "trace_id": fake.hexify("^" * 32),
    }


def _summary(fake: Faker, status: str) -> str:
    count = fake.random_int(1, 500)
    if status == "succeeded":
        return f"Processed {count} records for {fake.company()}."
    if status == "failed":
        return f"Stopped after {count} records."
    if status == "paused":
        return f"Waiting for approval from {fake.name()}."
    if status == "cancelled":
        return f"Cancelled by {fake.name()}."
    return f"Working on {fake.random_element(_STEPS).replace('_', ' ')}: {count} records so far."
