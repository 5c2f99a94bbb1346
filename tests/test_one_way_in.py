"""One way in: the socket server and the in-process transports both call the same dispatch, so a
user handler, a late request and a normal PATCH are answered alike, with the test's prefixed
``TELNYX_BASE_URL`` and with ``base_url``."""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest

from pytest_telnyx_missions import FakeMissions

WAYS_IN = ["socket", "in-process"]


@pytest.fixture(scope="module")
def served() -> Iterator[FakeMissions]:
    with FakeMissions() as fake:
        yield fake


@pytest.fixture
def fake(served: FakeMissions) -> FakeMissions:
    served.reset()
    return served


def _client(fake: FakeMissions, way_in: str, base_url: str) -> httpx.Client:
    return httpx.Client(
        base_url=base_url,
        headers={"authorization": f"Bearer {fake.api_key}"},
        transport=fake.httpx_transport() if way_in == "in-process" else None,
    )


def _bases(fake: FakeMissions) -> dict[str, str]:
    """The base URL of the test running now (as the fixture sets it), and the plain one."""
    prefix = fake.wsgi_app().begin_test("test_now")
    return {"prefixed": f"{fake.url}{prefix}/v2", "base_url": fake.base_url}


@pytest.mark.parametrize("base", ["prefixed", "base_url"])
@pytest.mark.parametrize("way_in", WAYS_IN)
def test_a_user_handler_answers(fake: FakeMissions, way_in: str, base: str) -> None:
    fake.httpserver.expect_request("/v2/number_lookup/x").respond_with_json({"data": "found"})

    with _client(fake, way_in, _bases(fake)[base]) as client:
        answer = client.get("/number_lookup/x")

    assert (answer.status_code, answer.json()) == (200, {"data": "found"})
    [(request, _)] = fake.httpserver.log
    assert request.path == "/v2/number_lookup/x"  # the prefix never reaches the handler
    fake.check()


@pytest.mark.parametrize("base", ["prefixed", "base_url"])
@pytest.mark.parametrize("way_in", WAYS_IN)
def test_a_patch_is_applied(fake: FakeMissions, way_in: str, base: str) -> None:
    run = fake.runs[0]

    with _client(fake, way_in, _bases(fake)[base]) as client:
        answer = client.patch(
            f"/ai/missions/{run.mission_id}/runs/{run.run_id}", json={"status": "succeeded"}
        )

    assert answer.status_code == 200
    update = fake.assert_run_updated_once(run.run_id, status="succeeded")
    assert update.request.path == f"/v2/ai/missions/{run.mission_id}/runs/{run.run_id}"
    fake.check()


@pytest.mark.parametrize("target", ["patch", "user handler"])
@pytest.mark.parametrize("way_in", WAYS_IN)
def test_a_late_request_is_refused_and_changes_nothing(
    fake: FakeMissions, way_in: str, target: str
) -> None:
    run = fake.runs[0]
    fake.httpserver.expect_request("/v2/number_lookup/x").respond_with_json({"data": "found"})
    dispatcher = fake.wsgi_app()
    earlier = f"{fake.url}{dispatcher.begin_test('test_earlier')}/v2"
    dispatcher.begin_test("test_now")

    with _client(fake, way_in, earlier) as client:
        if target == "patch":
            path = f"/ai/missions/{run.mission_id}/runs/{run.run_id}"
            answer = client.patch(path, json={"status": "succeeded"})
        else:
            path = "/number_lookup/x"
            answer = client.get(path)

    assert answer.status_code == 410
    assert answer.headers["x-should-retry"] == "false"
    assert fake.requests == []
    assert fake.httpserver.log == []
    assert fake.get_run(run.run_id).status == run.status
    method = "PATCH" if target == "patch" else "GET"
    assert dispatcher.late_requests() == [
        f"- {method} /v2{path}: sent by a client of test_earlier after that test ended "
        "(answered 410, nothing changed)"
    ]
    fake.httpserver.clear()


@pytest.mark.parametrize("way_in", WAYS_IN)
def test_the_fixtures_base_url_reaches_a_user_handler(
    telnyx_missions: FakeMissions, way_in: str
) -> None:
    # As a user writes it (issue 16): this answered 404 "No handler found" in-process.
    telnyx_missions.httpserver.expect_request("/v2/number_lookup/x").respond_with_json({})
    base_url = os.environ["TELNYX_BASE_URL"]
    assert "/_t/" in base_url

    with _client(telnyx_missions, way_in, base_url) as client:
        answer = client.get("/number_lookup/x")

    assert answer.status_code == 200
