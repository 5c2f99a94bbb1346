"""Schemathesis over the shipped spec, against the fake's WSGI app in-process (no socket).

Every operation is sent generated requests that fit the spec (for ids that exist, and for ids that
do not) and requests that do not fit it. Every answer must be a clean HTTP response: no 5xx, a
status the spec declares for the operation, the declared content type and headers, a body the
spec's response schema accepts, and invalid requests rejected. The only exceptions are the
findings that come from the spec itself (README, "Schema checks"), allowed here and nowhere
else; ``test_known_spec_findings_are_exact`` keeps that allow-list exact.

Hypothesis runs derandomized with no example database, so CI sees the same cases on every run.
"""

from __future__ import annotations

import copy
from importlib import resources
from typing import Any

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, given, settings
from pydantic import TypeAdapter, ValidationError
from schemathesis import GenerationMode
from schemathesis.checks import CheckContext
from schemathesis.core.transport import Response
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import positive_data_acceptance
from werkzeug.test import Client

from pytest_telnyx_missions import FakeMissions
from pytest_telnyx_missions._api import models as _models

SPEC: dict[str, Any] = yaml.safe_load(
    (resources.files("pytest_telnyx_missions") / "spec" / "missions.openapi.yaml").read_text(
        encoding="utf-8"
    )
)
OPERATIONS: dict[str, dict[str, Any]] = {
    operation["operationId"]: operation
    for item in SPEC["paths"].values()
    for method, operation in item.items()
    if method != "parameters"
}
API_KEY = "k"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
EXAMPLES = 4  # per operation and scenario: 4 x (41 + 41 + 41) = 492 requests

# -- the spec's own findings ------------------------------------------------------------------
# 1. Optional fields that the spec declares non-nullable (a plain `type: string`, `type: object`,
#    `format: date-time` or `$ref`), but that the service's models declare `X | None`: the service
#    answers `null` for one that is unset (the official SDK's models declare each of the response
#    fields `Optional[...] = None`), and accepts `null` in a request (to clear a field, or as
#    "not given"). The fake does both, as the service does.
KNOWN_NULLABLE: dict[str, frozenset[str]] = {
    # answered as null when unset
    "MissionData": frozenset({"description", "model", "instructions", "metadata"}),
    "MissionRunData": frozenset(
        {"finished_at", "result_summary", "result_payload", "error", "metadata"}
    ),
    "EventData": frozenset({"step_id", "agent_id", "payload", "idempotency_key"}),
    "PlanStepData": frozenset({"parent_step_id", "started_at", "completed_at", "metadata"}),
    # accepted as null in a request
    "CreateMissionRequest": frozenset({"description", "model", "instructions", "metadata"}),
    "UpdateMissionRequest": frozenset(
        {"name", "description", "model", "instructions", "execution_mode", "metadata"}
    ),
    "CreateMissionRunRequest": frozenset({"input", "metadata"}),
    "UpdateMissionRunRequest": frozenset(
        {"status", "result_summary", "result_payload", "error", "metadata"}
    ),
    "CreateEventRequest": frozenset({"step_id", "agent_id", "payload", "idempotency_key"}),
    "CreatePlanStepRequest": frozenset({"parent_step_id", "metadata"}),
    "UpdatePlanStepRequest": frozenset({"status", "metadata"}),
}
RESPONSE_SCHEMAS = ("MissionData", "MissionRunData", "EventData", "PlanStepData")
# 2. A JSON body that is not UTF-8 gets FastAPI's 400 (not a 422), which the spec does not
#    declare: allowed with exactly this body, for the operations that take a body.
UNPARSABLE_BODY = {"detail": "There was an error parsing the body"}
UNPARSABLE_BODY_RESPONSE = {
    "description": "The body is not UTF-8 (FastAPI's answer, not in the published spec)",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["detail"],
                "properties": {"detail": {"const": UNPARSABLE_BODY["detail"]}},
                "additionalProperties": False,
            }
        }
    },
}


# 3. A rule that a JSON schema cannot state: a step id is unique in its run, so a plan or steps
#    that repeat one, or reuse one the run has, get a 422 (README, "Plans"). A valid request may
#    get that 422, and only that one, instead of a 2xx.
def _valid_data_accepted(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
    """Schemathesis's `positive_data_acceptance`, except for a step id used twice in a run."""
    errors = response.json().get("detail") if response.status_code == 422 else None
    if (
        isinstance(errors, list)
        and errors
        and all(
            error.get("type") == "value_error" and "is already used in run" in error.get("msg", "")
            for error in errors
        )
    ):
        return None
    return positive_data_acceptance(ctx, response, case)


def _spec_with_known_findings() -> dict[str, Any]:
    spec = copy.deepcopy(SPEC)
    schemas = spec["components"]["schemas"]
    for schema_name, fields in KNOWN_NULLABLE.items():
        properties = schemas[schema_name]["properties"]
        for field in fields:
            properties[field] = {"anyOf": [properties[field], {"type": "null"}]}
    for item in spec["paths"].values():
        for operation in item.values():
            if "requestBody" in operation:
                operation["responses"].setdefault("400", UNPARSABLE_BODY_RESPONSE)
    return spec


# -- what is generated and checked ------------------------------------------------------------
def _config(*, negate_the_key: bool) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "auth": {"openapi": {"bearerAuth": {"bearer": API_KEY}}},
            "checks": {
                # The fake accepts any bearer token (it cannot know the real keys): by design,
                # not a finding. A missing key is a 401, which the invalid cases check.
                "ignored_auth": {"enabled": False},
            },
            "generation": {
                # FastAPI, behind the real service, ignores query parameters it does not know,
                # and so does the fake: an unknown one does not make a request invalid.
                "allow-extra-parameters": False,
                # Invalid requests send the key, so that they reach validation instead of
                # stopping at the 401, except where the key is all there is to get wrong.
                "with-security-parameters": negate_the_key,
            },
        }
    )


