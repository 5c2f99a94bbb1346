"""The teardown check: requests the fake could not serve fail the test, loudly, once."""

from __future__ import annotations

import textwrap
from datetime import datetime, timezone

import httpx
import pytest
import telnyx

from pytest_telnyx_missions import FakeMissions, RecordedRequest

from .helpers import run_inner

PREAMBLE = """
import httpx
import pytest


def call(fake, method, path, *, auth=True, **kwargs):
    headers = {"Authorization": f"Bearer {fake.api_key}"} if auth is True else auth or {}
    return httpx.request(method, fake.base_url + path, headers=headers, **kwargs).status_code


def run_path(fake, index=0):
    run = fake.runs[index]
    return f"/ai/missions/{run.mission_id}/runs/{run.run_id}"
"""

HEADING = "The Telnyx Missions fake received requests it could not serve:"


def test_an_unknown_path_fails_the_test_at_teardown(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        PREAMBLE,
        """
        def test_typo(telnyx_missions):
            assert call(telnyx_missions, "GET", "/ai/mission", params={"page[size]": 5}) == 404
            assert call(telnyx_missions, "DELETE", run_path(telnyx_missions)) == 405
        """,
    )
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_typo*",
            HEADING,
            "- GET /v2/ai/mission?page%5Bsize%5D=5: no such route (answered 404)",
            "- DELETE /v2/ai/missions/*/runs/*: no route for this method "
            "(answered 405; allow: GET)",
            "If the test sends these on purpose, switch the check off for it (or its module) "
            "with @pytest.mark.telnyx_missions(check_unhandled=False); see 'Teardown checks' in "
            "the docs (docs/reference/teardown-checks.md).",
        ]
    )


def test_the_marker_switches_the_check_off_per_test_and_per_module(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_module_off=PREAMBLE
        + textwrap.dedent(
            """
            pytestmark = pytest.mark.telnyx_missions(check_unhandled=False)

            def test_module_off(telnyx_missions):
                call(telnyx_missions, "GET", "/nowhere")

            @pytest.mark.telnyx_missions(check_unhandled=True)
            def test_back_on(telnyx_missions):
                call(telnyx_missions, "GET", "/nowhere")
            """
        ),
        test_test_off=PREAMBLE
        + textwrap.dedent(
            """
            @pytest.mark.telnyx_missions(check_unhandled=False)
            def test_off(telnyx_missions):
                call(telnyx_missions, "GET", "/nowhere")
                call(telnyx_missions, "GET", run_path(telnyx_missions), auth=None)
            """
        ),
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_back_on*", HEADING])


def test_a_test_that_already_failed_is_not_reported_twice(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        PREAMBLE,
        """
        def test_fails(telnyx_missions):
            call(telnyx_missions, "GET", "/nowhere")
            assert False, "the test's own failure"

        @pytest.fixture
        def broken(telnyx_missions):
            call(telnyx_missions, "GET", "/nowhere")
            raise RuntimeError("set-up failed")

        def test_setup_fails(broken):
            pass

        @pytest.mark.xfail(reason="known bug")
        def test_expected_to_fail(telnyx_missions):
            call(telnyx_missions, "GET", "/nowhere")
            assert False
        """,
    )
    result.assert_outcomes(failed=1, errors=1, xfailed=1)
    result.stdout.fnmatch_lines(["*the test's own failure*", "*RuntimeError: set-up failed*"])
    result.stdout.no_fnmatch_line("*ERROR at teardown*")
    result.stdout.no_fnmatch_line(f"*{HEADING}*")


def test_requests_without_a_usable_key_fail_the_test(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        PREAMBLE,
        """
        def test_no_key(telnyx_missions):
            path = run_path(telnyx_missions)
            assert call(telnyx_missions, "GET", path, auth=None) == 401
            basic = {"Authorization": "Basic eHg6eXk="}
            assert call(telnyx_missions, "GET", path, auth=basic) == 401
            no_key = {"Authorization": "Bearer"}
            assert call(telnyx_missions, "PATCH", path, auth=no_key, json={}) == 401
        """,
    )
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            HEADING,
            "- GET /v2/ai/missions/*/runs/*: answered 401, no Authorization header was sent "
            "(expected 'Bearer <key>')",
            "- GET /v2/ai/missions/*/runs/*: answered 401, the Authorization header uses scheme "
            "'Basic', not 'Bearer <key>'",
            "- PATCH /v2/ai/missions/*/runs/*: answered 401, the Authorization header is 'Bearer' "
            "with an empty key",
        ]
    )
    result.stdout.no_fnmatch_line("*eHg6eXk=*")  # the key itself is never echoed


def test_an_internal_error_fails_the_test_with_its_traceback(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        PREAMBLE,
        """
        def test_crash(telnyx_missions, monkeypatch):
            def explode(run, changes):
                raise ZeroDivisionError("the fake broke")

            monkeypatch.setattr(telnyx_missions._store, "update_run", explode)
            assert call(telnyx_missions, "PATCH", run_path(telnyx_missions), json={}) == 500
        """,
    )
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            HEADING,
            "- PATCH /v2/ai/missions/*/runs/*: the fake failed with an internal error "
            "(answered 500):",
            "Traceback (most recent call last):",
            "*in explode",
            "ZeroDivisionError: the fake broke",
        ]
    )


def test_routed_answers_never_trip_the_check(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        PREAMBLE,
        """
        def test_routed_errors(telnyx_missions):
            run = telnyx_missions.runs[0]
            unknown = "00000000-0000-4000-8000-000000000000"
            path = f"/ai/missions/{run.mission_id}/runs/{unknown}"
            assert call(telnyx_missions, "PATCH", path, json={"status": "running"}) == 404
            assert call(telnyx_missions, "PATCH", run_path(telnyx_missions),
                        json={"status": "done"}) == 422
            assert call(telnyx_missions, "PATCH", "/ai/missions/x/runs/y", json=[]) == 422
        """,
    )
    result.assert_outcomes(passed=1)


def _entry(fault: str | None) -> RecordedRequest:
    return RecordedRequest(
        method="GET",
        path="/v2/nowhere",
        operation=None,
        path_params={},
        query={},
        headers={},
        body=b"",
        json=None,
        status_code=503,
        response=None,
        time=datetime.now(timezone.utc),
        fault=fault,
    )


def test_an_answer_shaped_by_a_fault_rule_is_not_reported() -> None:
    fake = FakeMissions()
    fake._journal.record(_entry("fail_next(status=503)"))
    assert fake._unhandled_problems() == ""
    fake._journal.record(_entry(None))
    assert (
        fake._unhandled_problems() == f"{HEADING}\n- GET /v2/nowhere: no such route (answered 503)"
    )


@pytest.mark.telnyx_missions(check_unhandled=False)
def test_an_unknown_route_is_a_404_the_sdk_does_not_retry(telnyx_missions: FakeMissions) -> None:
    answer = httpx.get(f"{telnyx_missions.base_url}/ai/missions/xxx/nowhere")
    assert answer.status_code == 404
    assert answer.headers["x-should-retry"] == "false"
    [error] = answer.json()["errors"]
    assert error["code"] == "10005"
    assert error["detail"] == "The fake has no route for GET /ai/missions/xxx/nowhere."

    client = telnyx.Telnyx(max_retries=2)
    with pytest.raises(telnyx.NotFoundError):
        client.post("/ai/nowhere", cast_to=object, body={})
    assert [r.path for r in telnyx_missions.requests][1:] == ["/v2/ai/nowhere"]  # no retry
