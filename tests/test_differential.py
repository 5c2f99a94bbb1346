"""The fake and FastAPI 0.128.0 (the oracle) answer the same bad input with the same bytes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from pytest_telnyx_missions import FakeMissions

from .oracle import Oracle

UNKNOWN = "7b1e0c52-3c1a-4d0e-9a51-5c8e8d4b2f10"
JSON = {"content-type": "application/json"}


@dataclass(frozen=True)
class Case:
    id: str
    body: bytes | None
    headers: dict[str, str] = field(default_factory=lambda: dict(JSON))
    mission: str = "seeded"  # "seeded", "unknown", or a literal path segment
    run: str = "seeded"


def _field_cases() -> Iterator[Case]:
    wrong: dict[str, list[object]] = {
        "status": [1, 1.5, True, [], {}, "RUNNING", "Running", "done", ""],
        "result_summary": [1, 2.5, False, ["done"], {"text": "done"}],
        "result_payload": ["x", 3, True, [1, 2]],
        "error": [500, True, ["boom"], {"message": "boom"}],
        "metadata": ["x", 7, False, ["a"]],
    }
    for name, values in wrong.items():
        for value in values:
            yield Case(f"{name}={json.dumps(value)}", json.dumps({name: value}).encode())


CASES: list[Case] = [
    *_field_cases(),
    Case("many-errors", b'{"status": "x", "result_summary": 1, "metadata": [], "error": {}}'),
    Case("truncated", b'{"status": "running"'),
    Case("trailing-comma", b'{"status": "running",}'),
    Case("single-quotes", b"{'status': 'running'}"),
    Case("trailing-garbage", b'{"status": "running"} ok'),
    Case("lone-brace", b"{"),
    Case("bare-word", b"nul"),
    Case("list", b"[]"),
    Case("list-of-object", b'[{"status": "running"}]'),
    Case("string", b'"running"'),
    Case("number", b"42"),
    Case("true", b"true"),
    Case("null", b"null"),
    Case("no-body", None),
    Case("empty-body-json", b""),
    Case("no-body-no-content-type", None, {}),
    Case("json-without-content-type", b'{"status": "RUNNING"}', {}),
    Case("non-utf8-json", b'{"status": "\xe9t\xe9"}'),
    Case("utf16-bom-odd", b"\xff\xfe\xfa"),
    Case("deeply-nested", b'{"result_payload": ' + b"[" * 100_000),
    Case("text-plain", b'{"status": "running"}', {"content-type": "text/plain"}),
    Case("form", b"status=running", {"content-type": "application/x-www-form-urlencoded"}),
    Case("vendor-json-invalid", b'{"status": 3}', {"content-type": "application/vnd.api+json"}),
    Case(
        "json-charset", b'{"status": "Paused"}', {"content-type": "application/json; charset=utf-8"}
    ),
    Case("json-upper-case-type", b'{"status": "Paused"}', {"content-type": "APPLICATION/JSON"}),
    Case("bad-mission-id", b'{"status": "running"}', mission="abc"),
    Case("bad-run-id", b'{"status": "running"}', run="not-a-uuid"),
    Case("bad-ids-bad-body", b'{"status": "nope"}', mission="123", run="zzzz"),
    Case("bad-ids-no-body", None, mission="123", run="1234567890123456789012345678901234567"),
    Case("bad-ids-malformed-json", b"{", mission="x", run="y"),
    Case("unknown-ids-bad-body", b'{"result_payload": "x"}', mission="unknown", run="unknown"),
    Case("unknown-ids-non-object", b"[1]", mission="unknown", run="unknown"),
]

VALID: list[Case] = [
    Case("empty-object", b"{}"),
    Case(
        "every-field",
        json.dumps(
            {
                "status": "succeeded",
                "result_summary": "done",
                "result_payload": {"n": 1},
                "error": "",
                "metadata": {"k": "v"},
            }
        ).encode(),
    ),
    Case("nulls", b'{"status": null, "result_summary": null, "metadata": null}'),
    Case("unknown-field", b'{"colour": "blue"}'),
    Case("vendor-json", b'{"status": "paused"}', {"content-type": "application/merge-patch+json"}),
    Case("no-content-type", b'{"status": "running"}', {}),
    Case("upper-case-ids", b'{"status": "running"}', mission="UPPER", run="UPPER"),
]


def _path(case: Case, fake: FakeMissions) -> str:
    run = fake.runs[0]

    def segment(kind: str, seeded: str) -> str:
        return {"seeded": seeded, "unknown": UNKNOWN, "UPPER": seeded.upper()}.get(kind, kind)

    mission, run_id = segment(case.mission, run.mission_id), segment(case.run, run.run_id)
    return f"/v2/ai/missions/{mission}/runs/{run_id}"


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


def _both(
    case: Case, fake: FakeMissions, oracle: Oracle, http: httpx.Client
) -> tuple[httpx.Response, tuple[int, object]]:
    path = _path(case, fake)
    auth = {"authorization": f"Bearer {fake.api_key}"}
    ours = http.request(
        "PATCH", fake.url + path, content=case.body, headers={**case.headers, **auth}
    )
    return ours, oracle.send("PATCH", path, case.body, case.headers)


def test_enough_cases() -> None:
    assert len(CASES) >= 30
    assert len({case.id for case in CASES + VALID}) == len(CASES) + len(VALID)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_bad_input_answered_like_fastapi(
    case: Case, telnyx_missions: FakeMissions, oracle: Oracle, http: httpx.Client
) -> None:
    ours, (status, body) = _both(case, telnyx_missions, oracle, http)

    assert status in (400, 422)
    assert (ours.status_code, ours.json()) == (status, body)
    assert ours.headers["content-type"] == "application/json"
    # Not a single byte differs either (key order, separators, escaping).
    assert ours.content == json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


@pytest.mark.parametrize("case", VALID, ids=lambda case: case.id)
def test_valid_input_accepted_like_fastapi(
    case: Case, telnyx_missions: FakeMissions, oracle: Oracle, http: httpx.Client
) -> None:
    ours, (status, _) = _both(case, telnyx_missions, oracle, http)

    assert (ours.status_code, status) == (200, 200)
    assert ours.json()["data"]["run_id"] == telnyx_missions.runs[0].run_id


def test_non_utf8_text_body_is_400_where_fastapi_crashes(
    telnyx_missions: FakeMissions, oracle: Oracle, http: httpx.Client
) -> None:
    case = Case("non-utf8-text", b"caf\xe9", {"content-type": "text/plain"})

    ours, (status, _) = _both(case, telnyx_missions, oracle, http)

    assert status == 500  # FastAPI's own crash: the documented deviation
    assert (ours.status_code, ours.json()) == (
        400,
        {"detail": "There was an error parsing the body"},
    )


@pytest.mark.telnyx_missions(check_unhandled=False)  # these requests miss on purpose
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/v2/ai/missions/{m}/runs/{r}"),
        ("POST", "/v2/ai/missions/runs"),
        ("PUT", "/v2/ai/missions"),
        ("GET", "/v2/ai/missions/"),
        ("GET", "/v2/ai/missions/{m}/runs/{r}/?x=1"),
        ("POST", "/v2/ai/missions/{m}/runs/"),
    ],
)
def test_routing_answers_like_starlette(
    telnyx_missions: FakeMissions, oracle: Oracle, http: httpx.Client, method: str, path: str
) -> None:
    run = telnyx_missions.runs[0]
    path = path.replace("{m}", run.mission_id).replace("{r}", run.run_id)
    auth = {"authorization": f"Bearer {telnyx_missions.api_key}"}
    ours = http.request(method, telnyx_missions.url + path, headers=auth)
    theirs = oracle.raw(method, path)

    assert ours.status_code == theirs.status_code
    assert ours.status_code in (307, 405)
    assert ours.headers.get("allow") == theirs.headers.get("allow")
    if ours.status_code == 307:
        # Same target; only the host differs (the oracle runs in-process as "testserver").
        assert ours.headers["location"].replace(telnyx_missions.url, "") == theirs.headers[
            "location"
        ].replace("http://testserver", "")
