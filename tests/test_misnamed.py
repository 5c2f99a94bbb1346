"""A mistyped name is refused at once, with its nearest names: an operation name given to any
function that takes one (the same message everywhere), and a field the operation does not have
given to any check (a ``TypeError`` naming its fields, raised before anything is waited for)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from pytest_telnyx_missions import FakeMissions, Fault
from pytest_telnyx_missions._config import did_you_mean
from pytest_telnyx_missions._journal.calls import OPERATION_NAMES
from pytest_telnyx_missions._journal.recording import Journal

from .helpers import run_inner

UNKNOWN_UPDATE_RUNS = (
    "unknown operation 'update_runs'; did you mean 'update_run'? Every operation is listed in "
    "the docs' reference page 'Operations' (docs/reference/operations.md)."
)


@pytest.fixture
def fake(telnyx_missions: FakeMissions) -> FakeMissions:
    return telnyx_missions


NAMING_AN_OPERATION: dict[str, Callable[[FakeMissions, Any], Any]] = {
    "fail_next": lambda fake, name: fake.fail_next(name, status=503),
    "fail_next (several)": lambda fake, name: fake.fail_next(["get_run", name], status=503),
    "add_fault": lambda fake, name: fake.add_fault(name, Fault(status=503)),
    "calls": lambda fake, name: fake.calls(name),
    "assert_called": lambda fake, name: fake.assert_called(name),
    "assert_not_called": lambda fake, name: fake.assert_not_called(name),
    "wait_for": lambda fake, name: fake.wait_for(name, timeout=0),
    "wait_for_async": lambda fake, name: asyncio.run(fake.wait_for_async(name, timeout=0)),
}


@pytest.mark.parametrize("call", NAMING_AN_OPERATION.values(), ids=NAMING_AN_OPERATION.keys())
def test_every_function_taking_an_operation_names_the_nearest(
    fake: FakeMissions, call: Callable[[FakeMissions, Any], Any]
) -> None:
    with pytest.raises(ValueError, match=r"^unknown operation") as refused:
        call(fake, "update_runs")
    assert str(refused.value) == UNKNOWN_UPDATE_RUNS
    assert "list_telnyx_agents" not in str(refused.value)  # never a dump of every name


def _control(fake: FakeMissions, method: str, path: str, **options: Any) -> httpx.Response:
    return httpx.request(method, f"{fake.url}/_fake/{path}", **options)


def test_the_control_api_says_the_same() -> None:
    with FakeMissions(control_api=True) as fake:
        rule = _control(
            fake, "POST", "faults", json={"operation": "update_runs", "faults": [{"status": 503}]}
        )
        wait = _control(fake, "GET", "wait", params={"operation": "update_runs", "timeout": 0})
    assert (rule.status_code, rule.json()) == (
        400,
        {"error": f"Invalid fault rule: {UNKNOWN_UPDATE_RUNS}"},
    )
    assert (wait.status_code, wait.json()) == (
        400,
        {"error": f"GET /_fake/wait: {UNKNOWN_UPDATE_RUNS}"},
    )


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("update_runs", "did you mean 'update_run'?"),
        ("patch_run", "did you mean 'update_run' or 'pause_run'?"),
        ("create_plan_step", "did you mean 'get_plan_step', 'create_plan' or 'update_plan_step'?"),
        ("frobnicate", ""),
    ],
)
def test_only_the_names_about_as_near_as_the_nearest(typed: str, message: str) -> None:
    assert did_you_mean(typed, OPERATION_NAMES) == message


def test_a_name_near_no_operation_says_so(fake: FakeMissions) -> None:
    with pytest.raises(ValueError, match=r"^unknown operation 'frobnicate'; no operation has a"):
        fake.assert_called("frobnicate")  # type: ignore[arg-type]


# -- fields the operation does not have --------------------------------------------------------
UPDATE_RUN_FIELDS = (
    "the fields it has: mission_id, run_id, status, result_summary, result_payload, error, "
    "metadata (the ids in its path, then its body's fields)."
)


def _run_id(fake: FakeMissions) -> str:
    return fake.runs[0].run_id


NAMING_A_FIELD: dict[str, tuple[Callable[[FakeMissions], Any], str]] = {
    "assert_run_updated": (
        lambda fake: fake.assert_run_updated(_run_id(fake), stauts="succeeded"),
        f"assert_run_updated: update_run has no field 'stauts' (did you mean 'status'?); "
        f"{UPDATE_RUN_FIELDS}",
    ),
    "assert_run_updated_once": (
        lambda fake: fake.assert_run_updated_once(_run_id(fake), stauts="succeeded"),
        "assert_run_updated_once: update_run has no field 'stauts' (did you mean 'status'?); ",
    ),
    "run_updates": (
        lambda fake: fake.run_updates(stauts="succeeded"),
        "run_updates: update_run has no field 'stauts' (did you mean 'status'?); ",
    ),
    "assert_called": (
        lambda fake: fake.assert_called("update_run", stauts="succeeded", eror="x"),
        "assert_called: update_run has no fields 'stauts' (did you mean 'status'?), "
        "'eror' (did you mean 'error'?); the fields it has: mission_id,",
    ),
    "assert_not_called": (
        lambda fake: fake.assert_not_called("update_run", stauts="succeeded"),
        "assert_not_called: update_run has no field 'stauts' (did you mean 'status'?); ",
    ),
    "assert_event_logged": (
        lambda fake: fake.assert_event_logged(_run_id(fake), summery="hello"),
        "assert_event_logged: log_event has no field 'summery' (did you mean 'summary'?); "
        "the fields it has: mission_id, run_id, type, summary,",
    ),
    "assert_plan_step_updated": (
        lambda fake: fake.assert_plan_step_updated(_run_id(fake), "s1", stauts="completed"),
        "assert_plan_step_updated: update_plan_step has no field 'stauts' (did you mean "
        "'status'?); the fields it has: mission_id, run_id, step_id, status,",
    ),
    "assert_called (no fields at all)": (
        lambda fake: fake.assert_called("list_missions", status="x"),
        "assert_called: list_missions has no field 'status'; it has no fields to match (no id "
        "in its path, no body).",
    ),
    "calls": (
        lambda fake: fake.calls("update_run", rn_id=_run_id(fake)),
        "calls: the path of update_run has no id 'rn_id' (did you mean 'run_id'?); the ids it "
        "has: mission_id, run_id (calls() matches ids in the path; assert_called matches the "
        "body's fields too).",
    ),
    "calls (a body's field)": (
        lambda fake: fake.calls("update_run", status="succeeded"),
        "calls: the path of update_run has no id 'status'; the ids it has: mission_id, run_id",
    ),
    "calls (any operation)": (
        lambda fake: fake.calls(rnu_id=_run_id(fake)),
        "calls: no operation's path has the id 'rnu_id' (did you mean 'run_id'?); the ids paths "
        "have: mission_id, ",
    ),
    "wait_for": (
        lambda fake: fake.wait_for("update_run", timeout=30, stauts="succeeded"),
        f"wait_for: update_run has no field 'stauts' (did you mean 'status'?); {UPDATE_RUN_FIELDS}",
    ),
    "wait_for_async": (
        lambda fake: asyncio.run(fake.wait_for_async("update_run", timeout=30, stauts="succeeded")),
        "wait_for_async: update_run has no field 'stauts' (did you mean 'status'?); ",
    ),
}


@pytest.fixture
def nothing_is_awaited(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any look at the journal, any wait on it, any worker thread: the test fails at once (a
    refusal must come before them, so a wait with a long timeout never starts)."""

    def looked(*args: object, **kwargs: object) -> Any:
        raise AssertionError("the journal was consulted before the fields were checked")

    monkeypatch.setattr(Journal, "wait_after", looked)
    monkeypatch.setattr(Journal, "snapshot", looked)
    monkeypatch.setattr(Journal, "of_run", looked)
    monkeypatch.setattr(Journal, "of_operation", looked)
    monkeypatch.setattr(asyncio, "to_thread", looked)


