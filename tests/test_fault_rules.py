"""Fault rules as objects users manage: several operations or "*", removal, refusals, failures."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pytest_telnyx_missions import FakeMissions, Fault
from pytest_telnyx_missions._api.models import MissionRun

from .helpers import expect_lines, run_inner


class Client:
    """Requests of the seeded runs, as a worker would send them."""

    def __init__(self, fake: FakeMissions) -> None:
        self.fake = fake
        self.http = httpx.Client(
            base_url=fake.base_url, headers={"authorization": f"Bearer {fake.api_key}"}
        )

    def run_path(self, run: MissionRun) -> str:
        return f"/ai/missions/{run.mission_id}/runs/{run.run_id}"

    def get(self, run: MissionRun) -> int:
        return self.http.get(self.run_path(run)).status_code

    def patch(self, run: MissionRun, **body: Any) -> int:
        return self.http.patch(self.run_path(run), json=body).status_code

    def log_event(self, run: MissionRun) -> int:
        event = {"type": "custom", "summary": "step"}
        return self.http.post(self.run_path(run) + "/events", json=event).status_code

    def list_missions(self) -> int:
        return self.http.get("/ai/missions").status_code


@pytest.fixture
def client(telnyx_missions: FakeMissions) -> Iterator[Client]:
    made = Client(telnyx_missions)
    with made.http:
        yield made


def test_one_rule_for_several_operations(telnyx_missions: FakeMissions, client: Client) -> None:
    run = telnyx_missions.runs[0]
    rule = telnyx_missions.fail_next(["update_run", "get_run"], status=503, times=2)

    statuses = [client.get(run), client.patch(run, status="paused"), client.get(run)]

    assert statuses == [503, 503, 200]
    assert (rule.operations, rule.fired) == (("update_run", "get_run"), 2)
    assert str(rule) == "fault rule #1 on update_run, get_run"


def test_star_with_a_run_answers_every_operation_of_that_run_only(
    telnyx_missions: FakeMissions, client: Client
) -> None:
    run, other = telnyx_missions.runs[:2]
    rule = telnyx_missions.fail_next("*", run_id=run.run_id, status=503, times=None)

    assert [client.get(run), client.patch(run, status="paused"), client.log_event(run)] == [503] * 3
    assert [client.get(other), client.log_event(other), client.list_missions()] == [200, 201, 200]
    assert rule.fired == 3
    assert str(rule) == f"fault rule #1 on * (run {run.run_id})"


def test_star_alone_answers_every_operation(telnyx_missions: FakeMissions, client: Client) -> None:
    telnyx_missions.fail_next("*", status=503, times=None)

    assert [client.list_missions(), client.get(telnyx_missions.runs[1])] == [503, 503]


def test_a_removed_rule_fires_no_more_and_keeps_its_count(
    telnyx_missions: FakeMissions, client: Client
) -> None:
    run = telnyx_missions.runs[0]
    first = telnyx_missions.fail_next("get_run", status=503, times=None)
    second = telnyx_missions.fail_next("update_run", status=429)

    assert client.get(run) == 503
    first.remove()
    first.remove()  # again: nothing to do

    assert client.get(run) == 200
    assert telnyx_missions.faults == [second]
    assert first.fired == 1


def test_clear_faults_removes_every_rule_and_keeps_the_rest(
    telnyx_missions: FakeMissions, client: Client
) -> None:
    run = telnyx_missions.runs[0]
    telnyx_missions.fail_next("get_run", status=503, times=None)
    telnyx_missions.fail_next("update_run", status=503, times=None)
    assert client.patch(run, status="paused") == 503

    telnyx_missions.clear_faults()

    assert client.patch(run, status="paused") == 200
    assert telnyx_missions.faults == []
    assert len(telnyx_missions.requests) == 2  # the journal stays
    # Numbers go on, so the journal's "fault rule #n" stay unambiguous within the test.
    assert telnyx_missions.fail_next("get_run", status=500).number == 3


@pytest.mark.parametrize(
    ("operation", "options", "message"),
    [
        (
            "update_run",
            {"run_id": "6f1c0f0e-0000-4000-8000-000000000000"},
            "The fake has no run '6f1c0f0e-0000-4000-8000-000000000000', so a rule for it "
            "would never fire. Known runs: ",
        ),
        ("*", {"run_id": "not-a-run"}, "The fake has no run 'not-a-run'"),
        (
            "list_missions",
            {"run_id": "<run>"},
            "list_missions never concerns a run, so a rule with run_id=",
        ),
        (
            ["get_run", "list_recent_runs", "create_mission"],
            {"run_id": "<run>"},
            "list_recent_runs, create_mission never concern a run",
        ),
        (["*", "get_run"], {}, '"*" already means every operation: give it alone'),
        ([], {}, 'Name at least one operation (or "*" for every operation)'),
        (
            ["get_run", "patch_run"],
            {},
            "unknown operation 'patch_run'; did you mean 'update_run' or 'pause_run'? Every",
        ),
        ("update_run", {"when": "status"}, "when must be a callable taking the JSON body"),
    ],
)
def test_a_rule_that_could_never_fire_is_refused_at_once(
    telnyx_missions: FakeMissions, operation: Any, options: dict[str, Any], message: str
) -> None:
    if options.get("run_id") == "<run>":
        options["run_id"] = telnyx_missions.runs[0].run_id
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        telnyx_missions.fail_next(operation, status=503, **options)
    assert telnyx_missions.faults == []


def test_a_run_added_by_the_test_can_be_faulted(telnyx_missions: FakeMissions) -> None:
    run = telnyx_missions.add_run()
    rule = telnyx_missions.fail_next("*", run_id=run.run_id.upper(), status=503)
    assert rule.run_id == run.run_id


def test_a_generated_422_is_checked_for_every_operation_named() -> None:
    with FakeMissions() as fake, pytest.raises(ValueError, match="get_run has no body"):
        fake.add_fault(["update_run", "get_run"], Fault(status=422, field="status"))


# -- the control API ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served() -> Iterator[FakeMissions]:
    with FakeMissions(control_api=True) as fake:
        yield fake


@pytest.fixture
def controlled(served: FakeMissions) -> FakeMissions:
    served.reset()
    return served


def _add(fake: FakeMissions, rule: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{fake.url}/_fake/faults", json=rule)


def test_control_api_deletes_one_rule_or_all(controlled: FakeMissions) -> None:
    for operation in ("get_run", ["update_run", "log_event"], "*"):
        assert _add(controlled, {"operation": operation, "faults": [{"status": 503}]}).is_success
    listed = httpx.get(f"{controlled.url}/_fake/faults").json()["data"]
    assert [rule["operation"] for rule in listed] == ["get_run", ["update_run", "log_event"], "*"]

    assert httpx.delete(f"{controlled.url}/_fake/faults/2").status_code == 204
    assert [rule.number for rule in controlled.faults] == [1, 3]
    missing = httpx.delete(f"{controlled.url}/_fake/faults/2")
    assert (missing.status_code, missing.json()) == (
        404,
        {"error": "There is no fault rule number '2'. Rule numbers: 1, 3."},
    )
    assert httpx.delete(f"{controlled.url}/_fake/faults").status_code == 204
    assert controlled.faults == []


def test_control_api_refuses_a_rule_that_could_never_fire(controlled: FakeMissions) -> None:
    answer = _add(
        controlled,
        {
            "operation": "list_missions",
            "run_id": controlled.runs[0].run_id,
            "faults": [{"drop": True}],
        },
    )

    assert answer.status_code == 400
    assert answer.json()["error"].startswith(
        "Invalid fault rule: list_missions never concerns a run"
    )
    unknown = _add(controlled, {"operation": "*", "run_id": "x", "faults": [{"drop": True}]})
    assert unknown.status_code == 400
    assert "The fake has no run 'x'" in unknown.json()["error"]


# -- what users read ---------------------------------------------------------------------------

PREAMBLE = """
import telnyx