def _has_input_to_get_wrong(operation: dict[str, Any]) -> bool:
    """A body, a query parameter or a UUID in the path: the ids of the knowledge-base, MCP-server
    and tool paths are plain strings, so those operations have nothing but the key to get wrong."""
    parameters = operation.get("parameters", [])
    return (
        "requestBody" in operation
        or any(parameter["in"] == "query" for parameter in parameters)
        or any(parameter["schema"].get("format") == "uuid" for parameter in parameters)
    )


# scenario: (generation mode, auto_create). With auto_create every id the path accepts exists,
# so valid requests reach the handlers; without it, they meet the seeded data and mostly 404.
SCENARIOS: dict[str, tuple[str, bool]] = {
    "valid": ("positive", True),
    "unknown-ids": ("positive", False),
    "invalid": ("negative", True),
}


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_generated_requests_get_declared_clean_answers(operation_id: str, scenario: str) -> None:
    mode_name, auto_create = SCENARIOS[scenario]
    mode = GenerationMode(mode_name)
    negate_the_key = mode_name == "negative" and not _has_input_to_get_wrong(
        OPERATIONS[operation_id]
    )
    fake = FakeMissions(auto_create=auto_create)
    schema = schemathesis.openapi.from_dict(
        _spec_with_known_findings(), config=_config(negate_the_key=negate_the_key)
    )
    schema.app = fake.wsgi_app()
    operation = schema.find_operation_by_id(operation_id)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def answers_cleanly(case: Case[Any]) -> None:
        case.call_and_validate(  # raises, naming each failed check and a curl to reproduce
            excluded_checks=[positive_data_acceptance], additional_checks=[_valid_data_accepted]
        )

    answers_cleanly()

    assert len(fake.requests) >= EXAMPLES, "the generated requests did not all reach the fake"
    server_errors = [
        f"{request.method} {request.path}: {request.status_code}"
        for request in fake.requests
        if request.status_code >= 500
    ]
    assert server_errors == []
    fake.check(unhandled=False)  # no exception inside the fake


def _accepts_null(annotation: Any) -> bool:
    try:
        TypeAdapter(annotation).validate_python(None)
    except ValidationError:
        return False
    return True


def test_known_spec_findings_are_exact() -> None:
    """Each allowed deviation is one the shipped spec refuses and the fake makes."""
    schemas = SPEC["components"]["schemas"]
    for schema_name, fields in KNOWN_NULLABLE.items():
        for field in fields:
            declared = schemas[schema_name]["properties"][field]
            assert "null" not in str(declared), (schema_name, field)

    # Requests: exactly the listed fields of each request body accept null.
    request_schemas = {name for name in schemas if name.endswith("Request")}
    for schema_name in request_schemas:
        model = getattr(_models, schema_name)
        assert set(model.model_fields) == set(schemas[schema_name]["properties"]), schema_name
        accepting_null = {
            name for name, info in model.model_fields.items() if _accepts_null(info.annotation)
        }
        assert accepting_null == KNOWN_NULLABLE.get(schema_name, frozenset()), schema_name

    # Answers: exactly the listed fields of each object are null when nothing set them.
    client = Client(FakeMissions(runs=0, missions=0).wsgi_app())

    def created(path: str, body: dict[str, Any]) -> Any:
        response = client.post("/v2/ai/missions" + path, json=body, headers=AUTH)
        assert response.status_code == 201, response.get_data(as_text=True)
        return response.get_json()["data"]

    mission = created("", {"name": "minimal"})
    run = created(f"/{mission['mission_id']}/runs", {})
    run_path = f"/{mission['mission_id']}/runs/{run['run_id']}"
    event = created(run_path + "/events", {"type": "custom", "summary": "s"})
    [step] = created(
        run_path + "/plan", {"steps": [{"step_id": "a", "description": "d", "sequence": 1}]}
    )
    answered_null = {
        name: frozenset(key for key, value in data.items() if value is None)
        for name, data in zip(RESPONSE_SCHEMAS, [mission, run, event, step], strict=True)
    }
    assert answered_null == {name: KNOWN_NULLABLE[name] for name in RESPONSE_SCHEMAS}

    # The 400: every operation with a body answers it to bytes that are not UTF-8.
    ids = {"mission_id": mission["mission_id"], "run_id": run["run_id"], "step_id": "a"}
    with_body = [
        (path, method, operation)
        for path, item in SPEC["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
    ]
    assert len(with_body) == 9
    for path, method, operation in with_body:
        assert "400" not in operation["responses"], (method, path)
        response = client.open(
            "/v2" + path.format(**ids),
            method=method.upper(),
            data=b"\xf3\xab",
            headers={**AUTH, "Content-Type": "application/json"},
        )
        assert (response.status_code, response.get_json()) == (400, UNPARSABLE_BODY), path
