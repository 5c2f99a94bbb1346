"""A failing ``wait_for_async`` reads like a failing ``wait_for``: the traceback a user sees goes
from their test's line to the fake's message, with none of asyncio's or its executor's frames.
"""

from __future__ import annotations

import pytest

from .helpers import run_inner

PREAMBLE = """
import asyncio

import httpx
import pytest


@pytest.fixture
def anyio_backend():
    return "asyncio"  # wait_for_async is for asyncio code


def is_cancel(call):
    return call.operation == "cancel_run"


def broken(call):
    raise KeyError("the predicate's own bug")
"""

INNER = """
@pytest.mark.anyio
async def test_anyio_times_out(telnyx_missions):
    await telnyx_missions.wait_for_async("cancel_run", timeout=0.01)  # the await line


@pytest.mark.anyio
async def test_anyio_predicate_times_out(telnyx_missions):
    await telnyx_missions.wait_for_async(is_cancel, timeout=0.01)  # the await line


@pytest.mark.anyio
async def test_anyio_predicate_raises(telnyx_missions):
    auth = {"Authorization": f"Bearer {telnyx_missions.api_key}"}
    httpx.get(f"{telnyx_missions.base_url}/ai/missions", headers=auth)  # one call to judge
    await telnyx_missions.wait_for_async(broken, timeout=0.01)  # the await line


def test_asyncio_run_times_out(telnyx_missions):
    async def main():
        await telnyx_missions.wait_for_async("cancel_run", timeout=0.01)  # the await line

    asyncio.run(main())
"""

_EXECUTOR_FRAMES = ("asyncio/", "concurrent/futures", "_checks/waiting.py", "_fake.py")


def _failures(output: str) -> dict[str, list[str]]:
    """Each failing test's section of the report (its header to the next), as lines."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in output.splitlines():
        if line.startswith("_") and line.rstrip("_ ").strip("_ ").startswith("test_"):
            current = sections.setdefault(line.strip("_ "), [])
        elif line.startswith(("=", "-")) and current is not None:
            current = None
        elif current is not None:
            current.append(line)
    return sections


def _after_the_await(lines: list[str]) -> list[str]:
    """The lines from the user's await line on: what the fake's frames would add below it."""
    awaits = [n for n, line in enumerate(lines) if "# the await line" in line]
    assert awaits, "\n".join(lines)
    return lines[awaits[-1] :]


@pytest.mark.parametrize("tb", ["auto", "long"])
def test_a_failing_wait_shows_the_awaiting_line_then_the_message(
    pytester: pytest.Pytester, tb: str
) -> None:
    pytester.makepyfile(test_inner=PREAMBLE + INNER)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", f"--tb={tb}")
    result.assert_outcomes(failed=4)
    sections = _failures(result.stdout.str())
    assert set(sections) == {
        "test_anyio_times_out",
        "test_anyio_predicate_times_out",
        "test_anyio_predicate_raises",
        "test_asyncio_run_times_out",
    }
    messages = {
        "test_anyio_times_out": "E       AssertionError: wait_for_async: no applied call of "
        "cancel_run matched the expected fields within 0.01 s.",
        "test_anyio_predicate_times_out": "E       AssertionError: wait_for_async: no call "
        "satisfied <predicate is_cancel> within 0.01 s.",
        "test_asyncio_run_times_out": "E       AssertionError: wait_for_async: no applied "
        "call of cancel_run matched the expected fields within 0.01 s.",
    }
    for name, lines in sections.items():
        shown = _after_the_await(lines)
        message = next(n for n, line in enumerate(shown) if line.startswith("E "))
        before = shown[:message]
        assert not [line for line in before if any(f in line for f in _EXECUTOR_FRAMES)], "\n".join(
            lines
        )
        if name in messages:
            assert shown[message] == messages[name], "\n".join(lines)
        if name.startswith("test_anyio"):
            # An async test is the test itself: nothing of asyncio at all before the message.
            head = lines[: lines.index(shown[message])]
            assert not [line for line in head if "asyncio/" in line], "\n".join(lines)


def test_a_predicate_that_raises_is_raised_from_the_awaiting_frame(
    pytester: pytest.Pytester,
) -> None:
    result = run_inner(pytester, PREAMBLE, INNER.split("def test_asyncio_run_times_out")[0])
    result.assert_outcomes(failed=3)
    section = _failures(result.stdout.str())["test_anyio_predicate_raises"]
    shown = _after_the_await(section)
    # The user's predicate is where it went wrong: its frame is shown, the executor's are not.
    assert any('raise KeyError("the predicate\'s own bug")' in line for line in shown), section
    assert 'E       KeyError: "the predicate\'s own bug"' in shown, section
