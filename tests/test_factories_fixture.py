"""The ``telnyx_missions_factory`` fixture and catalog ids, as users load them (pytester)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pytest_telnyx_missions.factories import invalid_update_run_payloads

from .helpers import doc_blocks

TWO_TESTS = """
    import json

    def test_one(telnyx_missions_factory):
        print("DATA", "one", json.dumps(telnyx_missions_factory.update_run_payload()))
        print("DATA", "one-run", json.dumps(telnyx_missions_factory.run_data()))

    def test_two(telnyx_missions_factory):
        print("DATA", "two", json.dumps(telnyx_missions_factory.update_run_payload()))
        print("DATA", "two-run", json.dumps(telnyx_missions_factory.run_data()))
"""


def collected(pytester: pytest.Pytester, *args: str, randomly: bool = False) -> dict[str, Any]:
    plugin = "randomly" if randomly else "no:randomly"
    result = pytester.runpytest_inprocess("-s", "-p", plugin, *args)
    result.assert_outcomes(passed=2)
    # With -s the prints share lines with the progress output: take what follows the marker.
    found = [line.partition("DATA ")[2].split(" ", 1) for line in result.outlines]
    return {pair[0]: json.loads(pair[1]) for pair in found if len(pair) == 2}


def test_data_differs_between_tests_and_repeats_between_runs(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_data=TWO_TESTS)

    first_run = collected(pytester)
    second_run = collected(pytester)

    assert first_run == second_run
    assert first_run["one"] != first_run["two"]
    assert first_run["one-run"]["run_id"] != first_run["two-run"]["run_id"]


def test_pytest_randomly_seed_is_mixed_in(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTEST_ADDOPTS")  # the suite keeps pytest-randomly off in inner runs
    pytester.makepyfile(test_data=TWO_TESTS)

    unseeded = collected(pytester)
    seeded = collected(pytester, "--randomly-seed=1234", randomly=True)
    replayed = collected(pytester, "--randomly-seed=1234", randomly=True)
    other = collected(pytester, "--randomly-seed=99", randomly=True)

    assert seeded == replayed
    assert seeded["one-run"] != other["one-run"]
    assert seeded["one-run"] != unseeded["one-run"]


def test_catalog_cases_show_their_ids_in_test_names(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_catalog="""
        import pytest
        from pytest_telnyx_missions.factories import invalid_update_run_payloads, invalid_run_ids

        @pytest.mark.parametrize("case", invalid_update_run_payloads())
        def test_payload(case):
            assert case.expected_status in (400, 422)

        @pytest.mark.parametrize("bad", invalid_run_ids())
        def test_run_id(bad):
            assert bad.expected_body["detail"][0]["loc"] == ["path", "run_id"]
        """
    )

    result = pytester.runpytest_inprocess("-v")

    result.stdout.fnmatch_lines(
        [
            # fnmatch reads [...] as a character class; ? stands for the brackets.
            "*::test_payload?status-int? PASSED*",
            "*::test_payload?json-truncated? PASSED*",
            "*::test_payload?no-body? PASSED*",
            "*::test_run_id?js-undefined? PASSED*",
        ]
    )
    result.stdout.no_fnmatch_line("*case0*")
    assert result.ret == 0


def test_fixture_is_listed_with_its_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess("--fixtures")

    result.stdout.fnmatch_lines(["telnyx_missions_factory*", "*seeded from the test's node id*"])


def test_the_docs_factories_example_passes(pytester: pytest.Pytester) -> None:
    code = doc_blocks("Factories", "python")[0]
    pytester.makepyfile(test_docs=code)

    result = pytester.runpytest_inprocess("-v", "-p", "no:randomly")

    result.stdout.fnmatch_lines(
        ["*::test_rejected?status-int? PASSED*", "*::test_progress_report PASSED*"]
    )
    result.assert_outcomes(passed=len(invalid_update_run_payloads()) + 1)
