"""Fault rules as users load the plugin: per test, strict at teardown, and in-process."""

from __future__ import annotations

import httpx
import pytest

from pytest_telnyx_missions import FakeMissions

HELPERS = """
import httpx

def patch(fake, body):
    run = fake.runs[0]
    url = f"{fake.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}"
    return httpx.patch(url, json=body, headers={"Authorization": "Bearer k"}).status_code
"""


def test_rules_do_not_leak_into_the_next_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HELPERS
        + """
def test_adds_rules_it_never_uses(telnyx_missions):
    telnyx_missions.fail_next("update_run", status=503, times=None)
    telnyx_missions.fail_next("get_run", drop=True)

def test_next_test_is_served_normally(telnyx_missions):
    assert telnyx_missions.faults == []
    assert patch(telnyx_missions, {"status": "paused"}) == 200
    assert telnyx_missions.run_updates()[0].fault is None
"""
    )

    result = pytester.runpytest_inprocess("-p", "no:randomly")

    result.assert_outcomes(passed=2)


def test_strict_rule_that_never_fired_fails_at_teardown(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HELPERS
        + """
def test_expects_two_retries(telnyx_missions):
    telnyx_missions.fail_next("update_run", status=503, times=2, strict=True)
    assert patch(telnyx_missions, {}) == 503

def test_lenient_by_default(telnyx_missions):
    telnyx_missions.fail_next("update_run", status=503, times=2)

def test_strict_and_used_up(telnyx_missions):
    telnyx_missions.fail_next("update_run", status=429, strict=True)
    assert [patch(telnyx_missions, {}) for _ in range(2)] == [429, 200]
"""
    )

    result = pytester.runpytest_inprocess("-p", "no:randomly")

    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_expects_two_retries*",
            "*Strict fault rules did not fire as often as expected:",
            "*- fault rule #1 on update_run: fired 1 of 2 times; answers: 503 Service Unavailable",
            '*See "Simulating failures" in the docs of pytest-telnyx-missions '
            "(docs/how-to/simulate-failures.md).",
        ]
    )


def test_strict_check_is_skipped_when_the_test_failed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
def test_fails_first(telnyx_missions):
    telnyx_missions.fail_next("get_run", status=500, strict=True)
    assert 1 == 2, "the test's own failure"
"""
    )

    result = pytester.runpytest_inprocess()

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*the test's own failure*"])
    result.stdout.no_fnmatch_line("*Strict fault rules*")


def test_strict_rule_and_unhandled_request_are_reported_together(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
import httpx

def test_both(telnyx_missions):
    telnyx_missions.fail_next("get_run", status=500, strict=True)
    httpx.get(telnyx_missions.base_url + "/ai/nothing-here")
"""
    )

    result = pytester.runpytest_inprocess()

    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*received requests it could not serve:",
            "*- GET /v2/ai/nothing-here: no such route (answered 404)",
            "",
            "*Strict fault rules did not fire as often as expected:",
            "*- fault rule #1 on get_run: fired 0 of 1 times*",
        ]
    )


def test_in_process_a_drop_raises_in_the_client() -> None:
    fake = FakeMissions()  # never started: served through httpx's WSGI transport
    run = fake.runs[0]
    fake.fail_next("get_run", drop=True)
    client = httpx.Client(transport=httpx.WSGITransport(app=fake.wsgi_app()))
    url = f"http://fake/v2/ai/missions/{run.mission_id}/runs/{run.run_id}"

    with pytest.raises(ConnectionAbortedError, match="only the fake's own server"):
        client.get(url, headers={"Authorization": "Bearer k"})
    fake.fail_next("get_run", status=503)

    assert client.get(url, headers={"Authorization": "Bearer k"}).status_code == 503
    assert [entry.status_code for entry in fake.requests] == [0, 503]


def test_reset_clears_rules_and_numbering() -> None:
    fake = FakeMissions()
    fake.fail_next("update_run", status=500)
    fake.reset()
    rule = fake.fail_next("update_run", status=500)

    assert fake.faults == [rule]
    assert str(rule) == "fault rule #1 on update_run"
