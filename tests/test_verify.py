"""wait_for, check(), and a journal that tells the whole truth: sent bodies, durations, limit."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading

import httpx
import pytest

from pytest_telnyx_missions import FakeMissions, Fault

from .helpers import expect_lines, run_inner

PREAMBLE = '''
import threading

import httpx
import pytest


def send(fake, run, **fields):
    """PATCH a run as any client would; returns the HTTP status the fake answered."""
    url = f"{fake.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}"
    auth = {"Authorization": f"Bearer {fake.api_key}"}
    return httpx.patch(url, json=fields, headers=auth).status_code
'''


def _patch(fake: FakeMissions, index: int = 0, **fields: object) -> int:
    run = fake.runs[index]
    url = f"{fake.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}"
    auth = {"Authorization": f"Bearer {fake.api_key}"}
    return httpx.patch(url, json=fields, headers=auth).status_code


# -- wait_for ---------------------------------------------------------------------------------


def test_wait_for_a_worker_on_a_thread(telnyx_missions: FakeMissions) -> None:
    run = telnyx_missions.runs[0]

    def worker() -> None:
        _patch(telnyx_missions, status="running")
        _patch(telnyx_missions, status="nope")  # rejected: not what is waited for
        _patch(telnyx_missions, status="succeeded", result_summary="done")

    # Started a little later, so that wait_for is (most likely) already waiting: either way it
    # must return the same call, which is all this test asserts.
    thread = threading.Timer(0.05, worker)
    thread.start()
    try:
        done = telnyx_missions.wait_for("update_run", status="succeeded", run_id=run.run_id)
    finally:
        thread.join()
    assert done.fields == {"status": "succeeded", "result_summary": "done"}
    assert done.applied

    rejected = telnyx_missions.wait_for(lambda call: call.status_code == 422)
    assert rejected.fields == {"status": "nope"}


def test_wait_for_a_worker_in_a_subprocess(telnyx_missions: FakeMissions) -> None:
    run = telnyx_missions.runs[0]
    worker = (
        "import os, httpx\n"
        "base, key = os.environ['TELNYX_BASE_URL'], os.environ['TELNYX_API_KEY']\n"
        f"httpx.patch(base + '/ai/missions/{run.mission_id}/runs/{run.run_id}',\n"
        "            json={'status': 'succeeded'}, headers={'Authorization': f'Bearer {key}'})\n"
    )
    process = subprocess.Popen([sys.executable, "-c", worker])  # env: the fixture's
    try:
        done = telnyx_missions.wait_for("update_run", timeout=60, status="succeeded")
    finally:
        process.wait(timeout=60)
    assert done.run_id == run.run_id
    assert process.returncode == 0


def test_wait_for_finds_a_call_already_recorded(telnyx_missions: FakeMissions) -> None:
    _patch(telnyx_missions, status="paused")
    assert telnyx_missions.wait_for("update_run", timeout=0).fields == {"status": "paused"}


def test_wait_for_async_lets_the_event_loop_run(telnyx_missions: FakeMissions) -> None:
    run = telnyx_missions.runs[0]
    url = f"{telnyx_missions.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}/pause"
    auth = {"Authorization": f"Bearer {telnyx_missions.api_key}"}

    async def worker() -> None:
        async with httpx.AsyncClient() as client:
            await client.post(url, headers=auth)

    async def main() -> str:
        task = asyncio.create_task(worker())
        paused = await telnyx_missions.wait_for_async("pause_run", run_id=run.run_id)
        await task
        return paused.operation

    assert asyncio.run(main()) == "pause_run"


def test_wait_for_times_out_with_the_diff_message(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        PREAMBLE,
        """
        def test_never_succeeds(telnyx_missions):
            run = telnyx_missions.runs[0]
            send(telnyx_missions, run, status="failed", error="boom")
            telnyx_missions.wait_for("update_run", timeout=0.01, status="succeeded")

        def test_never_called(telnyx_missions):
            telnyx_missions.wait_for("cancel_run", timeout=0.01)

        def test_predicate(telnyx_missions):
            send(telnyx_missions, telnyx_missions.runs[0], status="paused")

            def is_cancel(call):
                return call.operation == "cancel_run"

            telnyx_missions.wait_for(is_cancel, timeout=0.01)
        """,
    )
    result.assert_outcomes(failed=3)
    expect_lines(
        result,
        [
            "*_ test_never_succeeds _*",
            ">*telnyx_missions.wait_for(*",
            "E*AssertionError: wait_for: no applied call of update_run matched the expected "
            "fields within 0.01 s.",
            "E*Expected: status='succeeded'",
            "E*Calls of update_run (1 recorded), nearest miss first:",
            "E*  #1 [run_id=*] applied (200): sent {'status': 'failed', 'error': 'boom'}",
            "E*      status: expected 'succeeded', sent 'failed'",
            "*_ test_never_called _*",
            "E*wait_for: no applied call of cancel_run matched the expected fields within 0.01 s.",
            "E*cancel_run was never called (applied or rejected).",
            "E*No operation was called.",
            "*_ test_predicate _*",
            "E*wait_for: no call satisfied <predicate test_predicate.<locals>.is_cancel> "
            "within 0.01 s.",
            "E*Calls recorded (1), in order:",
            "E*  #1 update_run [run_id=*] applied (200): sent {'status': 'paused'}",
        ],
    )
    result.stdout.no_fnmatch_line("*_verify.py*")


# -- check() ----------------------------------------------------------------------------------


def test_check_outside_pytest() -> None:
    with FakeMissions() as fake:
        fake.check()  # nothing sent: all is well
        auth = {"Authorization": f"Bearer {fake.api_key}"}
        httpx.get(f"{fake.base_url}/ai/nowhere", headers=auth)
        fake.add_fault("cancel_run", Fault(status=503), times=2, strict=True)
        with pytest.raises(AssertionError) as failure:
            fake.check()
        message = str(failure.value)
        assert message.startswith(
            "The Telnyx Missions fake received requests it could not serve:\n"
            "- GET /v2/ai/nowhere: no such route (answered 404)\n"
        )
        assert "Strict fault rules did not fire as often as expected:" in message
        with pytest.raises(AssertionError) as failure:
            fake.check(unhandled=False)
        assert "could not serve" not in str(failure.value)
        fake.reset()
        fake.check()


def test_check_in_the_control_api() -> None:
    with FakeMissions(control_api=True, journal_limit=2) as fake:
        assert httpx.get(f"{fake.url}/_fake/check").json() == {"ok": True, "problems": ""}
        for _ in range(3):
            httpx.get(f"{fake.base_url}/ai/nowhere")  # no key, no route
        answer = httpx.get(f"{fake.url}/_fake/check")
        assert answer.status_code == 200
        assert answer.json()["ok"] is False
        assert answer.json()["problems"].splitlines()[:2] == [
            "The Telnyx Missions fake received requests it could not serve:",
            "- GET /v2/ai/nowhere: no such route (answered 404)",
        ]
        assert answer.json()["problems"].endswith(
            "(1 older requests were dropped from the journal (journal_limit=2, "
            "journal_max_bytes=67108864) and were not checked.)"
        )
        journal = httpx.get(f"{fake.url}/_fake/requests").json()
        assert (len(journal["data"]), journal["dropped"]) == (2, 1)


# -- the journal ------------------------------------------------------------------------------


@pytest.mark.telnyx_missions(check_unhandled=False)  # the 401 is the point
def test_a_rejected_request_keeps_what_was_sent(telnyx_missions: FakeMissions) -> None:
    run = telnyx_missions.runs[0]
    url = f"{telnyx_missions.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}"
    assert httpx.patch(url, json={"status": "paused"}).status_code == 401  # no key
    httpx.patch(url, content=b"status=paused", headers={"content-type": "text/plain"})
    unauthorized, plain_text = telnyx_missions.requests
    assert unauthorized.json == {"status": "paused"}
    assert plain_text.json is None  # not JSON: only the raw body
    assert plain_text.body == b"status=paused"
    [update, _] = telnyx_missions.run_updates(run.run_id)
    assert (update.fields, update.status_code, update.applied) == ({"status": "paused"}, 401, False)


def test_each_entry_records_how_long_the_answer_took(telnyx_missions: FakeMissions) -> None:
    telnyx_missions.add_fault("update_run", Fault(delay=0.05))
    _patch(telnyx_missions, status="paused")
    _patch(telnyx_missions, status="running")
    slowed, normal = telnyx_missions.requests
    assert normal.duration > 0
    assert slowed.duration >= 0.05  # the fault's delay counts: the client waited for it


def test_the_journal_limit_keeps_the_latest_entries() -> None:
    fake = FakeMissions(journal_limit=3)
    with fake:
        for size in range(1, 6):
            httpx.get(
                f"{fake.base_url}/ai/missions",
                params={"page[size]": size},
                headers={"Authorization": f"Bearer {fake.api_key}"},
            )
    assert [r.query["page[size]"] for r in fake.requests] == [["3"], ["4"], ["5"]]
    assert fake.dropped_requests == 2
    fake.reset()
    assert (fake.requests, fake.dropped_requests) == ([], 0)
    with pytest.raises(ValueError, match="journal_limit must be at least 1"):
        FakeMissions(journal_limit=0)


def test_wait_for_wakes_when_another_thread_records(telnyx_missions: FakeMissions) -> None:
    # The waiter is woken by the journal itself: a call recorded while it waits is found.
    started = threading.Event()
    found: list[str] = []

    def waiter() -> None:
        started.set()
        found.append(telnyx_missions.wait_for("get_run", timeout=30).operation)

    thread = threading.Thread(target=waiter)
    thread.start()
    started.wait()
    run = telnyx_missions.runs[0]
    httpx.get(
        f"{telnyx_missions.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}",
        headers={"Authorization": f"Bearer {telnyx_missions.api_key}"},
    )
    thread.join(timeout=30)
    assert found == ["get_run"]


def test_the_cli_limits_the_journal_by_default() -> None:
    from pytest_telnyx_missions import cli

    parser = cli._parser()
    assert parser.parse_args([]).journal_limit == cli.DEFAULT_JOURNAL_LIMIT == 10_000
    assert parser.parse_args(["--journal-limit", "0"]).journal_limit == 0  # no limit
    with pytest.raises(SystemExit):
        parser.parse_args(["--journal-limit", "-1"])