@pytest.mark.parametrize(("call", "message"), NAMING_A_FIELD.values(), ids=NAMING_A_FIELD.keys())
def test_a_field_the_operation_does_not_have_is_a_type_error_before_anything(
    fake: FakeMissions,
    nothing_is_awaited: None,
    call: Callable[[FakeMissions], Any],
    message: str,
) -> None:
    with pytest.raises(TypeError) as refused:
        call(fake)
    assert str(refused.value).startswith(message)


def test_an_operation_that_keeps_any_json_takes_any_field(fake: FakeMissions) -> None:
    with pytest.raises(AssertionError, match="no applied call of create_tool"):
        fake.assert_called("create_tool", anything="at all")


def test_a_predicate_takes_any_field(fake: FakeMissions) -> None:
    with pytest.raises(AssertionError, match="no call satisfied <predicate"):
        fake.wait_for(lambda call: True, timeout=0, stauts="x")


def test_the_control_api_wait_refuses_a_field_before_waiting() -> None:
    with FakeMissions(control_api=True) as fake:
        answer = _control(
            fake,
            "GET",
            "wait",
            params={"operation": "update_run", "timeout": 30, "stauts": "succeeded"},
        )
    assert (answer.status_code, answer.json()) == (
        400,
        {
            "error": "GET /_fake/wait: update_run has no field 'stauts' (did you mean "
            f"'status'?); {UPDATE_RUN_FIELDS} Besides them, it takes operation and timeout."
        },
    )


def test_the_refusal_points_at_the_users_line(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        "",
        """
        def test_typo(telnyx_missions):
            telnyx_missions.assert_run_updated(telnyx_missions.runs[0].run_id, stauts="failed")
        """,
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            '>       telnyx_missions.assert_run_updated(*stauts="failed")',
            "E       TypeError: assert_run_updated: update_run has no field 'stauts' (did you "
            "mean 'status'?); the fields it has: *",
            "test_inner.py:2: TypeError",
        ]
    )
