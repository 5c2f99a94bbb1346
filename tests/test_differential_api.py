"""Every operation that validates input answers bad input like FastAPI 0.128.0, byte for byte.

The oracle (``tests/oracle.py``) is a FastAPI app written from the spec, not from the fake's
models. Paths below use ``{m}`` and ``{r}`` for the first mission and a run added to it; valid
cases may also use ``{event}``, ``{kb}``, ``{mcp}``, ``{tool}`` (made before the request),
``{step}`` (``s1``, in a plan made first), ``{agent}`` (``agent-1``, linked first) and ``{plain}``
(a mission whose id is not a UUID, where the spec declares a plain string).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

import pytest_telnyx_missions
from pytest_telnyx_missions import FakeMissions
from pytest_telnyx_missions._pipeline.routes import OPERATIONS

from .oracle import Oracle

JSON = {"content-type": "application/json"}
UNKNOWN = "7b1e0c52-3c1a-4d0e-9a51-5c8e8d4b2f10"
MISSIONS = "/v2/ai/missions"
M = f"{MISSIONS}/{{m}}"
R = f"{M}/runs/{{r}}"
STEP = {"step_id": "s1", "description": "Look things up", "sequence": 1}
EVENT = {"type": "message", "summary": "Said hello"}
PLAIN_MISSION = "plain-mission"


@dataclass(frozen=True)
class Case:
    id: str
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=lambda: dict(JSON))


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


# -- operations with path ids, a query or a body: (name, method, path, a valid body) ----------
UUID_OPERATIONS: list[tuple[str, str, str, object]] = [
    ("get_mission", "GET", M, None),
    ("update_mission", "PUT", M, {}),
    ("delete_mission", "DELETE", M, None),
    ("list_runs", "GET", f"{M}/runs", None),
    ("create_run", "POST", f"{M}/runs", {}),
    ("get_run", "GET", R, None),
    ("update_run", "PATCH", R, {}),
    ("cancel_run", "POST", f"{R}/cancel", None),
    ("pause_run", "POST", f"{R}/pause", None),
    ("resume_run", "POST", f"{R}/resume", None),
    ("list_events", "GET", f"{R}/events", None),
    ("log_event", "POST", f"{R}/events", EVENT),
    ("get_event", "GET", f"{R}/events/e1", None),
    ("get_plan", "GET", f"{R}/plan", None),
    ("create_plan", "POST", f"{R}/plan", {"steps": [STEP]}),
    ("add_plan_steps", "POST", f"{R}/plan/steps", {"steps": [STEP]}),
    ("get_plan_step", "GET", f"{R}/plan/steps/s1", None),
    ("update_plan_step", "PATCH", f"{R}/plan/steps/s1", {"status": "completed"}),
    ("list_telnyx_agents", "GET", f"{R}/telnyx-agents", None),
    ("link_telnyx_agent", "POST", f"{R}/telnyx-agents", {"telnyx_agent_id": "agent-1"}),
    ("unlink_telnyx_agent", "DELETE", f"{R}/telnyx-agents/agent-1", None),
]
BAD_UUIDS = [
    "not-a-uuid",
    "123",
    UNKNOWN[:-1],
    UNKNOWN + "a",
    "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
    UNKNOWN.replace("-", "_"),
    "%E2%9C%93",
    "%ff",
    "%20",
    "-1",
    "0",
    f"%20{UNKNOWN}",
    f"{UNKNOWN}%20",
]
LISTS: list[tuple[str, str]] = [
    ("list_missions", MISSIONS),
    ("list_recent_events", f"{MISSIONS}/events"),
    ("list_recent_runs", f"{MISSIONS}/runs"),
    ("list_runs", f"{M}/runs"),
    ("list_events", f"{R}/events"),
]
BAD_QUERIES = [
    "page[number]=0",
    "page[number]=-1",
    "page[number]=x",
    "page[number]=1.5",
    "page[number]=",
    "page[number]",
    "page[size]=0",
    "page[size]=1001",
    "page[size]=5&page[size]=0",
    "page%5Bnumber%5D=0",
    "page%5Bsize%5D=1001&page%5Bnumber%5D=x",
    "page[number]=%ff",
    "page[size]=1e3",
    "page[number]=1e0",
    "page[number]=0x10",
    "page[number]=%D9%A3",  # an Arabic-Indic digit three
    "page[number]=1&page[number]=x",
    "page[number]=1;page[size]=5",  # only & separates parameters
]


def _uuid_cases() -> Iterator[Case]:
    for index, (name, method, path, body) in enumerate(UUID_OPERATIONS):
        sent = None if body is None else _json(body)
        bad_mission = BAD_UUIDS[index % len(BAD_UUIDS)]
        bad_run = BAD_UUIDS[(index + 4) % len(BAD_UUIDS)]
        yield Case(f"{name}-bad-mission_id", method, path.replace("{m}", bad_mission), sent)
        if "{r}" in path:
            yield Case(f"{name}-bad-run_id", method, path.replace("{r}", bad_run), sent)
            both = path.replace("{m}", bad_run).replace("{r}", bad_mission)
            yield Case(f"{name}-bad-both-ids", method, both, sent)


def _query_cases() -> Iterator[Case]:
    for name, path in LISTS:
        for query in BAD_QUERIES:
            yield Case(f"{name}?{query}", "GET", f"{path}?{query}", None, {})


# Field -> wrong values, sent over a valid body of the operation.
WRONG_FIELDS: list[tuple[str, str, str, dict[str, Any], dict[str, list[object]]]] = [
    (
        "create_mission",
        "POST",
        MISSIONS,
        {"name": "Research"},
        {
            "name": [1, None, [], {}, True, 1.5],
            "description": [1, True],
            "model": [2.5],
            "instructions": [["step"]],
            "execution_mode": ["External", "MANAGED", "auto", "", "mañana", 1, None],
            "metadata": ["x", [1], 3],
        },
    ),
    (
        "update_mission",
        "PUT",
        M,
        {},
        {
            "name": [1, []],
            "description": [{}],
            "execution_mode": ["Managed", "x", 0],
            "metadata": [1, "m"],
        },
    ),
    (
        "create_run",
        "POST",
        f"{M}/runs",
        {},
        {"input": ["x", [1], 1, True], "metadata": ["x", []]},
    ),
    ("update_run", "PATCH", R, {}, {"status": ["Running", "done", 3]}),
    (
        "log_event",
        "POST",
        f"{R}/events",
        EVENT,
        {
            "type": ["Message", "MESSAGE", "note", "", 1, None, ["message"]],
            "summary": [1, None, [], {}],
            "step_id": [1],
            "agent_id": [[]],
            "payload": ["x", [1]],
            "idempotency_key": [5, False],
        },
    ),
    (
        "create_plan",
        "POST",
        f"{R}/plan",
        {"steps": [STEP]},
        {
            "steps": [
                "x",
                {},
                None,
                1,
                [1],
                ["a"],
                [None],
                [[]],
                [{}],
                [{"step_id": "s"}],
                [STEP, {"description": "d"}],
                [{**STEP, "sequence": "x"}],
                [{**STEP, "sequence": 1.5}],
                [{**STEP, "sequence": "1.5"}],
                [{**STEP, "sequence": None}],
                [{**STEP, "step_id": 1}],
                [{**STEP, "description": False}],
                [{**STEP, "parent_step_id": 2}],
                [{**STEP, "metadata": "m"}],
            ]
        },
    ),
    (
        "add_plan_steps",
        "POST",
        f"{R}/plan/steps",
        {"steps": [STEP]},
        {
            "steps": [
                "x",
                {"0": STEP},
                [1, "a"],
                [{}, {}],
                [{**STEP, "sequence": []}, {**STEP, "step_id": None}],
            ]
        },
    ),
    (
        "update_plan_step",
        "PATCH",
        f"{R}/plan/steps/s1",
        {},
        {
            "status": ["Completed", "done", "IN_PROGRESS", "", 1, "running"],
            "metadata": ["x", [1]],
        },
    ),
    (
        "link_telnyx_agent",
        "POST",
        f"{R}/telnyx-agents",
        {"telnyx_agent_id": "agent-1"},
        {"telnyx_agent_id": [1, None, [], {}, True]},
    ),
]
REQUIRED_FIELDS: dict[str, list[str]] = {
    "create_mission": ["name"],
    "log_event": ["type", "summary"],
    "create_plan": ["steps"],
    "add_plan_steps": ["steps"],
    "link_telnyx_agent": ["telnyx_agent_id"],
}
MALFORMED: list[tuple[str, bytes | None, dict[str, str]]] = [
    ("malformed-json", b'{"name": ', JSON),
    ("blank-body", b" ", JSON),
    ("trailing-comma", b'{"steps": [],}', JSON),
    ("list-body", b"[]", JSON),
    ("string-body", b'"x"', JSON),
    ("number-body", b"42", JSON),
    ("null-body", b"null", JSON),
    ("no-body", None, JSON),
    ("no-body-no-content-type", None, {}),
    ("text-plain", b'{"name": "x"}', {"content-type": "text/plain"}),
]

OPTIONAL_BODY_ABSENT = {"null-body", "no-body", "no-body-no-content-type"}


def _body_cases() -> Iterator[Case]:
    for name, method, path, base, wrong in WRONG_FIELDS:
        for key, values in wrong.items():
            for value in values:
                label = f"{name}-{key}={json.dumps(value)}"
                yield Case(label, method, path, _json({**base, key: value}))
        for key in REQUIRED_FIELDS.get(name, []):
            missing = {k: v for k, v in base.items() if k != key}
            yield Case(f"{name}-missing-{key}", method, path, _json(missing))
        if len(REQUIRED_FIELDS.get(name, [])) > 1:
            yield Case(f"{name}-missing-all", method, path, b"{}")
        for label, body, headers in MALFORMED:
            if name == "create_run" and label in OPTIONAL_BODY_ABSENT:
                continue  # the optional body: valid, see VALID
            yield Case(f"{name}-{label}", method, path, body, headers)


COMBINED: list[Case] = [
    Case("list_runs-path+query", "GET", f"{MISSIONS}/x/runs?page[number]=0&page[size]=y", None),
    Case(
        "list_events-path+query",
        "GET",
        f"{MISSIONS}/1/runs/2/events?type=x&page%5Bsize%5D=0&page%5Bnumber%5D=-5",
        None,
    ),
    Case("log_event-path+body", "POST", f"{MISSIONS}/1/runs/2/events", b'{"type": "Error"}'),
    Case("create_plan-path+body", "POST", f"{MISSIONS}/1/runs/2/plan", b'{"steps": [{}]}'),
    Case("update_step-path+body", "PATCH", f"{MISSIONS}/1/runs/2/plan/steps/s", b'{"status": 0}'),
    Case("create_run-path+body", "POST", f"{MISSIONS}/1/runs", b"[]"),
    Case("create_run-path+malformed", "POST", f"{MISSIONS}/1/runs", b"{"),
    Case("log_event-path+malformed", "POST", f"{MISSIONS}/1/runs/2/events", b"{"),
    Case("link_agent-path+no-body", "POST", f"{MISSIONS}/1/runs/2/telnyx-agents", None),
    Case("update_mission-path+body", "PUT", f"{MISSIONS}/1", b'{"execution_mode": "EXTERNAL"}'),
    # A fixed segment of another method's route reads as a mission id, in both.
    Case("put-missions-runs", "PUT", f"{MISSIONS}/runs", b"{}"),
    Case("put-missions-events-bad-body", "PUT", f"{MISSIONS}/events", b'{"name": 5}'),
    Case("delete-missions-events", "DELETE", f"{MISSIONS}/events", None),
    Case("duplicate-key-last-wins", "POST", MISSIONS, b'{"name": "x", "name": 1}'),
    Case("post-missions-runs-runs", "POST", f"{MISSIONS}/runs/runs", b"[]"),
]

CASES: list[Case] = [*_uuid_cases(), *_query_cases(), *_body_cases(), *COMBINED]

VALID: list[Case] = [
    Case("list_missions", "GET", MISSIONS),
    Case("list_missions-size-1000", "GET", f"{MISSIONS}?page[size]=1000"),
    Case("list_missions-encoded", "GET", f"{MISSIONS}?page%5Bnumber%5D=2&page%5Bsize%5D=1"),
    Case("list_missions-repeated-last-valid", "GET", f"{MISSIONS}?page[size]=0&page[size]=5"),
    Case("list_missions-unknown-param", "GET", f"{MISSIONS}?page[nope]=x&colour=blue"),
    Case("list_missions-lax-ints", "GET", f"{MISSIONS}?page[number]=+3&page[size]=1_000"),
    Case("list_missions-spaces-float", "GET", f"{MISSIONS}?page[number]=1.0&page[size]=%205%20"),
    Case("list_missions-both-spellings", "GET", f"{MISSIONS}?page%5Bsize%5D=0&page[size]=2"),
    Case("list_missions-huge-page", "GET", f"{MISSIONS}?page[number]=99999999999999999999999"),
    Case("create_mission", "POST", MISSIONS, b'{"name": "Research"}'),
    Case(
        "create_mission-every-field",
        "POST",
        MISSIONS,
        _json(
            {
                "name": "Research",
                "description": "d",
                "model": "m",
                "instructions": "i",
                "execution_mode": "managed",
                "metadata": {"k": [1]},
            }
        ),
    ),
    Case("create_mission-nulls", "POST", MISSIONS, b'{"name": "n", "model": null}'),
    Case("create_mission-unknown-field", "POST", MISSIONS, b'{"name": "n", "colour": 1}'),
    Case("list_recent_events-any-type", "GET", f"{MISSIONS}/events?type=NotAnEnum&page[size]=1"),
    Case("list_recent_runs-any-status", "GET", f"{MISSIONS}/runs?status=whatever"),
    Case("get_mission", "GET", M),
    Case("update_mission-empty", "PUT", M, b"{}"),
    Case("update_mission", "PUT", M, b'{"name": "x", "execution_mode": "managed"}'),
    Case("delete_mission", "DELETE", M),
    Case("clone_mission", "POST", f"{M}/clone"),
    Case("clone_mission-undeclared-junk-body", "POST", f"{M}/clone", b"{"),
    Case("clone_mission-plain-id", "POST", f"{MISSIONS}/{{plain}}/clone"),
    Case("list_runs", "GET", f"{M}/runs?status=running&page[number]=1&page[size]=1000"),
    Case("create_run-empty", "POST", f"{M}/runs", b"{}"),
    Case("create_run-null", "POST", f"{M}/runs", b"null"),
    Case("create_run-no-body", "POST", f"{M}/runs"),
    Case("create_run-no-body-no-content-type", "POST", f"{M}/runs", None, {}),
    Case("create_run-input", "POST", f"{M}/runs", b'{"input": {"q": 1}, "metadata": null}'),
    Case("get_run-undeclared-query", "GET", f"{R}?page[number]=0&status=x"),
    Case("update_run", "PATCH", R, b'{"status": "succeeded"}'),
    Case("cancel_run", "POST", f"{R}/cancel"),
    Case("pause_run", "POST", f"{R}/pause"),
    Case("resume_run", "POST", f"{R}/resume", b"not json", {"content-type": "text/plain"}),
    Case("list_events", "GET", f"{R}/events?type=x&step_id=s&agent_id=a&page[size]=1000"),
    Case("log_event", "POST", f"{R}/events", _json(EVENT)),
    Case("log_event-every-field", "POST", f"{R}/events", _json({**EVENT, "payload": {}})),
    Case("get_event", "GET", f"{R}/events/{{event}}"),
    Case("get_plan", "GET", f"{R}/plan"),
    Case("create_plan", "POST", f"{R}/plan", _json({"steps": [STEP]})),
    Case("create_plan-empty", "POST", f"{R}/plan", b'{"steps": []}'),
    Case(
        "create_plan-lax-sequences",
        "POST",
        f"{R}/plan",
        _json(
            {
                "steps": [
                    {**STEP, "step_id": f"s{i}", "sequence": sequence}
                    for i, sequence in enumerate(["2", " 3 ", "4.0", 5.0, True, 10**28])
                ]
            }
        ),
    ),
    Case("add_plan_steps", "POST", f"{R}/plan/steps", _json({"steps": [STEP]})),
    Case("get_plan_step-plain-id", "GET", f"{R}/plan/steps/{{step}}"),
    Case("update_plan_step", "PATCH", f"{R}/plan/steps/{{step}}", b'{"status": "in_progress"}'),
    Case("list_telnyx_agents", "GET", f"{R}/telnyx-agents"),
    Case("link_telnyx_agent", "POST", f"{R}/telnyx-agents", b'{"telnyx_agent_id": "agent-1"}'),
    Case("unlink_telnyx_agent-plain-id", "DELETE", f"{R}/telnyx-agents/{{agent}}"),
    # UUIDs in the other forms pydantic accepts still find the seeded run.
    Case("get_run-upper-case", "GET", R.replace("{m}", "{M}").replace("{r}", "{R}")),
    Case("get_run-hex", "GET", R.replace("{r}", "{r_hex}")),
    Case("get_run-braces", "GET", R.replace("{r}", "%7B{r}%7D")),
    Case("get_run-urn", "GET", R.replace("{r}", "urn:uuid:{r}")),
]
for kind, id_name in (("knowledge-bases", "kb"), ("mcp-servers", "mcp"), ("tools", "tool")):
    VALID += [
        Case(f"list_{kind}", "GET", f"{M}/{kind}"),
        Case(f"list_{kind}-plain-id", "GET", f"{MISSIONS}/{{plain}}/{kind}"),
        Case(f"create_{kind}", "POST", f"{M}/{kind}", b'{"name": "x"}'),
        Case(f"create_{kind}-plain-id-no-body", "POST", f"{MISSIONS}/{{plain}}/{kind}"),
        Case(f"create_{kind}-junk-body", "POST", f"{M}/{kind}", b"[1,"),
        Case(f"get_{kind}", "GET", f"{M}/{kind}/{{{id_name}}}"),
        Case(f"update_{kind}", "PUT", f"{M}/{kind}/{{{id_name}}}", b'{"name": "y"}'),
        Case(f"delete_{kind}", "DELETE", f"{M}/{kind}/{{{id_name}}}"),
    ]


# -- plumbing ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


class Sender:
    """Sends one request to the fake (over HTTP, authorized) and the same to the oracle."""

    def __init__(self, fake: FakeMissions, oracle: Oracle, http: httpx.Client) -> None:
        self.fake, self.oracle, self.http = fake, oracle, http
        # A run of its own: seeded runs already have a plan, which a valid create-plan would hit.
        run = fake.add_run(mission_id=fake.runs[0].mission_id)
        self.ids = {
            "m": run.mission_id,
            "r": run.run_id,
            "M": run.mission_id.upper(),
            "R": run.run_id.upper(),
            "r_hex": run.run_id.replace("-", ""),
        }

    def fake_request(self, method: str, path: str, body: bytes | None = None) -> httpx.Response:
        headers = {**JSON, "authorization": f"Bearer {self.fake.api_key}"}
        return self.http.request(method, self.fake.url + path, content=body, headers=headers)

    def prepare(self, path: str) -> str:
        """Make what ``path`` names (events, steps, attachments...) in the fake; fill its ids."""
        ids = dict(self.ids)
        run_path = R.replace("{m}", ids["m"]).replace("{r}", ids["r"])
        if "{plain}" in path:
            if PLAIN_MISSION not in {mission.mission_id for mission in self.fake.missions}:
                self.fake.add_mission(mission_id=PLAIN_MISSION)
            ids["plain"] = PLAIN_MISSION
        if "{event}" in path:
            ids["event"] = self._made("POST", f"{run_path}/events", EVENT)["event_id"]
        if "{step}" in path:
            ids["step"] = self._made("POST", f"{run_path}/plan", {"steps": [STEP]})[0]["step_id"]
        if "{agent}" in path:
            agent = {"telnyx_agent_id": "agent-1"}
            ids["agent"] = self._made("POST", f"{run_path}/telnyx-agents", agent)["telnyx_agent_id"]
        for key, kind, id_name in (
            ("kb", "knowledge-bases", "knowledge_base_id"),
            ("mcp", "mcp-servers", "mcp_server_id"),
            ("tool", "tools", "tool_id"),
        ):
            if f"{{{key}}}" in path:
                made = self._made("POST", f"{MISSIONS}/{ids['m']}/{kind}", {"name": key})
                ids[key] = made[id_name]
        for key, value in sorted(ids.items(), key=lambda item: -len(item[0])):
            path = path.replace(f"{{{key}}}", value)
        return path

    def _made(self, method: str, path: str, body: object) -> Any:
        response = self.fake_request(method, path, _json(body))
        assert response.status_code == 201, response.text
        return response.json()["data"]

    def both(self, case: Case) -> tuple[httpx.Response, tuple[int, Any]]:
        path = self.prepare(case.path)
        auth = {"authorization": f"Bearer {self.fake.api_key}"}
        ours = self.http.request(
            case.method, self.fake.url + path, content=case.body, headers={**case.headers, **auth}
        )
        return ours, self.oracle.send(case.method, path, case.body, case.headers)


@pytest.fixture
def sender(telnyx_missions: FakeMissions, oracle: Oracle, http: httpx.Client) -> Sender:
    return Sender(telnyx_missions, oracle, http)


@cache
def _spec() -> dict[str, Any]:
    path = Path(pytest_telnyx_missions.__file__).parent / "spec" / "missions.openapi.yaml"
    spec: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return spec


def spec_operation(method: str, path: str) -> tuple[str, dict[str, Any]]:
    """The spec's path and operation a request goes to (fixed segments win, as in FastAPI)."""
    segments = path.split("?")[0].removeprefix("/v2").split("/")
    for template, item in _spec()["paths"].items():
        parts = template.split("/")
        if (
            method.lower() in item
            and len(parts) == len(segments)
            and all(p == s or p.startswith("{") for p, s in zip(parts, segments, strict=True))
        ):
            return f"{method} {template}", item[method.lower()]
    raise LookupError(f"no {method} {path} in the spec")


