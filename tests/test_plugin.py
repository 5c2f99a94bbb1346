"""The plugin as users load it: installed, found through its pytest11 entry point, no conftest."""

from __future__ import annotations

import pytest


def test_loads_through_entry_point_without_conftest(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import os

        import telnyx

        def test_fixture(telnyx_missions, request):
            assert request.config.pluginmanager.has_plugin("telnyx_missions")
            # The test's own prefix (README: Teardown checks), then the fake's usual /v2.
            assert os.environ["TELNYX_BASE_URL"] == telnyx_missions.base_url
            assert "/_t/" in os.environ["TELNYX_BASE_URL"]
            assert os.environ["TELNYX_BASE_URL"].startswith("http://127.0.0.1:")
            assert os.environ["TELNYX_BASE_URL"].endswith("/v2")
            assert os.environ["TELNYX_API_KEY"] == telnyx_missions.api_key
            run = telnyx_missions.add_run(status="running")
            client = telnyx.Telnyx()
            client.ai.missions.runs.update(run_id=run.run_id, mission_id=run.mission_id,
                                           status="succeeded", result_summary="done")
            assert telnyx_missions.get_run(run.run_id).status == "succeeded"
            [update] = telnyx_missions.run_updates(run.run_id)
            assert update.fields == {"status": "succeeded", "result_summary": "done"}

        def test_environment_stays_on_the_session_fake_after_the_test(telnyx_missions_server):
            # Never back to the real API while the session runs (README: Guarantees).
            assert os.environ["TELNYX_BASE_URL"] == telnyx_missions_server.base_url
        """
    )
    assert not list(pytester.path.glob("conftest.py"))
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=2)


def test_state_does_not_leak_between_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx
        import pytest

        @pytest.mark.parametrize("summary", ["first", "second"])
        def test_mutates_seeded_run(telnyx_missions, summary):
            run = telnyx_missions.runs[0]
            assert run.status == "running" and run.result_summary is None
            assert telnyx_missions.run_updates() == [] and telnyx_missions.requests == []
            assert len(telnyx_missions.runs) == 3
            response = httpx.patch(
                f"{telnyx_missions.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}",
                json={"status": "failed", "result_summary": summary},
                headers={"authorization": f"Bearer {telnyx_missions.api_key}"},
            )
            assert response.status_code == 200
            telnyx_missions.add_run()
            assert telnyx_missions.get_run(run.run_id).result_summary == summary
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_same_seed_same_runs_in_every_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import json

        def test_a(telnyx_missions):
            print("RUNS", json.dumps([r.model_dump(mode="json") for r in telnyx_missions.runs]))

        def test_b(telnyx_missions):
            print("RUNS", json.dumps([r.model_dump(mode="json") for r in telnyx_missions.runs]))
        """
    )

    def printed_runs(result: pytest.RunResult) -> list[str]:
        return [line[line.index("RUNS [") :] for line in result.outlines if "RUNS [" in line]

    result = pytester.runpytest("-s")
    result.assert_outcomes(passed=2)
    first, second = printed_runs(result)
    assert first == second
    assert printed_runs(pytester.runpytest("-s")) == [first, first]


def test_marker_and_ini_configure_seed_and_runs(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        """
        [pytest]
        telnyx_missions_runs = 5
        telnyx_missions_seed = 11
        """
    )
    pytester.makepyfile(
        """
        import pytest
        from pytest_telnyx_missions import FakeMissions

        pytestmark = pytest.mark.telnyx_missions(runs=4)

        def test_module_marker_beats_ini(telnyx_missions):
            assert len(telnyx_missions.runs) == 4
            assert telnyx_missions.runs == FakeMissions(seed=11, runs=4).runs

        @pytest.mark.telnyx_missions(seed=7)
        def test_nearest_marker_wins_option_by_option(telnyx_missions):
            assert telnyx_missions.runs == FakeMissions(seed=7, runs=4).runs

        class TestClass:
            pytestmark = pytest.mark.telnyx_missions(runs=1, missions=1)

            @pytest.mark.telnyx_missions(runs=6)
            def test_method(self, telnyx_missions):
                assert len(telnyx_missions.runs) == 6
                assert len(telnyx_missions.missions) == 1
        """
    )
    pytester.runpytest().assert_outcomes(passed=3)


def test_marker_rejects_unknown_options(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.telnyx_missions(sead=1)
        def test_typo(telnyx_missions):
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.re_match_lines(
        [r".*unknown options \['sead'\]; known: \['auto_create', 'check_unhandled', 'clock'"]
    )


def test_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.telnyx_missions(*seed=0, runs=3*"])


def test_internal_error_fails_the_test_loudly(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx

        def test_crash(telnyx_missions, monkeypatch):
            def boom(*args, **kwargs):
                raise RuntimeError("the store caught fire")
            monkeypatch.setattr(type(telnyx_missions._store), "run", boom)
            run = telnyx_missions.runs[0]
            response = httpx.get(
                f"{telnyx_missions.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}",
                headers={"authorization": "Bearer k"},
            )
            assert response.status_code == 500
            assert response.json()["errors"][0]["code"] == "10007"
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*internal error*", "*RuntimeError: the store caught fire*"])
