"""Benchmark: the fixture's per-test reset, and a request through the fake vs a canned response.

Run: .venv/bin/python benchmarks/bench_fake.py  (loopback only; about ten seconds)
"""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable

import httpx
from pytest_httpserver import HTTPServer

from pytest_telnyx_missions import FakeMissions


def per_call_us(action: Callable[[], object], repeat: int, rounds: int = 5) -> float:
    """Median over rounds of the mean time of one call, in microseconds."""
    action()
    means = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeat):
            action()
        means.append((time.perf_counter() - start) / repeat * 1e6)
    return statistics.median(means)


def bench_reset(fake: FakeMissions) -> None:
    print("per-test reset (what the telnyx_missions fixture does before each test)")
    print(f"  reset, cached seed, 3 runs:        {per_call_us(fake.reset, 20_000):8.1f} us")

    def reset_after_a_test() -> None:
        fake.add_run()
        fake.reset()

    print(f"  add a run, then reset:             {per_call_us(reset_after_a_test, 10_000):8.1f} us")
    seeds = iter(range(1, 1_000_000))
    cold = per_call_us(lambda: fake.reset(seed=next(seeds)), 50)
    print(f"  reset to a new seed (faker, cold): {cold:8.1f} us (once per distinct seed)")
    fake.reset()


def bench_requests(fake: FakeMissions) -> None:
    run = fake.runs[0]
    path = f"/v2/ai/missions/{run.mission_id}/runs/{run.run_id}"
    auth = {"authorization": f"Bearer {fake.api_key}"}
    body = {"status": "running", "result_summary": "step 3 of 5", "metadata": {"step": 3}}
    canned = {"data": fake.get_run(run.run_id).model_dump(mode="json")}
    repeat = 1_000
    # werkzeug's server (pytest-httpserver's too) closes the connection after every answer.
    print(f"one PATCH over HTTP, httpx client, a connection each, mean of {repeat}")
    results: dict[str, float] = {}
    for threaded in (False, True):
        with HTTPServer(host="127.0.0.1", port=0, threaded=threaded) as server:
            server.expect_request(path, method="PATCH").respond_with_json(canned)
            with httpx.Client(base_url=server.url_for("")) as client:
                name = f"pytest-httpserver canned ({'threaded' if threaded else 'default'})"
                results[name] = per_call_us(lambda: client.patch(path, json=body), repeat)
    with httpx.Client(base_url=fake.url, headers=auth) as client:

        def patch() -> None:
            client.patch(path, json=body)
            fake.reset()  # keep the journal small, as the fixture does per test

        results["pytest-telnyx-missions fake"] = per_call_us(patch, repeat)
        results["  of which reset"] = per_call_us(fake.reset, repeat)
    for name, us in results.items():
        print(f"  {name:44s} {us:8.1f} us")
    fake.reset()


def bench_pipeline(fake: FakeMissions) -> None:
    from werkzeug.test import Client

    run = fake.runs[0]
    path = f"/v2/ai/missions/{run.mission_id}/runs/{run.run_id}"
    client = Client(fake.wsgi_app())
    headers = {"authorization": "Bearer k"}

    def patch() -> None:
        client.patch(path, json={"status": "running"}, headers=headers)

    def invalid() -> None:
        client.patch(path, json={"status": "RUNNING", "metadata": []}, headers=headers)

    print("the pipeline alone, in-process (werkzeug test client, no socket)")
    print(f"  valid PATCH:                       {per_call_us(patch, 2_000):8.1f} us")
    print(f"  invalid PATCH (422, 2 errors):     {per_call_us(invalid, 2_000):8.1f} us")
    fake.reset()


def bench_fixture_in_pytest(tests: int = 2_000, rounds: int = 3) -> None:
    """The whole fixture (marker lookup, reset, env, teardown check) inside a real pytest run.

    Two files of ``tests`` empty tests, one using the fixture; run alternately ``rounds`` times
    (in-process, the session server started once per run) and compare the fastest runs.
    """
    import contextlib
    import io
    import tempfile
    from pathlib import Path

    import pytest

    templates = {
        "without": "def test_{n}():\n    pass\n",
        "with": "def test_{n}(telnyx_missions):\n    pass\n",
    }
    best = dict.fromkeys(templates, float("inf"))
    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for name, template in templates.items():
            paths[name] = Path(folder) / f"test_{name}.py"
            paths[name].write_text("".join(template.format(n=n) for n in range(tests)))
        for _ in range(rounds):
            for name, path in paths.items():
                args = [str(path), "-q", "-p", "no:cacheprovider", "-o", "addopts=", "-W", "ignore"]
                start = time.perf_counter()
                with contextlib.redirect_stdout(io.StringIO()):
                    assert pytest.main(args) == 0
                best[name] = min(best[name], time.perf_counter() - start)
    per_test = {name: seconds / tests * 1e6 for name, seconds in best.items()}
    print(f"the telnyx_missions fixture inside pytest, {tests} tests, best of {rounds} runs")
    print(f"  per test without the fixture:      {per_test['without']:8.1f} us")
    print(f"  per test with the fixture:         {per_test['with']:8.1f} us")
    print(f"  the fixture's cost per test:       {per_test['with'] - per_test['without']:8.1f} us")


if __name__ == "__main__":
    # pytest-httpserver's server logs every request through werkzeug; the fake does not. Silence
    # it so that both are measured doing the same work.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with FakeMissions() as started:
        bench_reset(started)
        bench_requests(started)
        bench_pipeline(started)
    bench_fixture_in_pytest()