def spec_success_status(method: str, path: str) -> int:
    codes = spec_operation(method, path)[1]["responses"]
    return int(next(code for code in codes if code.startswith("2")))


def _validates_input(operation: dict[str, Any]) -> bool:
    params = operation.get("parameters", [])
    uuid = any(p["schema"].get("format") == "uuid" for p in params if p["in"] == "path")
    query = any(p["in"] == "query" for p in params)
    return uuid or query or "requestBody" in operation


# -- the tests ---------------------------------------------------------------------------------
def test_enough_cases() -> None:
    assert len(CASES) >= 60
    ids = [case.id for case in CASES + VALID]
    assert len(set(ids)) == len(ids), sorted(i for i in ids if ids.count(i) > 1)


def test_every_operation_that_validates_input_is_covered() -> None:
    validating = {
        f"{method.upper()} {path}"
        for path, item in _spec()["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and _validates_input(operation)
    }
    covered = {spec_operation(case.method, case.path)[0] for case in CASES}
    assert len(validating) == 25  # 21 with a path uuid, 3 more lists, create mission
    assert sorted(validating - covered) == []
    accepted = {spec_operation(case.method, case.path)[0] for case in VALID}
    assert len(accepted) == len(OPERATIONS)  # and every operation accepts valid input


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_bad_input_answered_like_fastapi(case: Case, sender: Sender) -> None:
    ours, (status, body) = sender.both(case)

    assert status in (400, 422), body
    assert (ours.status_code, ours.json()) == (status, body)
    assert ours.headers["content-type"] == "application/json"
    assert ours.content == json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


@pytest.mark.parametrize("case", VALID, ids=lambda case: case.id)
def test_valid_input_accepted_like_fastapi(case: Case, sender: Sender) -> None:
    ours, (status, _) = sender.both(case)

    expected = spec_success_status(case.method, case.path)
    assert (ours.status_code, status) == (expected, expected), ours.text
    if expected == 204:
        assert ours.content == b""
    else:
        assert "data" in ours.json()


_HEADER_CASES = [
    *(case for case in VALID if case.method == "DELETE"),  # 204: typed JSON, no length
    pytest.param(  # 307: a length of 0, no type
        Case("redirect", "GET", f"{MISSIONS}/"),
        marks=pytest.mark.telnyx_missions(check_unhandled=False),  # a redirect, on purpose
    ),
    CASES[0],
]


@pytest.mark.parametrize("case", _HEADER_CASES, ids=lambda case: case.id)
def test_body_headers_like_fastapi(case: Case, sender: Sender) -> None:
    path = sender.prepare(case.path)
    headers = {**case.headers, "authorization": f"Bearer {sender.fake.api_key}"}
    ours = sender.http.request(
        case.method, sender.fake.url + path, content=case.body, headers=headers
    )
    theirs = sender.oracle.raw(case.method, path, case.body, headers)

    assert ours.status_code == theirs.status_code
    described = ("content-type", "content-length")
    assert [ours.headers.get(name) for name in described] == [
        theirs.headers.get(name) for name in described
    ]


@pytest.mark.parametrize("body", [b'{"name": NaN}', b'{"name": -Infinity}', b'{"name": 1e400}'])
def test_non_finite_number_is_422_where_fastapi_crashes(body: bytes, sender: Sender) -> None:
    ours, (status, _) = sender.both(Case("non-finite", "POST", MISSIONS, body))

    assert status == 500  # Starlette cannot write NaN in the 422: the documented deviation
    assert ours.status_code == 422
    assert ours.json()["detail"][0] == {
        "type": "string_type",
        "loc": ["body", "name"],
        "msg": "Input should be a valid string",
        "input": None,
    }
