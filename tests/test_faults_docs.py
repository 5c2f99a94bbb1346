"""The docs' "Simulating failures" examples, run as users would run them."""

from __future__ import annotations

import re
import textwrap

import pytest

from .helpers import doc_blocks


def test_recipes_pass(pytester: pytest.Pytester) -> None:
    recipes, _ = doc_blocks("Simulating failures", "python")
    pytester.makepyfile(test_recipes=recipes)

    result = pytester.runpytest_inprocess("-v")

    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        [
            "*test_my_worker_retries_on_503 PASSED*",
            "*test_my_worker_gives_up_on_422_and_records_the_error PASSED*",
            "*test_my_worker_survives_a_dropped_connection PASSED*",
        ]
    )


def test_more_cases_are_valid_calls(pytester: pytest.Pytester) -> None:
    _, cases = doc_blocks("Simulating failures", "python")
    imports, calls = cases.split("\n\n", 1)
    added = len(re.findall(r"^telnyx_missions\.(fail_next|add_fault)\(", calls, flags=re.M))
    pytester.makepyfile(
        imports
        + "\n\ndef test_cases(telnyx_missions):\n"
        + "    run = telnyx_missions.runs[0]\n"
        + textwrap.indent(calls, "    ")
        + f"    assert len(telnyx_missions.faults) == {added}\n"
    )

    result = pytester.runpytest_inprocess()

    # The first case is strict and nothing was sent: the teardown check says so.
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*- fault rule #1 on update_run: fired 0 of 2 times;*"])
    assert added == 8
