"""Valid payloads and resources: accepted by the oracle and the fake, deterministic per seed."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from faker import Faker

from pytest_telnyx_missions import FakeMissions, Mission, MissionRun
from pytest_telnyx_missions.factories import (
    UPDATE_RUN_FIELDS,
    Factory,
    mission_data,
    run_data,
    seed_for_test,
    update_run_payload,
)

from .oracle import Oracle

SEEDS = range(5)
PER_SEED = 12
JSON_HEADERS = {"content-type": "application/json"}


def payloads(seed: int, count: int = PER_SEED) -> list[dict[str, Any]]:
    factory = Factory(seed)
    return [factory.update_run_payload() for _ in range(count)]


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


@pytest.mark.parametrize("seed", SEEDS)
def test_valid_payloads_are_accepted_by_the_oracle_and_the_fake(
    seed: int, oracle: Oracle, telnyx_missions: FakeMissions, http: httpx.Client
) -> None:
    run = telnyx_missions.runs[0]
    url = f"{telnyx_missions.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}"
    headers = {**JSON_HEADERS, "Authorization": f"Bearer {telnyx_missions.api_key}"}
    factory = Factory(seed)
    made = payloads(seed) + [
        factory.update_run_payload(fields=fields)
        for fields in ([], ["error"], ["result_payload"], UPDATE_RUN_FIELDS)
    ]

    for payload in made:
        body = json.dumps(payload).encode()
        assert oracle.send(
            "PATCH", f"/v2/ai/missions/{run.mission_id}/runs/{run.run_id}", body, JSON_HEADERS
        ) == (200, {"data": payload})

        response = http.patch(url, content=body, headers=headers)

        assert response.status_code == 200, response.text
        stored = response.json()["data"]
        assert {key: stored[key] for key in payload} == payload
    assert [u.fields for u in telnyx_missions.run_updates(run.run_id)] == made


def test_same_seed_same_payloads_other_seed_other_payloads() -> None:
    assert payloads(3) == payloads(3)
    assert payloads(3) != payloads(4)
    assert update_run_payload(seed=9) == update_run_payload(seed=9)
    assert run_data(seed=1) == run_data(seed=1) != run_data(seed=2)
    assert mission_data(seed=1) == mission_data(seed=1) != mission_data(seed=2)


def test_factories_share_no_state() -> None:
    first, second = Factory(5), Factory(5)
    from_first, from_second = [], []

    for _ in range(3):
        from_first.append(first.update_run_payload())
        # What pytest-randomly does before every test, and another factory's work in between.
        random.seed(123)
        Faker.seed(123)
        Factory(5).run_data()
        from_second.append(second.update_run_payload())

    assert from_first == from_second == payloads(5, 3)


def test_defaults_make_sense_together() -> None:
    made = [p for seed in range(20) for p in payloads(seed, 10)]

    statuses = {p.get("status") for p in made}
    assert statuses == {"pending", "running", "paused", "succeeded", "failed", "cancelled"}
    assert all(p["status"] == "failed" for p in made if "error" in p)
    assert all("error" in p for p in made if p["status"] == "failed")
    assert all("result_payload" in p for p in made if p["status"] == "succeeded")
    assert all(set(p) <= set(UPDATE_RUN_FIELDS) for p in made)
    assert len({json.dumps(p, sort_keys=True) for p in made}) > 150


def test_overrides_win_and_shape_the_rest() -> None:
    factory = Factory(1)

    failed = factory.update_run_payload(status="failed")
    custom = factory.update_run_payload(status="succeeded", result_summary="All done")
    extra = factory.update_run_payload(unknown_field=1)

    assert failed["status"] == "failed"
    assert isinstance(failed["error"], str)
    assert failed["error"]
    assert custom["result_summary"] == "All done"
    assert "result_payload" in custom
    assert extra["unknown_field"] == 1


def test_fields_picks_exactly_the_keys() -> None:
    factory = Factory(2)

    assert factory.update_run_payload(fields=[]) == {}
    assert list(factory.update_run_payload(fields=["metadata"])) == ["metadata"]
    assert set(factory.update_run_payload(fields=UPDATE_RUN_FIELDS)) == set(UPDATE_RUN_FIELDS)
    assert factory.update_run_payload(fields=["status", "error"])["status"] == "failed"
    assert factory.update_run_payload(fields=["status"], status="paused") == {"status": "paused"}
    assert set(factory.update_run_payload(fields=["status"], error="boom")) == {"status", "error"}
    with pytest.raises(ValueError, match=r"unknown update_run fields \['stauts'\]"):
        factory.update_run_payload(fields=["stauts"])


def test_resources_look_like_what_the_server_returns(telnyx_missions: FakeMissions) -> None:
    factory = Factory(4)
    served = telnyx_missions.runs[0].model_dump(mode="json")

    run = factory.run_data(status="failed")
    mission = factory.mission_data(name="Invoice chaser")
    linked = factory.run_data(mission_id=mission["mission_id"], status="succeeded")

    assert set(run) == set(served)
    assert MissionRun.model_validate(run).model_dump(mode="json") == run
    assert run["status"] == "failed"
    assert run["error"]
    assert run["finished_at"] is not None
    assert Mission.model_validate(mission).model_dump(mode="json") == mission
    assert mission["name"] == "Invoice chaser"
    assert linked["mission_id"] == mission["mission_id"]
    assert linked["result_payload"]
    with pytest.raises(ValueError, match="unknown MissionRun fields"):
        factory.run_data(colour="red")


def test_seed_for_test_is_stable_and_mixes_in_the_session_seed() -> None:
    assert seed_for_test("tests/a.py::test_x") == seed_for_test("tests/a.py::test_x")
    assert seed_for_test("tests/a.py::test_x") != seed_for_test("tests/a.py::test_y")
    assert seed_for_test("tests/a.py::test_x", 1) != seed_for_test("tests/a.py::test_x", 2)
    assert seed_for_test("tests/a.py::test_x", 1) != seed_for_test("tests/a.py::test_x")
