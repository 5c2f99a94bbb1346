"""The fake's models and answers agree with the published spec shipped in the package."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import httpx
import yaml

from pytest_telnyx_missions import FakeMissions, MissionRun, RunStatus
from pytest_telnyx_missions._api.models import UpdateMissionRunRequest

from .helpers import doc_section

SPEC: dict[str, Any] = yaml.safe_load(
    files("pytest_telnyx_missions").joinpath("spec/missions.openapi.yaml").read_text("utf-8")
)
SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]
JSON_TYPES = {"string": str, "object": dict, "integer": int, "array": list}


def test_run_status_enum_matches() -> None:
    assert [s.value for s in RunStatus] == SCHEMAS["RunStatus"]["enum"]


def test_update_request_fields_match_and_are_all_optional() -> None:
    spec = SCHEMAS["UpdateMissionRunRequest"]
    assert set(UpdateMissionRunRequest.model_fields) == set(spec["properties"])
    assert "required" not in spec
    assert all(not f.is_required() for f in UpdateMissionRunRequest.model_fields.values())


def test_run_fields_and_required_match() -> None:
    spec = SCHEMAS["MissionRunData"]
    assert set(MissionRun.model_fields) == set(spec["properties"])
    required = {name for name, f in MissionRun.model_fields.items() if f.is_required()}
    assert required == set(spec["required"])


def test_patch_answer_conforms_to_mission_run_response() -> None:
    with FakeMissions() as fake:
        run = fake.runs[0]
        response = httpx.patch(
            f"{fake.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}",
            json={"status": "succeeded", "result_payload": {"n": 1}},
            headers={"authorization": "Bearer k"},
        )
    body = response.json()
    assert set(body) == {"data"}
    data = body["data"]
    spec = SCHEMAS["MissionRunData"]
    assert set(spec["required"]) <= set(data)
    for name, value in data.items():
        prop = spec["properties"][name]
        if value is None:
            assert name not in spec["required"]
            continue
        if "$ref" in prop:
            assert value in SCHEMAS[prop["$ref"].rsplit("/", 1)[1]]["enum"]
        else:
            assert isinstance(value, JSON_TYPES[prop["type"]])


def test_update_run_operation_is_in_the_spec() -> None:
    operation = SPEC["paths"]["/ai/missions/{mission_id}/runs/{run_id}"]["patch"]
    assert operation["x-sdk-method"].endswith("runs.update")
    assert set(operation["responses"]) >= {"200", "422"}


def test_the_operations_page_lists_every_operation() -> None:
    from pytest_telnyx_missions._pipeline.routes import OPERATIONS

    page = doc_section("Operations")
    for op in OPERATIONS:
        sdk = SPEC["paths"][op.path][op.method.lower()]["x-sdk-method"].removeprefix("client.")
        row = f"| `{op.name}` | `{op.method} {op.path}` | `{sdk}` | {op.success_status} |"
        assert row in page
    rows = [line for line in page.splitlines() if line.startswith("| `")]
    assert len(rows) == len(OPERATIONS) == 41  # no row for an operation the fake does not serve
    assert f"all {len(OPERATIONS)} operations" in page


def test_answers_validate_against_the_spec_response_models(telnyx_missions: FakeMissions) -> None:
    from pytest_telnyx_missions._api.models import HTTPValidationError, MissionRunResponse

    run = telnyx_missions.runs[0]
    url = f"{telnyx_missions.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}"
    auth = {"authorization": f"Bearer {telnyx_missions.api_key}"}
    ok = httpx.patch(url, json={"status": "paused", "metadata": {"k": 1}}, headers=auth)
    bad = httpx.patch(url, json={"status": "PAUSED", "metadata": []}, headers=auth)

    assert MissionRunResponse.model_validate(ok.json()).data.status == "paused"
    detail = HTTPValidationError.model_validate(bad.json()).detail
    assert [(e.loc, e.type) for e in detail] == [
        (["body", "status"], "enum"),
        (["body", "metadata"], "dict_type"),
    ]
