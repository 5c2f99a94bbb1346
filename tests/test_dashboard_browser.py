"""The dashboard in a real browser: Debian's headless Chromium, driven by selenium.

Skipped, with the reason shown, where Chromium or its driver is missing (``.ci/run`` installs
them). Set ``PTM_SCREENSHOTS=DIR`` to keep the screenshots these tests take (the docs show them).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.common.exceptions import (
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from pytest_telnyx_missions import FakeMissions, Fault

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None,
    reason="the browser tests need Debian's chromium and chromium-driver (apt-get install "
    "chromium chromium-driver); .ci/run installs them",
)
HANG = 30.0
"""Seconds after which a wait is a hang. The page polls every 0.5 s: that, not this, is what
puts a new request on screen within a second."""
HOSTILE = '<script>window.__ptm_ran = 1</script><img src=x onerror="window.__ptm_ran = 2">'


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(str(DRIVER)))
    yield driver
    driver.quit()


@pytest.fixture
def fake(browser: webdriver.Chrome) -> Iterator[FakeMissions]:
    with FakeMissions(seed=3, control_api=True) as served:
        yield served
        browser.get("about:blank")  # the page stops polling before the fake stops


def _client(fake: FakeMissions) -> httpx.Client:
    return httpx.Client(
        base_url=fake.base_url, headers={"Authorization": f"Bearer {fake.api_key}"}, timeout=HANG
    )


def _wait(browser: webdriver.Chrome, what: str, found: object) -> None:
    try:
        redrawn = (NoSuchElementException, StaleElementReferenceException)
        wait = WebDriverWait(browser, HANG, poll_frequency=0.05, ignored_exceptions=redrawn)
        wait.until(found)  # type: ignore[arg-type]
    except TimeoutException:
        raise AssertionError(f"the page never showed {what}") from None


def _screenshot(browser: webdriver.Chrome, name: str, tmp_path: Path) -> None:
    folder = Path(os.environ.get("PTM_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(folder / name))


def test_a_patch_shows_up_filters_opens_and_is_drawn(
    browser: webdriver.Chrome, fake: FakeMissions, tmp_path: Path
) -> None:
    run = fake.runs[0]
    browser.get(f"{fake.url}/_fake/ui")
    _wait(browser, "the summary", lambda b: "requests" in b.find_element(By.ID, "ptm-summary").text)
    rows_before = browser.find_elements(By.CSS_SELECTOR, "#journal tr.entry")
    with _client(fake) as client:
        client.get("/ai/missions")
        answer = client.patch(
            f"/ai/missions/{run.mission_id}/runs/{run.run_id}",
            json={"status": "succeeded", "result_summary": "all done"},
        )
    assert answer.status_code == 200
    _wait(
        browser,
        "the PATCH as a new row",
        lambda b: any(
            "update_run" in row.text
            for row in b.find_elements(By.CSS_SELECTOR, "#journal tr.entry")
        ),
    )
    rows = browser.find_elements(By.CSS_SELECTOR, "#journal tr.entry")
    assert len(rows) == len(rows_before) + 2
    assert "update_run" in rows[0].text  # newest first

    Select(browser.find_element(By.ID, "filter-operation")).select_by_value("update_run")
    rows = browser.find_elements(By.CSS_SELECTOR, "#journal tr.entry")
    assert [row.text.split()[4] for row in rows] == ["update_run"]
    rows[0].click()
    details = browser.find_element(By.CSS_SELECTOR, "#journal tr.details")
    assert '"result_summary": "all done"' in details.text  # what was sent
    assert '"status": "succeeded"' in details.text  # and what was answered
    _screenshot(browser, "dashboard-journal.png", tmp_path)

    browser.find_element(By.CSS_SELECTOR, 'nav button[data-tab="timelines"]').click()
    chart = browser.find_element(By.CSS_SELECTOR, f'svg[data-run="{run.run_id}"]')
    drawn = [
        seg.get_attribute("data-status")
        for seg in chart.find_elements(By.CSS_SELECTOR, "rect.status-seg")
    ]
    assert drawn == ["as loaded", "succeeded"]  # the status before the first change is not known
    assert chart.find_elements(By.CSS_SELECTOR, "circle.event")  # the seeded run's events
    _screenshot(browser, "dashboard-timelines.png", tmp_path)


def test_what_a_client_sent_is_shown_as_text_and_runs_nothing(
    browser: webdriver.Chrome, fake: FakeMissions
) -> None:
    run = fake.runs[0]
    with _client(fake) as client:
        client.patch(
            f"/ai/missions/{run.mission_id}/runs/{run.run_id}",
            json={"result_summary": HOSTILE, "metadata": {HOSTILE: HOSTILE}},
        )
    browser.get(f"{fake.url}/_fake/ui")
    _wait(browser, "the journal", lambda b: b.find_elements(By.CSS_SELECTOR, "#journal tr.entry"))
    browser.find_element(By.CSS_SELECTOR, "#journal tr.entry").click()
    browser.find_element(By.CSS_SELECTOR, 'nav button[data-tab="timelines"]').click()
    summary = browser.find_element(By.CSS_SELECTOR, ".timeline .summary")
    assert HOSTILE in summary.text
    browser.find_element(By.CSS_SELECTOR, 'nav button[data-tab="journal"]').click()
    assert "<script>" in browser.find_element(By.CSS_SELECTOR, "#journal tr.details").text
    assert browser.execute_script("return window.__ptm_ran === undefined") is True
    assert not browser.find_elements(By.CSS_SELECTOR, "main script, main img")


def test_the_page_asks_no_host_but_the_fake(browser: webdriver.Chrome, fake: FakeMissions) -> None:
    browser.get_log("performance")  # type: ignore[no-untyped-call] # what earlier tests left
    browser.get(f"{fake.url}/_fake/ui")
    _wait(browser, "the summary", lambda b: "requests" in b.find_element(By.ID, "ptm-summary").text)
    for tab in ("timelines", "state", "faults", "journal"):
        browser.find_element(By.CSS_SELECTOR, f'nav button[data-tab="{tab}"]').click()
    urls = []
    for entry in browser.get_log("performance"):  # type: ignore[no-untyped-call]
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    assert urls, "the performance log recorded no request"
    assert [url for url in urls if not url.startswith(fake.url + "/")] == []
    assert f"{fake.url}/_fake/ui/dashboard.js" in urls


def test_the_buttons_reset_and_load_a_state_document(
    browser: webdriver.Chrome, fake: FakeMissions, tmp_path: Path
) -> None:
    fake.add_fault("update_run", Fault(status=503))
    browser.get(f"{fake.url}/_fake/ui")
    _wait(browser, "the summary", lambda b: "3 runs" in b.find_element(By.ID, "ptm-summary").text)
    browser.find_element(By.CSS_SELECTOR, 'nav button[data-tab="faults"]').click()
    assert "503" in browser.find_element(By.ID, "tab-faults").text
    run = fake.runs[0]
    with _client(fake) as client:
        client.patch(f"/ai/missions/{run.mission_id}/runs/{run.run_id}", json={})
    fired = 'tr[data-rule="1"] td.fired'
    _wait(
        browser, "the rule fired once", lambda b: b.find_element(By.CSS_SELECTOR, fired).text == "1"
    )
    browser.find_element(By.ID, "ptm-reset").click()
    _wait(browser, "the reset", lambda b: "reset" in b.find_element(By.ID, "ptm-message").text)
    assert fake.faults == []

    document = fake.dump_state()
    kept = document["runs"][0]["run_id"]
    for kind in ("runs", "events", "plan_steps"):
        document[kind] = [item for item in document[kind] if item["run_id"] == kept]
    path = tmp_path / "one-run.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    browser.find_element(By.ID, "ptm-load").send_keys(str(path))
    _wait(
        browser,
        "the loaded state",
        lambda b: b.find_element(By.ID, "ptm-summary").text.endswith(" 1 run"),
    )
    assert len(fake.runs) == 1


def test_the_page_of_a_failing_test_opens_from_disk(
    browser: webdriver.Chrome, pytester: pytest.Pytester, tmp_path: Path
) -> None:
    pytester.makepyfile(
        """
        import httpx

        def test_fails(telnyx_missions):
            run = telnyx_missions.runs[0]
            headers = {"Authorization": f"Bearer {telnyx_missions.api_key}"}
            transport = telnyx_missions.httpx_transport()
            with httpx.Client(transport=transport, headers=headers) as client:
                client.patch(
                    f"{telnyx_missions.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}",
                    json={"status": "cancelled"},
                )
            assert False
        """
    )
    pages = tmp_path / "pages"
    pytester.runpytest_subprocess(f"--telnyx-missions-html={pages}").assert_outcomes(failed=1)
    [page] = list(pages.iterdir())
    browser.get(page.as_uri())
    _wait(browser, "the journal", lambda b: b.find_elements(By.CSS_SELECTOR, "#journal tr.entry"))
    assert browser.find_element(By.CSS_SELECTOR, "header h1").text.endswith("::test_fails")
    assert not browser.find_element(By.ID, "ptm-actions").is_displayed()
    browser.find_element(By.CSS_SELECTOR, 'nav button[data-tab="timelines"]').click()
    segments = browser.find_elements(By.CSS_SELECTOR, "svg[data-run] rect.status-seg")
    statuses = [segment.get_attribute("data-status") for segment in segments]
    assert "cancelled" in statuses
    assert "as loaded" not in statuses  # the test knew each run's status at its start
    _screenshot(browser, "failing-test-page.png", tmp_path)
