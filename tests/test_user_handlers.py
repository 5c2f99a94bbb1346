"""``fake.httpserver``: the user's own pytest-httpserver handlers, at the fake's own address."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import telnyx
from pytest_httpserver import HTTPServer
from pytest_httpserver.httpserver import HTTPServerError

from pytest_telnyx_missions import FakeMissions

from .helpers import expect_lines, run_inner


@pytest.fixture(params=["socket", "in-process"])
def client(telnyx_missions: FakeMissions, request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    transport = telnyx_missions.httpx_transport() if request.param == "in-process" else None
    with httpx.Client(
        base_url=telnyx_missions.base_url,
        headers={"authorization": f"Bearer {telnyx_missions.api_key}"},
        transport=transport,
    ) as http:
        yield http


def test_it_is_pytest_httpservers_own_server_at_the_fakes_address(
    telnyx_missions: FakeMissions, telnyx_missions_server: FakeMissions
) -> None:
    server = telnyx_missions.httpserver

    assert isinstance(server, HTTPServer)
    assert server.url_for("/v2/calls") == f"{telnyx_missions_server.url}/v2/calls"
    with pytest.raises(HTTPServerError, match="served by the fake itself"):
        server.start()


def test_handlers_answer_other_endpoints_beside_the_missions_api(
    telnyx_missions: FakeMissions, client: httpx.Client
) -> None:
    telnyx_missions.httpserver.expect_request(
        "/v2/calls", method="POST", json={"to": "+15550100"}
    ).respond_with_json({"data": {"call_control_id": "v3:abc"}}, status=201)
    run = telnyx_missions.runs[0]

    call = client.post("/calls", json={"to": "+15550100"})
    missions_run = client.get(f"/ai/missions/{run.mission_id}/runs/{run.run_id}")

    assert (call.status_code, call.json()) == (201, {"data": {"call_control_id": "v3:abc"}})
    assert missions_run.json()["data"]["run_id"] == run.run_id  # still the fake's pipeline
    assert [entry.operation for entry in telnyx_missions.requests] == ["get_run"]
    [(request, _)] = telnyx_missions.httpserver.log
    assert request.path == "/v2/calls"


def test_the_official_sdk_reaches_them_at_the_same_base_url(telnyx_missions: FakeMissions) -> None:
    telnyx_missions.httpserver.expect_oneshot_request(
        "/v2/messages", method="POST"
    ).respond_with_json({"data": {"id": "msg-1"}})

    answer = telnyx.Telnyx().post("/messages", cast_to=object, body={"text": "hi"})

    assert answer == {"data": {"id": "msg-1"}}
    telnyx_missions.httpserver.check_assertions()


def test_without_handlers_an_unknown_path_is_still_the_fakes_404(
    telnyx_missions: FakeMissions, client: httpx.Client
) -> None:
    answer = client.get("/calls")

    assert answer.status_code == 404
    assert answer.json()["errors"][0]["code"] == "10005"
    telnyx_missions.reset()  # the teardown check would report the 404, as it should


def test_an_unmatched_request_fails_the_test_at_teardown(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        "import httpx\n",
        """
        def test_calls(telnyx_missions):
            telnyx_missions.httpserver.expect_request("/v2/calls").respond_with_json({})
            answer = httpx.get(telnyx_missions.base_url + "/messages")
            assert answer.status_code == 404  # not retried by the SDK

        def test_next_test_starts_without_handlers(telnyx_missions):
            assert telnyx_missions.httpserver.handlers == []
            assert telnyx_missions.httpserver.log == []
        """,
    )

    result.assert_outcomes(passed=2, errors=1)
    expect_lines(
        result,
        [
            "*The fake's pytest-httpserver handlers (fake.httpserver) reported:",
            "*No handler found for request <Request 'http://127.0.0.1:*/v2/messages' [GET]>*",
            "*",
            "*If the test sends these on purpose, switch the check off*",
        ],
    )


def test_the_marker_switches_the_check_off(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        "import httpx\nimport pytest\n",
        """
        @pytest.mark.telnyx_missions(check_unhandled=False)
        def test_calls(telnyx_missions):
            telnyx_missions.httpserver.expect_request("/v2/calls").respond_with_json({})
            assert httpx.get(telnyx_missions.base_url + "/messages").status_code == 404
        """,
    )

    result.assert_outcomes(passed=1)
