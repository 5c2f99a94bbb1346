"""The catalog of requests the real API rejects, each with the exact answer it gets.

Answers of JSON values and non-JSON bodies are computed by validating against the fake's models
with the same shaping code FastAPI's answers are matched with (so they follow the installed
pydantic); the JSON parse errors are written out. The test suite sends every case to a FastAPI
0.128.0 app built from the spec and to the fake, and compares both answers with the catalog's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from .errors import (
    BODY_PARSE_ERROR,
    json_invalid_error,
    missing_error,
    pydantic_errors,
    validation_error,
)
from .models import UUID_ADAPTER, UpdateMissionRunRequest

__all__ = ["InvalidPayload", "InvalidRunId", "invalid_run_ids", "invalid_update_run_payloads"]

_JSON = "application/json"

# Wrong JSON types per field: each value is one a buggy client plausibly sends.
_WRONG_TYPES: dict[str, dict[str, Any]] = {
    "status": {
        "int": 2,
        "float": 1.0,
        "bool": True,
        "list": ["running"],
        "object": {"value": "running"},
    },
    "result_summary": {
        "int": 42,
        "float": 0.97,
        "bool": False,
        "list": ["Reconciled 42 invoices", "3 flagged"],
        "object": {"text": "Reconciled 42 invoices"},
    },
    "result_payload": {
        "string": '{"records_processed": 42}',
        "int": 42,
        "float": 42.5,
        "bool": True,
        "list": [{"records_processed": 42}],
    },
    "error": {
        "int": 502,
        "float": 502.0,
        "bool": True,
        "list": ["Timeout", "Retry budget exhausted"],
        "object": {"code": "timeout", "message": "CRM did not answer in 30 s"},
    },
    "metadata": {
        "string": "team=billing",
        "int": 1,
        "float": 0.5,
        "bool": False,
        "list": [{"team": "billing"}],
    },
}
_STATUS_NEAR_MISSES = {
    "casing-RUNNING": "RUNNING",
    "casing-Succeeded": "Succeeded",
    "casing-FAILED": "FAILED",
    "leading-space": " running",
    "trailing-space": "paused ",
    "unknown-done": "done",
    "unknown-completed": "completed",
    "unknown-canceled": "canceled",
    "unknown-error": "error",
    "unknown-in_progress": "in_progress",
    "empty-string": "",
}

# (id, raw body, what json.loads reports, where); FastAPI answers with the offset and the message.
_MALFORMED_JSON: tuple[tuple[str, bytes, str, int], ...] = (
    ("json-truncated", b'{"status": "running"', "Expecting ',' delimiter", 20),
    ("json-truncated-string", b'{"status": "runn', "Unterminated string starting at", 11),
    (
        "json-trailing-comma",
        b'{"status": "running",}',
        "Expecting property name enclosed in double quotes",
        21,
    ),
    (
        "json-single-quotes",
        b"{'status': 'running'}",
        "Expecting property name enclosed in double quotes",
        1,
    ),
    ("json-trailing-garbage", b'{"status": "running"} x', "Extra data", 22),
    ("json-two-objects", b'{"status": "running"}{"status": "failed"}', "Extra data", 21),
    (
        "json-unquoted-key",
        b'{status: "running"}',
        "Expecting property name enclosed in double quotes",
        1,
    ),
    ("json-python-none", b'{"status": "failed", "error": None}', "Expecting value", 30),
    ("json-comment", b'{"status": "running"} // progress', "Extra data", 22),
    ("json-whitespace-only", b"  ", "Expecting value", 2),
)
_NON_OBJECTS: tuple[tuple[str, Any], ...] = (
    ("body-empty-list", []),
    ("body-list-of-objects", [{"status": "running"}]),
    ("body-string", "running"),
    ("body-int", 42),
    ("body-true", True),
    ("body-false", False),
)
_NOT_UTF8: tuple[tuple[str, bytes], ...] = (
    ("json-latin-1", '{"result_summary": "Café orders reconciled"}'.encode("latin-1")),
    ("json-cp1252-quotes", '{"error": "“CRM” timed out"}'.encode("cp1252")),
    ("json-lone-0xff", b'{"status": "running"}\xff'),
)
_FORM_BOUNDARY = "telnyx-missions-boundary"
_NOT_JSON: tuple[tuple[str, bytes, str], ...] = (
    ("text-plain", b'{"status": "succeeded"}', "text/plain"),
    ("text-json", b'{"status": "succeeded"}', "text/json"),
    (
        "form-urlencoded",
        b"status=succeeded&result_summary=Reconciled+42+invoices",
        "application/x-www-form-urlencoded",
    ),
    (
        "form-multipart",
        (
            f'--{_FORM_BOUNDARY}\r\nContent-Disposition: form-data; name="status"\r\n\r\n'
            f"succeeded\r\n--{_FORM_BOUNDARY}--\r\n"
        ).encode(),
        f"multipart/form-data; boundary={_FORM_BOUNDARY}",
    ),
    ("xml", b"<run><status>succeeded</status></run>", "application/xml"),
)


@dataclass(frozen=True)
class InvalidPayload:
    """A ``PATCH .../runs/{run_id}`` request the real API rejects, and its exact answer.

    A case is independent of the path: send ``body`` with ``headers`` (plus your
    ``Authorization`` header) to any existing run; ``expected_body`` never mentions the ids.
    """

    id: str
    """A readable name, used as the test id in ``pytest.mark.parametrize``."""
    body: bytes | None
    """The raw request body; None means no body at all."""
    headers: dict[str, str]
    """The headers to send (``content-type``, or none); add your own ``Authorization``."""
    expected_status: int
    """422 for validation errors, 400 for a JSON body that is not UTF-8."""
    expected_body: dict[str, Any]
    """The full JSON body the real API answers."""


@dataclass(frozen=True)
class InvalidRunId:
    """A malformed ``run_id`` path segment and the 422 the real API answers for it.

    ``expected_body`` holds when the mission id is a valid UUID and the body (if any) is valid,
    for ``GET`` and ``PATCH`` alike. The value is URL-safe: put it in the path as it is.
    """

    id: str
    run_id: str
    expected_status: int
    expected_body: dict[str, Any]


def invalid_update_run_payloads() -> list[InvalidPayload]:
    """Every invalid ``PATCH`` body the catalog knows (over 60), with the exact answer of each."""
    cases = [
        json_case(f"{name}-{kind}", {name: value})
        for name, values in _WRONG_TYPES.items()
        for kind, value in values.items()
    ]
    cases += [
        json_case(f"status-{name}", {"status": value})
        for name, value in _STATUS_NEAR_MISSES.items()
    ]
    cases.append(
        json_case(
            "several-fields-wrong",
            {"metadata": "team=billing", "status": "done", "error": 500, "result_summary": None},
        )
    )
    cases += [
        InvalidPayload(
            id=case_id,
            body=raw,
            headers={"content-type": _JSON},
            expected_status=422,
            expected_body=answer(
                [json_invalid_error(json.JSONDecodeError(message, raw.decode(), position))]
            ),
        )
        for case_id, raw, message, position in _MALFORMED_JSON
    ]
    cases += [json_case(case_id, value) for case_id, value in _NON_OBJECTS]
    cases += [
        InvalidPayload("body-null", b"null", {"content-type": _JSON}, 422, _missing_body()),
        InvalidPayload("no-body", None, {"content-type": _JSON}, 422, _missing_body()),
        InvalidPayload("no-body-no-content-type", None, {}, 422, _missing_body()),
    ]
    cases += [
        InvalidPayload(case_id, raw, {"content-type": _JSON}, 400, dict(BODY_PARSE_ERROR))
        for case_id, raw in _NOT_UTF8
    ]
    cases += [
        InvalidPayload(case_id, raw, {"content-type": content_type}, 422, _rejection(raw))
        for case_id, raw, content_type in _NOT_JSON
    ]
    return cases


def invalid_run_ids() -> list[InvalidRunId]:
    """Malformed ``run_id`` path segments, each with the 422 the real API answers."""
    valid = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"
    values = {
        "not-a-uuid": "not-a-uuid",
        "js-undefined": "undefined",
        "js-null": "null",
        "python-none": "None",
        "integer": "12345",
        "zero": "0",
        "one-char-short": valid[:-1],
        "one-char-long": valid + "0",
        "underscores": valid.replace("-", "_"),
        "not-hex": "zzzzzzzz" + valid[8:],
        "prefixed": "run_" + valid,
        "misplaced-hyphen": valid[:7] + "-" + valid[7] + valid[9:],
    }
    return [
        InvalidRunId(case_id, value, 422, answer(_path_errors("run_id", value)))
        for case_id, value in values.items()
    ]


def json_case(case_id: str, value: Any) -> InvalidPayload:
    return InvalidPayload(
        id=case_id,
        body=json.dumps(value).encode(),
        headers={"content-type": _JSON},
        expected_status=422,
        expected_body=_rejection(value),
    )


def _rejection(sent: Any) -> dict[str, Any]:
    """The 422 for a parsed body; FastAPI validates with ``from_attributes`` like the fake."""
    try:
        UpdateMissionRunRequest.model_validate(sent, from_attributes=True)
    except ValidationError as exc:
        return answer(pydantic_errors(exc, ("body",)))
    raise ValueError(f"the catalog holds a body the API accepts: {sent!r}")


def _path_errors(name: str, value: str) -> list[dict[str, Any]]:
    try:
        UUID_ADAPTER.validate_python(value)
    except ValidationError as exc:
        return pydantic_errors(exc, ("path", name))
    raise ValueError(f"the catalog holds a valid UUID: {value!r}")


def _missing_body() -> dict[str, Any]:
    return answer([missing_error(("body",))])


def answer(errors: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    body: dict[str, Any] = validation_error(errors).body
    return body
