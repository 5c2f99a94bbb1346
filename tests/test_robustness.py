"""Bad input never crashes or hangs the fake: every answer is clean HTTP, no error inside it."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import Client

from pytest_telnyx_missions import FakeMissions
from pytest_telnyx_missions._fake import WORKER_THREAD_NAME

HANG = 60.0
"""Seconds only a hung fake would take: a bound no loaded machine reaches."""

FAKE = FakeMissions()  # in-process only (never started): one per module, reset per example
RUN = FAKE.runs[0]
SEGMENTS = st.one_of(
    st.sampled_from(
        [
            "ai",
            "missions",
            "runs",
            "events",
            "plan",
            "steps",
            "step-1",
            "telnyx-agents",
            "knowledge-bases",
            "mcp-servers",
            "tools",
            "clone",
            "cancel",
            "pause",
            "resume",
            RUN.run_id,
            RUN.mission_id,
            RUN.run_id.upper(),
            "00000000-0000-0000-0000-000000000000",
        ]
    ),
    st.text(min_size=1, max_size=12),
)
CONTENT_TYPES = st.sampled_from(
    [
        None,
        "application/json",
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/vnd.api+json; charset=latin-1",
        "multipart/form-data; boundary=x",
        ";;",
        "*/*",
    ]
)
BODIES = st.one_of(
    st.none(),
    st.binary(max_size=200),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=12,
    ).map(lambda value: json.dumps(value).encode()),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]),
    prefix=st.sampled_from(["/v2", "", "/v3"]),
    segments=st.lists(SEGMENTS, min_size=1, max_size=9),
    query=st.dictionaries(
        st.sampled_from(["page[number]", "page[size]", "status", "type", "x"]),
        st.text(max_size=6),
        max_size=3,
    ),
    content_type=CONTENT_TYPES,
    authorization=st.sampled_from([None, "Bearer k", "bearer  k", "Basic x", "Bearer"]),
    body=BODIES,
)
def test_any_request_gets_a_clean_answer(
    method: str,
    prefix: str,
    segments: list[str],
    query: dict[str, str],
    content_type: str | None,
    authorization: str | None,
    body: bytes | None,
) -> None:
    FAKE.reset()
    headers = {"authorization": authorization} if authorization else {}
    if content_type:
        headers["content-type"] = content_type
    path = prefix + "/" + "/".join(quote(segment, safe="") for segment in segments)
    response = Client(FAKE.wsgi_app()).open(
        path, method=method, query_string=query, data=body, headers=headers
    )

    assert 200 <= response.status_code < 600
    [entry] = FAKE.requests
    assert entry.internal_error is None, entry.internal_error
    assert entry.status_code == response.status_code
    if response.status_code != 204 and method != "HEAD":
        assert response.headers["content-type"] == "application/json"
        json.loads(response.get_data())


@pytest.fixture
def served() -> Iterator[FakeMissions]:
    with FakeMissions() as fake:
        yield fake


def test_a_stalled_client_does_not_block_the_others(served: FakeMissions) -> None:
    port = int(served.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=HANG) as stalled:
        stalled.sendall(b"PATCH /v2/ai/missions/x/runs/y HTTP/1.1\r\nContent-Length: 100\r\n\r\n{")
        run = served.runs[0]
        answers = []

        def other_client() -> None:
            answers.append(
                httpx.get(
                    f"{served.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}",
                    headers={"authorization": "Bearer k"},
                    timeout=HANG,
                ).status_code
            )

        thread = threading.Thread(target=other_client)
        thread.start()
        thread.join(timeout=HANG)
        assert answers == [200]


def test_works_under_pytest_xdist(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import os

        import httpx
        import pytest

        @pytest.mark.parametrize("n", range(8))
        def test_worker(telnyx_missions, n):
            run = telnyx_missions.runs[0]
            response = httpx.patch(
                f"{os.environ['TELNYX_BASE_URL']}/ai/missions/{run.mission_id}/runs/{run.run_id}",
                json={"result_summary": str(n)},
                headers={"authorization": f"Bearer {os.environ['TELNYX_API_KEY']}"},
            )
            assert response.status_code == 200
            [update] = telnyx_missions.run_updates()
            assert update.fields == {"result_summary": str(n)}
        """
    )
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:randomly")
    result.assert_outcomes(passed=8)


def test_json_too_deep_to_serialize_is_a_clean_400_that_changes_nothing(
    served: FakeMissions,
) -> None:
    run = served.runs[0]
    deep = b'{"metadata":' + b'{"a":' * 300 + b"1" + b"}" * 301
    response = httpx.patch(
        f"{served.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}",
        content=deep,
        headers={"authorization": "Bearer k", "content-type": "application/json"},
    )
    assert response.status_code == 400  # FastAPI's is a 500: see test_answerable_depth.py
    assert "nests deeper than 256 levels" in response.json()["errors"][0]["detail"]
    assert served.get_run(run.run_id) == run
    assert served._unhandled_problems() == ""


def test_server_threads_are_reused_and_end_with_the_server() -> None:
    def pool_threads() -> set[threading.Thread]:
        return {t for t in threading.enumerate() if t.name == WORKER_THREAD_NAME}

    others = pool_threads()  # other fakes' workers, alive or on their way out
    with FakeMissions() as fake:
        run = fake.runs[0]
        url = f"{fake.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}"
        with httpx.Client(headers={"authorization": "Bearer k"}) as client:
            for _ in range(40):
                assert client.get(url).status_code == 200
        mine = pool_threads() - others
        # A worker may start while another is still closing its connection; never one each.
        assert 1 <= len(mine) <= 5
    for thread in mine:
        thread.join(timeout=HANG)
        assert not thread.is_alive()
