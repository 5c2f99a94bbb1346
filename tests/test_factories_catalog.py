"""The invalid catalog, judged by the FastAPI oracle, and answered the same way by the fake."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pytest_telnyx_missions import FakeMissions
from pytest_telnyx_missions.factories import (
    InvalidPayload,
    InvalidRunId,
    invalid_run_ids,
    invalid_update_run_payloads,
)

from .oracle import Oracle

CATALOG = invalid_update_run_payloads()
BAD_IDS = invalid_run_ids()
ORACLE_MISSION = "0b7f1c2e-4a5d-4e6f-8a9b-0c1d2e3f4a5b"
ORACLE_RUN = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"
STATUSES = {"pending", "running", "paused", "succeeded", "failed", "cancelled"}
JSON_TYPES = ("string", "number", "bool", "list", "object")
RIGHT_TYPE = {
    "status": "string",
    "result_summary": "string",
    "error": "string",
    "result_payload": "object",
    "metadata": "object",
}


def json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    names: dict[type, str] = {str: "string", list: "list", dict: "object"}
    return names.get(type(value), "null")


def parsed(case: InvalidPayload) -> Any:
    """The body as JSON, or a marker when it is not JSON at all."""
    try:
        return json.loads(case.body) if case.body is not None else "<no body>"
    except ValueError:
        return "<not JSON>"


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    # One client: building one per request (httpx.patch) costs tens of ms for its SSL context.
    with httpx.Client() as client:
        yield client


def auth(fake: FakeMissions) -> dict[str, str]:
    return {"Authorization": f"Bearer {fake.api_key}"}


@pytest.mark.parametrize("case", CATALOG)
def test_oracle_answers_exactly_what_the_catalog_says(case: InvalidPayload, oracle: Oracle) -> None:
    path = f"/v2/ai/missions/{ORACLE_MISSION}/runs/{ORACLE_RUN}"

    answer = oracle.send("PATCH", path, case.body, case.headers)

    assert answer == (case.expected_status, case.expected_body)


@pytest.mark.parametrize("case", CATALOG)
def test_fake_answers_exactly_what_the_catalog_says_for_any_run(
    case: InvalidPayload, telnyx_missions: FakeMissions, http: httpx.Client
) -> None:
    # Two runs of different missions: a case must not depend on the ids it is sent to.
    telnyx_missions.add_mission(mission_id=ORACLE_MISSION)
    targets = [telnyx_missions.runs[0], telnyx_missions.add_run(mission_id=ORACLE_MISSION)]
    for run in targets:
        url = f"{telnyx_missions.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}"

        response = http.patch(
            url, content=case.body, headers={**case.headers, **auth(telnyx_missions)}
        )

        assert (response.status_code, response.json()) == (
            case.expected_status,
            case.expected_body,
        )
        assert telnyx_missions.get_run(run.run_id) == run, "a rejected update changed the run"
    assert [u.applied for u in telnyx_missions.run_updates()] == [False, False]


@pytest.mark.parametrize("case", BAD_IDS)
def test_bad_run_ids_get_the_oracles_422(
    case: InvalidRunId, oracle: Oracle, telnyx_missions: FakeMissions, http: httpx.Client
) -> None:
    body, headers = b'{"status": "running"}', {"content-type": "application/json"}
    expected = (case.expected_status, case.expected_body)
    mission_id = telnyx_missions.runs[0].mission_id
    fake_url = f"{telnyx_missions.base_url}/ai/missions/{mission_id}/runs/{case.run_id}"

    from_oracle = oracle.send(
        "PATCH", f"/v2/ai/missions/{ORACLE_MISSION}/runs/{case.run_id}", body, headers
    )
    patched = http.patch(fake_url, content=body, headers={**headers, **auth(telnyx_missions)})
    fetched = http.get(fake_url, headers=auth(telnyx_missions))

    assert from_oracle == expected
    assert (patched.status_code, patched.json()) == expected
    assert (fetched.status_code, fetched.json()) == expected


def test_catalog_is_big_with_unique_readable_ids() -> None:
    ids = [case.id for case in CATALOG]

    assert len(CATALOG) >= 40
    assert len(set(ids)) == len(ids)
    assert all(case_id.replace("-", "").replace("_", "").isalnum() for case_id in ids)
    assert len({case.id for case in BAD_IDS}) == len(BAD_IDS) >= 10


@pytest.mark.parametrize("field", list(RIGHT_TYPE))
def test_every_field_gets_every_wrong_json_type(field: str) -> None:
    sent = [
        json_type(parsed(case)[field])
        for case in CATALOG
        if isinstance(parsed(case), dict) and list(parsed(case)) == [field]
    ]

    assert set(JSON_TYPES) - {RIGHT_TYPE[field]} <= set(sent)


def test_status_near_misses_cover_casing_whitespace_and_unknown_values() -> None:
    values = [
        parsed(case)["status"]
        for case in CATALOG
        if isinstance(parsed(case), dict)
        and list(parsed(case)) == ["status"]
        and isinstance(parsed(case)["status"], str)
    ]

    casing = [v for v in values if v.lower() in STATUSES and v not in STATUSES]
    spaced = [v for v in values if v.strip() in STATUSES and v != v.strip()]
    unknown = [v for v in values if v.strip().lower() not in STATUSES]
    assert len(casing) >= 2
    assert len(spaced) >= 1
    assert {"canceled", ""} <= set(unknown)


def test_malformed_json_and_odd_bodies_are_all_there() -> None:
    by_id = {case.id: case for case in CATALOG}
    json_errors = {c.id for c in CATALOG if "'json_invalid'" in repr(c.expected_body)}
    shapes = {json_type(parsed(c)) for c in CATALOG if not isinstance(parsed(c), dict)}
    content_types = {c.headers.get("content-type", "").split(";")[0] for c in CATALOG}

    assert {
        "json-truncated",
        "json-trailing-comma",
        "json-single-quotes",
        "json-trailing-garbage",
    } <= json_errors
    assert {"list", "string", "number", "bool"} <= shapes
    assert by_id["body-true"].body == b"true"
    assert by_id["body-null"].body == b"null"
    assert by_id["no-body"].body is None
    assert by_id["no-body-no-content-type"].headers == {}
    assert {c.id for c in CATALOG if c.expected_status == 400} == {
        c.id for c in CATALOG if parsed(c) == "<not JSON>" and not _utf8(c.body)
    }
    assert len([c for c in CATALOG if c.expected_status == 400]) >= 2
    assert {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data"} <= (
        content_types
    )


def test_cases_are_fresh_objects_on_every_call() -> None:
    first, second = invalid_update_run_payloads(), invalid_update_run_payloads()
    first[0].headers["content-type"] = "text/plain"

    assert second[0].headers == {"content-type": "application/json"}
    assert second == invalid_update_run_payloads()


def _utf8(raw: bytes | None) -> bool:
    try:
        (raw or b"").decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
