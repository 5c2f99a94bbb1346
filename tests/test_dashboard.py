"""The dashboard's page, files and data over HTTP, and the page written for a failing test.
(In a real browser: ``test_dashboard_browser.py``.)"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pytest_telnyx_missions import FakeMissions, Fault

HOSTILE = "</script><script>window.__ptm_ran = 1</script>"


@pytest.fixture
def fake() -> Iterator[FakeMissions]:
    with FakeMissions(seed=5, control_api=True) as served:
        yield served


@pytest.fixture
def client(fake: FakeMissions) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {fake.api_key}"}
    with httpx.Client(base_url=fake.url, headers=headers, timeout=30) as http:
        yield http


def _patch(client: httpx.Client, fake: FakeMissions, body: dict[str, object]) -> None:
    run = fake.runs[0]
    answer = client.patch(f"/v2/ai/missions/{run.mission_id}/runs/{run.run_id}", json=body)
    assert answer.status_code == 200, answer.text


def test_the_page_and_its_files_are_served_with_a_policy_that_allows_only_the_fake(
    client: httpx.Client,
) -> None:
    page = client.get("/_fake/ui")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "connect-src 'self'" in policy
    assert "script-src 'self';" in policy  # no inline script, no other host
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources == ["data:,", "/_fake/ui/dashboard.css", "/_fake/ui/dashboard.js"]
    for source, kind in (("dashboard.js", "text/javascript"), ("dashboard.css", "text/css")):
        answer = client.get(f"/_fake/ui/{source}")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith(kind)
        # the one URL in the files is SVG's namespace, a name that is never fetched
        assert re.findall(r"https?://[^\s\"']+", answer.text) in (
            [],
            ["http://www.w3.org/2000/svg"],
        )
    assert client.get("/_fake/ui/other.js").status_code == 404


def test_the_page_obeys_the_control_apis_host_and_origin_rules(client: httpx.Client) -> None:
    assert client.get("/_fake/ui", headers={"Host": "evil.example"}).status_code == 403
    data = client.get("/_fake/ui/data", headers={"Origin": "http://evil.example"})
    assert data.status_code == 403


def test_the_data_comes_in_increments_and_whole_after_a_reset(
    fake: FakeMissions, client: httpx.Client
) -> None:
    _patch(client, fake, {"status": "succeeded"})
    first = client.get("/_fake/ui/data").json()
    assert first["full"] is True
    assert first["next"] == 1
    [entry] = first["journal"]
    assert entry["operation"] == "update_run"
    assert entry["request"]["json"] == {"status": "succeeded"}
    assert entry["response"]["json"]["data"]["status"] == "succeeded"
    assert "authorization" not in {key.lower() for key in entry["request"]["headers"]}
    last = entry["time"]
    assert client.get("/_fake/ui/data", params={"since": 1, "last": last}).json()["journal"] == []
    _patch(client, fake, {"result_summary": "again"})
    more = client.get("/_fake/ui/data", params={"since": 1, "last": last}).json()
    assert more["full"] is False
    assert [e["number"] for e in more["journal"]] == [1]

    fake.reset()
    _patch(client, fake, {"status": "failed"})
    _patch(client, fake, {"status": "failed"})
    again = client.get("/_fake/ui/data", params={"since": 1, "last": last}).json()
    assert again["full"] is True
    assert [e["number"] for e in again["journal"]] == [0, 1]


def test_the_data_shows_timelines_state_and_fault_rules(
    fake: FakeMissions, client: httpx.Client
) -> None:
    run = fake.runs[0]
    rule = fake.add_fault("get_run", Fault(status=503), times=2)
    _patch(client, fake, {"status": "succeeded"})
    data = client.get("/_fake/ui/data").json()
    timeline = next(line for line in data["timelines"] if line["run_id"] == run.run_id)
    assert [point["status"] for point in timeline["points"]] == [None, "succeeded"]
    assert timeline["events"]
    assert timeline["steps"]
    assert {line["run_id"] for line in data["timelines"]} == {r.run_id for r in fake.runs}
    assert set(data["state"]) == set(fake.dump_state())
    [shown] = data["faults"]
    assert shown["number"] == rule.number
    assert shown["fired"] == 0
    assert shown["times"] == 2


def test_a_since_that_is_no_number_is_a_400(client: httpx.Client) -> None:
    for since in ("-1", "x", "\u0661"):  # ARABIC-INDIC DIGIT ONE: a digit, but not ASCII
        answer = client.get("/_fake/ui/data", params={"since": since})
        assert answer.status_code == 400
        assert "since must be a journal number" in answer.json()["error"]


def test_a_failing_test_gets_a_page_named_in_its_report(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    pytester.makepyfile(
        f"""
        import httpx

        def _patch(fake, body):
            run = fake.runs[0]
            headers = {{"Authorization": f"Bearer {{fake.api_key}}"}}
            with httpx.Client(transport=fake.httpx_transport(), headers=headers) as client:
                client.patch(
                    f"{{fake.base_url}}/ai/missions/{{run.mission_id}}/runs/{{run.run_id}}",
                    json=body,
                )

        def test_fails(telnyx_missions):
            _patch(telnyx_missions, {{"status": "succeeded", "result_summary": {HOSTILE!r}}})
            assert False

        def test_passes(telnyx_missions):
            _patch(telnyx_missions, {{"status": "failed"}})
        """
    )
    pages = tmp_path / "pages"
    result = pytester.runpytest_subprocess(f"--telnyx-missions-html={pages}")
    result.assert_outcomes(passed=1, failed=1)
    [page] = list(pages.iterdir())
    result.stdout.fnmatch_lines([f"The same as a page: {page}"])
    assert page.name.startswith(
        "test_a_failing_test_gets_a_page_named_in_its_report.py_test_fails-"
    )
    html = page.read_text(encoding="utf-8")
    assert "window.__ptm_ran" in html  # the summary is in the page...
    assert HOSTILE not in html  # ...but never as markup: "</" is escaped inside the JSON
    embedded = re.search(
        r'<script type="application/json" id="ptm-data">(.*?)</script>', html, re.S
    )
    assert embedded is not None
    data = json.loads(embedded.group(1))
    assert data["test"].endswith("::test_fails")
    assert [entry["request"]["json"]["status"] for entry in data["journal"]] == ["succeeded"]
    line = next(line for line in data["timelines"] if line["summary"] == HOSTILE)
    assert [point["status"] for point in line["points"]][-1] == "succeeded"
    assert line["points"][0]["status"] is not None  # the test knew the run's status at its start


def test_no_page_without_the_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_fails(telnyx_missions):\n    assert False\n")
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(failed=1)
    result.stdout.no_fnmatch_line("*The same as a page*")
