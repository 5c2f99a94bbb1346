"""The run-update assertion helpers: run as users run them (pytester), and fed by every client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from unittest.mock import ANY

import dirty_equals
import httpx
import pytest
import requests
import telnyx  # imported here once: inner pytester runs reuse the outer modules

from pytest_telnyx_missions import FakeMissions, MissionRun, RunStatus

from .helpers import expect_lines, run_inner

# Inner test files start with this: a plain HTTP client, so the messages show exactly what was sent.
PREAMBLE = '''
from unittest.mock import ANY

import httpx
import pytest
from dirty_equals import IsPositiveInt, IsStr

from pytest_telnyx_missions import RunStatus


def send(fake, run, **fields):
    """PATCH a run as any client would; returns the HTTP status the fake answered."""
    url = f"{fake.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}"
    auth = {"Authorization": f"Bearer {fake.api_key}"}
    return httpx.patch(url, json=fields, headers=auth).status_code
'''


# -- assert_run_updated ----------------------------------------------------------------------


def test_assert_run_updated_passes_on_a_subset_of_fields_and_matchers(
    pytester: pytest.Pytester,
) -> None:
    result = run_inner(
        pytester,
        PREAMBLE,
        """
        def test_exact_and_subset(telnyx_missions):
            run = telnyx_missions.runs[0]
            assert send(telnyx_missions, run, status="running", metadata={"step": 1}) == 200
            assert send(telnyx_missions, run, status="succeeded", result_summary="Done: 3") == 200
            update = telnyx_missions.assert_run_updated(run.run_id, status="running")
            assert update.fields == {"status": "running", "metadata": {"step": 1}}
            telnyx_missions.assert_run_updated(
                run.run_id, status="succeeded", result_summary="Done: 3"
            )

        def test_matchers(telnyx_missions):
            run = telnyx_missions.runs[0]
            send(telnyx_missions, run, status="succeeded", result_summary="Done: 3",
                 result_payload={"records": 3, "url": "https://x"})
            telnyx_missions.assert_run_updated(
                run.run_id,
                status=RunStatus.succeeded,
                result_summary=IsStr(regex=r"Done: \\d+"),
                result_payload={"records": IsPositiveInt, "url": ANY},
            )
            telnyx_missions.assert_run_updated(
                run.run_id.upper(), status=lambda s: s in {"succeeded", "failed"}
            )
        """,
    )
    result.assert_outcomes(passed=2)


def test_assert_run_updated_failure_shows_nearest_miss_field_by_field(
    pytester: pytest.Pytester,
) -> None:
    result = run_inner(
        pytester,
        PREAMBLE,
        """
        def test_wrong_status(telnyx_missions):
            run = telnyx_missions.runs[0]
            send(telnyx_missions, run, status="running", metadata={"step": 1})
            send(telnyx_missions, run, status="done")
            send(telnyx_missions, run, status="failed", error="boom",
                 result_payload={"records": 2, "page": {"n": 1}})
            telnyx_missions.assert_run_updated(
                run.run_id,
                status="succeeded",
                result_summary=IsStr(regex="Done.*"),
                result_payload={"records": 2, "page": {"n": 2}},
            )
        """,
    )
    result.assert_outcomes(failed=1)
    expect_lines(
        result,
        [
            ">*telnyx_missions.assert_run_updated(",
            "E*AssertionError: assert_run_updated: no applied update of run *-* sent the "
            "expected fields.",
            "E*Expected: status='succeeded', result_summary=IsStr(regex='Done.*'), "
            "result_payload={'records': 2, 'page': {'n': 2}}",
            "E*Updates of run * (3 recorded), nearest miss first:",
            # the update that sent the most expected keys comes first
            "E*  #3 applied (200): sent {'status': 'failed', 'error': 'boom', *}",
            "E*      status: expected 'succeeded', sent 'failed'",
            "E*      result_summary: expected IsStr(regex='Done.*'), not sent (missing key)",
            "E*      result_payload: expected {'records': 2, 'page': {'n': 2}}, "
            "sent {'records': 2, 'page': {'n': 1}}",
            "E*        result_payload.page.n: expected 2, sent 1",
            "E*      error: not expected, sent 'boom' (extra key)",
            "E*  #1 applied (200): sent {'status': 'running', 'metadata': {'step': 1}}",
            "E*      metadata: not expected, sent {'step': 1} (extra key)",
            "E*  #2 rejected (422): sent {'status': 'done'}",
            "E*      status: expected 'succeeded', sent 'done'",
        ],
    )
    # __tracebackhide__: the helper's own frames are not shown.
    result.stdout.no_fnmatch_line("*raise AssertionError*")
    result.stdout.no_fnmatch_line("*_assertions.py*")


def test_a_rejected_update_never_satisfies_the_helpers(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        PREAMBLE,
        """
        def test_rejected_matching_update(telnyx_missions):
            run = telnyx_missions.runs[0]
            assert send(telnyx_missions, run, status="succeeded", result_payload="oops") == 422
            telnyx_missions.assert_run_updated(run.run_id, status="succeeded")

        def test_unknown_run_of_a_mission(telnyx_missions):
            run, other = telnyx_missions.runs[0], telnyx_missions.runs[1]
            stray = run.model_copy(update={"mission_id": "00000000-0000-4000-8000-000000000000"})
            assert send(telnyx_missions, stray, status="running") == 404
            telnyx_missions.assert_run_updated(run.run_id, status="running")

        def test_no_updates_rejected_only(telnyx_missions):
            run = telnyx_missions.runs[0]
            send(telnyx_missions, run, status="bogus")
            telnyx_missions.assert_no_run_updates(run.run_id)
            telnyx_missions.assert_no_run_updates()
            assert [u.status_code for u in telnyx_missions.run_updates()] == [422]
        """,
    )
    result.assert_outcomes(passed=1, failed=2)
    expect_lines(
        result,
        [
            "*_ test_rejected_matching_update _*",
            "E*Updates of run * (1 recorded), nearest miss first:",
            "E*  #1 rejected (422): sent {'status': 'succeeded', 'result_payload': 'oops'}",
            "E*      (the fields match, but the fake rejected it, so it does not count)",
            "E*      status: 'succeeded' as expected",
            "E*      result_payload: not expected, sent 'oops' (extra key)",
            "*_ test_unknown_run_of_a_mission _*",
            "E*  #1 rejected (404): sent {'status': 'running'}",
        ],
    )


def test_a_run_without_updates_lists_the_runs_that_got_some(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        PREAMBLE,
        """
        def test_other_run(telnyx_missions):
            updated, idle = telnyx_missions.runs[0], telnyx_missions.runs[1]
            send(telnyx_missions, updated, status="paused")
            send(telnyx_missions, updated, status="nope")
            telnyx_missions.assert_run_updated(idle.run_id, status="paused")

        def test_unknown_run(telnyx_missions):
            telnyx_missions.assert_run_updated("not-a-run", status="paused")
        """,
    )
    result.assert_outcomes(failed=2)
    updated, idle = FakeMissions().runs[:2]  # the same seed gives the same ids
    expect_lines(
        result,
        [
            "*_ test_other_run _*",
            f"E*assert_run_updated: no applied update of run {idle.run_id} sent the expected "
            "fields.",
            "E*Expected: status='paused'",
            f"E*Run {idle.run_id} got no updates at all (applied or rejected).",
            "E*Runs that did get updates:",
            f"E*  {updated.run_id} (mission {updated.mission_id}): 2 updates, 1 applied, "
            "1 rejected; statuses sent: ['paused', 'nope']",
            "*_ test_unknown_run _*",
            "E*Run not-a-run got no updates at all (applied or rejected). "
            "The fake has no run with this id.",
            "E*No run got any update.",
        ],
    )


def test_a_raising_predicate_is_a_mismatch_that_says_why(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        PREAMBLE,
        """
        def is_big(value):
            return value["records"] > 10

        def test_predicate(telnyx_missions):
            run = telnyx_missions.runs[0]
            send(telnyx_missions, run, result_payload={"rows": 3})
            telnyx_missions.assert_run_updated(run.run_id, result_payload=is_big)
        """,
    )
    result.assert_outcomes(failed=1)
    expect_lines(
        result,
        [
            "E*Expected: result_payload=<predicate is_big>",
            "E*result_payload: expected <predicate is_big>, sent {'rows': 3}",
            "E*(predicate raised KeyError('records'))",
        ],
    )


# -- assert_run_updated_once -----------------------------------------------------------------


def test_assert_run_updated_once(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        PREAMBLE,
        """
        def test_once(telnyx_missions):
            run = telnyx_missions.runs[0]
            send(telnyx_missions, run, status="running")
            send(telnyx_missions, run, status="succeeded")
            send(telnyx_missions, run, status="succeeded", result_summary=7)  # 422
            update = telnyx_missions.assert_run_updated_once(run.run_id, status="succeeded")
            assert update.status_code == 200

        def test_twice(telnyx_missions):
            run = telnyx_missions.runs[0]
            send(telnyx_missions, run, status="running", metadata={"try": 1})
            send(telnyx_missions, run, status="paused")
            send(telnyx_missions, run, status="running", metadata={"try": 2})
            telnyx_missions.assert_run_updated_once(run.run_id, status="running")

        def test_never(telnyx_missions):
            run = telnyx_missions.runs[0]
            send(telnyx_missions, run, status="paused")
            telnyx_missions.assert_run_updated_once(run.run_id, status="running")
        """,
    )
    result.assert_outcomes(passed=1, failed=2)
    expect_lines(
        result,
        [
            "*_ test_twice _*",
            "E*assert_run_updated_once: 2 applied updates of run * (#1, #3) sent the expected "
            "fields; expected exactly one.",
            "E*Expected: status='running'",
            "E*  #3 applied (200): sent {'status': 'running', 'metadata': {'try': 2}}",
            "E*      status: 'running' as expected",
            "E*  #1 applied (200): sent {'status': 'running', 'metadata': {'try': 1}}",
            "E*  #2 applied (200): sent {'status': 'paused'}",
            "E*      status: expected 'running', sent 'paused'",
            "*_ test_never _*",
            "E*assert_run_updated_once: no applied update of run * sent the expected fields; "
            "expected one.",
        ],
    )


# -- assert_run_status_history ---------------------------------------------------------------


def test_assert_run_status_history(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        PREAMBLE,
        """
        def test_history(telnyx_missions):
            run = telnyx_missions.runs[0]
            send(telnyx_missions, run, status="running")
            send(telnyx_missions, run, result_summary="half way")  # no status: skipped
            send(telnyx_missions, run, status="paused", error=3)  # 422: not counted
            send(telnyx_missions, run, status=None)  # null leaves the status: skipped
            send(telnyx_missions, run, status="succeeded")
            telnyx_missions.assert_run_status_history(run.run_id, ["running", "succeeded"])
            telnyx_missions.assert_run_status_history(run.run_id, [RunStatus.running, ANY])
            telnyx_missions.assert_run_status_history(telnyx_missions.runs[1].run_id, [])

        def test_wrong_order(telnyx_missions):
            run = telnyx_missions.runs[0]
            send(telnyx_missions, run, status="running")
            send(telnyx_missions, run, metadata={"step": 2})
            send(telnyx_missions, run, status="paused", error=3)
            send(telnyx_missions, run, status="failed")
            telnyx_missions.assert_run_status_history(run.run_id, ["running", "succeeded"])

        def test_too_few(telnyx_missions):
            run = telnyx_missions.runs[0]
            send(telnyx_missions, run, status="running")
            telnyx_missions.assert_run_status_history(run.run_id, ["running", "succeeded"])

        def test_too_many(telnyx_missions):
            run = telnyx_missions.runs[0]
            send(telnyx_missions, run, status="running")
            send(telnyx_missions, run, status="failed")
            telnyx_missions.assert_run_status_history(run.run_id, ["running"])
        """,
    )
    result.assert_outcomes(passed=1, failed=3)
    expect_lines(
        result,
        [
            "*_ test_wrong_order _*",
            "E*assert_run_status_history: the status history of run * differs.",
            "E*  expected: ['running', 'succeeded']",
            "E*  history:  ['running', 'failed']  (every applied change of status, in order)",
            "E*  first difference at item 2: expected 'succeeded', got 'failed' "
            "(set by update_run)",
            "E*Calls that change the status of run * (4 recorded), in order:",
            "E*  #1 update_run applied (200): sent {'status': 'running'}  -> running",
            "E*  #2 update_run applied (200): sent {'metadata': {'step': 2}}  "
            "<- no status, skipped",
            "E*  #3 update_run rejected (422): sent {'status': 'paused', 'error': 3}  "
            "<- not counted",
            "E*  #4 update_run applied (200): sent {'status': 'failed'}  -> failed",
            "*_ test_too_few _*",
            "E*  1 change fewer than expected: missing ['succeeded']",
            "*_ test_too_many _*",
            "E*  1 more change than expected: 'failed' (set by update_run)",
        ],
    )


def test_status_history_follows_pause_resume_and_cancel(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        PREAMBLE,
        """
        def act(fake, run, action):
            url = f"{fake.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}/{action}"
            return httpx.post(url, headers={"Authorization": f"Bearer {fake.api_key}"}).status_code

        def test_every_change(telnyx_missions):
            run = telnyx_missions.runs[0]
            send(telnyx_missions, run, status="succeeded")
            send(telnyx_missions, run, status="running")
            act(telnyx_missions, run, "pause")
            act(telnyx_missions, run, "resume")
            act(telnyx_missions, run, "cancel")
            history = telnyx_missions.status_history(run.run_id)
            assert [(c.status, c.operation) for c in history] == [
                ("succeeded", "update_run"),
                ("running", "update_run"),
                ("paused", "pause_run"),
                ("running", "resume_run"),
                ("cancelled", "cancel_run"),
            ]
            assert telnyx_missions.get_run(run.run_id).status == history[-1].status
            assert [c.call.status_code for c in history] == [200] * 5
            telnyx_missions.assert_run_status_history(
                run.run_id, ["succeeded", "running", "paused", "running", "cancelled"]
            )

        @pytest.mark.telnyx_missions(strict_transitions=True)
        def test_a_refused_action_is_not_a_change(telnyx_missions):
            run = telnyx_missions.runs[0]
            act(telnyx_missions, run, "pause")
            assert act(telnyx_missions, run, "pause") == 409  # already paused
            act(telnyx_missions, run, "cancel")
            telnyx_missions.assert_run_status_history(run.run_id, ["paused", "paused", "cancelled"])
        """,
    )
    result.assert_outcomes(passed=1, failed=1)
    expect_lines(
        result,
        [
            "*_ test_a_refused_action_is_not_a_change _*",
            "E*assert_run_status_history: the status history of run * differs.",
            "E*  expected: ['paused', 'paused', 'cancelled']",
            "E*  history:  ['paused', 'cancelled']  (every applied change of status, in order)",
            "E*  first difference at item 2: expected 'paused', got 'cancelled' "
            "(set by cancel_run)",
            "E*Calls that change the status of run * (3 recorded), in order:",
            "E*  #1 pause_run applied (200): sent no body  -> paused",
            "E*  #2 pause_run rejected (409): sent no body  <- not counted",
            "E*  #3 cancel_run applied (200): sent no body  -> cancelled",
        ],
    )


# -- assert_no_run_updates -------------------------------------------------------------------


def test_assert_no_run_updates(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        PREAMBLE,
        """
        def test_nothing_sent(telnyx_missions):
            telnyx_missions.assert_no_run_updates()
            telnyx_missions.assert_no_run_updates(telnyx_missions.runs[0].run_id)

        def test_only_another_run(telnyx_missions):
            send(telnyx_missions, telnyx_missions.runs[1], status="paused")
            telnyx_missions.assert_no_run_updates(telnyx_missions.runs[0].run_id)

        def test_this_run(telnyx_missions):
            run = telnyx_missions.runs[0]
            send(telnyx_missions, run, status="paused")
            telnyx_missions.assert_no_run_updates(run.run_id)

        def test_any_run(telnyx_missions):
            first, second = telnyx_missions.runs[:2]
            send(telnyx_missions, first, status="paused")
            send(telnyx_missions, second, status="nope")
            send(telnyx_missions, second, status="running")
            telnyx_missions.assert_no_run_updates()
        """,
    )
    result.assert_outcomes(passed=2, failed=2)
    first, second = FakeMissions().runs[:2]
    expect_lines(
        result,
        [
            "*_ test_this_run _*",
            f"E*assert_no_run_updates: expected no applied update of run {first.run_id}, but:",
            f"E*Updates of run {first.run_id} (1 recorded), in order:",
            "E*  #1 applied (200): sent {'status': 'paused'}",
            "*_ test_any_run _*",
            "E*assert_no_run_updates: expected no applied update of any run, but:",
            f"E*Updates of run {first.run_id} (1 recorded), in order:",
            "E*  #1 applied (200): sent {'status': 'paused'}",
            f"E*Updates of run {second.run_id} (2 recorded), in order:",
            "E*  #1 rejected (422): sent {'status': 'nope'}",
            "E*  #2 applied (200): sent {'status': 'running'}",
        ],
    )


# -- run_updates(**fields) and the matching rules --------------------------------------------


def _patch(fake: FakeMissions, run: MissionRun, body: Any) -> int:
    url = f"{fake.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}"
    auth = {"Authorization": f"Bearer {fake.api_key}"}
    return httpx.patch(url, json=body, headers=auth).status_code


def test_run_updates_filters_as_the_asserts_match_and_keeps_rejected_ones(
    telnyx_missions: FakeMissions,
) -> None:
    run, other = telnyx_missions.runs[:2]
    assert _patch(telnyx_missions, run, {"status": "running"}) == 200
    assert _patch(telnyx_missions, run, {"status": "succeeded", "error": 1}) == 422
    assert _patch(telnyx_missions, run, {"status": "succeeded", "result_summary": "ok"}) == 200
    assert _patch(telnyx_missions, other, {"status": "succeeded"}) == 200

    def done(status: str) -> bool:
        return status in {"succeeded", "failed"}

    matched = telnyx_missions.run_updates(run.run_id, status=done)
    assert [u.status_code for u in matched] == [422, 200]
    assert len(telnyx_missions.run_updates(status="succeeded")) == 3
    assert len(telnyx_missions.run_updates(run.run_id, result_summary=ANY)) == 1
    assert telnyx_missions.run_updates(run.run_id, result_summary=None) == []
    assert len(telnyx_missions.run_updates(run.run_id)) == 3


@pytest.mark.parametrize(
    ("expected", "sent", "matches"),
    [
        pytest.param(None, None, True, id="None matches an explicit null"),
        pytest.param(RunStatus.paused, "paused", True, id="enum"),
        pytest.param(str, "paused", False, id="a class is compared, not called"),
        pytest.param(dirty_equals.IsStr, "paused", True, id="dirty-equals class"),
        pytest.param(dirty_equals.IsInt(gt=2), 2, False, id="dirty-equals instance"),
        pytest.param({"a": ANY}, {"a": 1, "b": 2}, False, id="nested dicts compare whole"),
    ],
)
def test_matching_rules(
    telnyx_missions: FakeMissions, expected: Any, sent: Any, matches: bool
) -> None:
    run = telnyx_missions.runs[0]
    _patch(telnyx_missions, run, {"metadata": sent})  # rejected or not: run_updates lists it
    assert bool(telnyx_missions.run_updates(run.run_id, metadata=expected)) is matches


def test_the_helper_module_is_registered_for_assertion_rewriting(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Loaded by name rather than by entry point, only the registration makes pytest rewrite it.
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makepyfile(
        """
        import sys

        def test_rewritten(telnyx_missions):
            module = sys.modules["pytest_telnyx_missions._checks.assertions"]
            assert type(module.__loader__).__name__ == "AssertionRewritingHook"
        """
    )
    result = pytester.runpytest_subprocess("-p", "pytest_telnyx_missions.plugin")
    result.assert_outcomes(passed=1)


# -- every client ----------------------------------------------------------------------------


def _with_sdk(fake: FakeMissions, run: MissionRun, **fields: Any) -> None:
    telnyx.Telnyx(max_retries=0).ai.missions.runs.update(
        run.run_id, mission_id=run.mission_id, **fields
    )


def _with_httpx(fake: FakeMissions, run: MissionRun, **fields: Any) -> None:
    _patch(fake, run, fields)


def _with_requests(fake: FakeMissions, run: MissionRun, **fields: Any) -> None:
    requests.patch(
        f"{fake.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}",
        json=fields,
        headers={"Authorization": f"Bearer {fake.api_key}"},
        timeout=60,  # only catches a hang
    )


@pytest.mark.parametrize("send", [_with_sdk, _with_httpx, _with_requests])
def test_helpers_see_updates_from_every_client(
    telnyx_missions: FakeMissions, send: Callable[..., None]
) -> None:
    run = telnyx_missions.runs[0]
    send(telnyx_missions, run, status="running", metadata={"step": 1})
    send(telnyx_missions, run, status="succeeded", result_summary="done", result_payload={"n": 1})

    telnyx_missions.assert_run_updated(run.run_id, status="succeeded", result_payload={"n": 1})
    telnyx_missions.assert_run_updated_once(run.run_id, metadata={"step": 1})
    telnyx_missions.assert_run_status_history(run.run_id, ["running", "succeeded"])
    telnyx_missions.assert_no_run_updates(telnyx_missions.runs[1].run_id)
    with pytest.raises(AssertionError) as failure:
        telnyx_missions.assert_run_updated(run.run_id, status="failed")
    assert "#2 applied (200): sent {" in str(failure.value)
    assert "status: expected 'failed', sent 'succeeded'" in str(failure.value)


def test_a_rejected_sdk_update_is_listed_as_rejected(telnyx_missions: FakeMissions) -> None:
    run = telnyx_missions.runs[0]
    with pytest.raises(telnyx.UnprocessableEntityError):
        _with_sdk(telnyx_missions, run, status="finished")

    with pytest.raises(AssertionError, match=r"#1 rejected \(422\): sent \{'status': 'finished'\}"):
        telnyx_missions.assert_run_updated(run.run_id, status="finished")
    telnyx_missions.assert_no_run_updates()