def update(fake, **fields):
    run = fake.runs[0]
    telnyx.Telnyx().ai.missions.runs.update(run.run_id, mission_id=run.mission_id, **fields)
"""


def test_a_raising_predicate_fails_the_test_with_its_traceback(
    pytester: pytest.Pytester,
) -> None:
    result = run_inner(
        pytester,
        PREAMBLE,
        """
        def only_final(body):
            return body["status"] in FINAL  # FINAL was never defined: a NameError

        def test_worker(telnyx_missions):
            telnyx_missions.fail_next("update_run", status=503, when=only_final)
            try:
                update(telnyx_missions, status="succeeded")
            except telnyx.BadRequestError:
                pass  # the worker swallows it: the teardown check must not
            assert len(telnyx_missions.requests) == 1  # a 400 with x-should-retry: false
        """,
    )

    result.assert_outcomes(passed=1, errors=1)
    expect_lines(
        result,
        [
            "*ERROR at teardown of test_worker*",
            "The Telnyx Missions fake received requests it could not serve:",
            "- PATCH /v2/ai/missions/*/runs/*: the fake failed with an internal error "
            "(answered 400):",
            "The when= predicate of fault rule #1 on update_run (when only_final) raised (the "
            "request was answered 400 with x-should-retry: false and changed nothing):",
            "Traceback (most recent call last):",
            '*return body["status"] in FINAL*',
            "NameError: name 'FINAL' is not defined",
        ],
    )


def test_a_refused_rule_says_why_in_the_test_failure(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        PREAMBLE,
        """
        def test_typo_in_run_id(telnyx_missions):
            telnyx_missions.fail_next("update_run", status=503, run_id="run-1")

        def test_run_for_a_mission_operation(telnyx_missions):
            run = telnyx_missions.runs[0]
            telnyx_missions.fail_next("create_mission", status=503, run_id=run.run_id)
        """,
    )

    result.assert_outcomes(failed=2)
    expect_lines(
        result,
        [
            '>       telnyx_missions.fail_next("update_run", status=503, run_id="run-1")',
            "E       ValueError: The fake has no run 'run-1', so a rule for it would never fire. "
            "Known runs: *, *, * (add_run() adds one)",
            ">       telnyx_missions.fail_next(*create_mission*",
            "E       ValueError: create_mission never concerns a run, so a rule with run_id='*' "
            "would never fire; leave run_id out",
        ],
    )


def test_a_generated_422_echoes_what_the_worker_sent(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        PREAMBLE,
        """
        def test_worker(telnyx_missions):
            telnyx_missions.fail_next("update_run", status=422, field="status")
            try:
                update(telnyx_missions, status="succeeded")
            except telnyx.UnprocessableEntityError as exc:
                [error] = exc.body["detail"]
            assert error["input"] == "completed"  # fails: shows what was echoed
        """,
    )

    result.assert_outcomes(failed=1)
    expect_lines(result, ["E       AssertionError: assert 'succeeded' == 'completed'"])


def test_the_refusal_of_an_unknown_run_lists_ten_known_ones_at_most() -> None:
    fake = FakeMissions(runs=15)
    first_ten = ", ".join(run.run_id for run in fake.runs[:10])

    with pytest.raises(ValueError, match=re.escape(f"Known runs: {first_ten} and 5 more (")):
        fake.fail_next("get_run", status=503, run_id="nope")
