"""The upstream client of a live run: its pace, its retries, its budget, the URLs it accepts.

httpx's ``MockTransport`` answers in-process, and the clock is the test's: nothing waits.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from pytest_telnyx_missions.live._upstream import (
    BudgetExhausted,
    Upstream,
    UpstreamUnreachable,
    check_upstream_url,
)

KEY = "KEY_upstream_unit"


class Clock:
    """A clock that moves only when the client sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


def _upstream(
    answer: Callable[[httpx.Request], httpx.Response], clock: Clock, **options: float
) -> Upstream:
    return Upstream(
        "https://api.example.test/v2",
        KEY,
        sleep=clock.sleep,
        monotonic=clock.monotonic,
        transport=httpx.MockTransport(answer),
        **options,  # type: ignore[arg-type]
    )


def test_requests_are_paced_at_the_rate_and_carry_the_live_key() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": []})

    clock = Clock()
    upstream = _upstream(answer, clock, rate=4)
    for _ in range(3):
        assert upstream.send("GET", "/v2/ai/missions", query="page%5Bsize%5D=1").status == 200
    assert clock.sleeps == [0.25, 0.25]
    assert [str(r.url) for r in seen] == [
        "https://api.example.test/v2/ai/missions?page%5Bsize%5D=1"
    ] * 3
    assert {r.headers["authorization"] for r in seen} == {f"Bearer {KEY}"}
    assert KEY not in repr(upstream)


def test_a_client_without_a_usable_key_is_passed_on_as_it_sent() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(401, json={"errors": []})

    upstream = _upstream(answer, Clock())
    assert upstream.send("GET", "/ai/missions", authorization=None).status == 401
    assert upstream.send("GET", "/ai/missions", authorization="Basic x").status == 401
    assert "authorization" not in seen[0].headers
    assert seen[1].headers["authorization"] == "Basic x"


def test_ratelimit_headers_slow_the_pace_further() -> None:
    headers = [
        {"x-ratelimit-remaining": "4", "x-ratelimit-reset": "10"},  # 4 left in 10 s: 2.5 s apart
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "7"},  # none left: wait for the reset
        {},
    ]

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={}, headers=headers.pop(0) if headers else {})

    clock = Clock()
    upstream = _upstream(answer, clock, rate=2)
    for _ in range(4):
        upstream.send("GET", "/ai/missions")
    assert clock.sleeps == [2.5, 7.0, 0.5]


def test_429_and_5xx_are_retried_twice_honouring_retry_after_then_reported() -> None:
    statuses = [503, 429, 200]
    answers = iter(
        [
            httpx.Response(503, headers={"retry-after-ms": "1500"}),
            httpx.Response(429, headers={"retry-after": "3"}),
            httpx.Response(200, json={"data": {}}),
        ]
    )
    clock = Clock()
    upstream = _upstream(lambda request: next(answers), clock, rate=1000)
    got = upstream.send("GET", "/ai/missions")
    assert (got.status, got.attempts, got.unavailable) == (200, 3, False)
    assert clock.sleeps == [1.5, 3.0]
    assert upstream.sent == len(statuses)

    always = _upstream(lambda request: httpx.Response(502), Clock(), rate=1000)
    failed = always.send("POST", "/ai/missions", body=b"{}")
    assert (failed.status, failed.attempts, failed.unavailable) == (502, 3, True)


def test_x_should_retry_false_is_not_retried() -> None:
    upstream = _upstream(
        lambda request: httpx.Response(500, headers={"x-should-retry": "false"}), Clock()
    )
    assert upstream.send("GET", "/ai/missions").attempts == 1


def test_the_budget_counts_every_attempt_and_spares_cleanup() -> None:
    upstream = _upstream(lambda request: httpx.Response(200, json={}), Clock(), max_requests=2)
    upstream.send("GET", "/ai/missions")
    upstream.send("GET", "/ai/missions")
    with pytest.raises(BudgetExhausted, match="budget of 2 requests is spent"):
        upstream.send("GET", "/ai/missions")
    assert upstream.send("DELETE", "/ai/missions/x", budgeted=False).status == 200
    assert upstream.sent == 3


def test_no_answer_at_all_is_unreachable_without_the_key_in_the_message() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    upstream = _upstream(answer, Clock())
    with pytest.raises(UpstreamUnreachable) as raised:
        upstream.send("GET", "/ai/missions")
    assert KEY not in str(raised.value)


@pytest.mark.parametrize(
    "url",
    [
        "https://api.telnyx.com/v2",
        "http://127.0.0.1:8080/v2",
        "http://[::1]:9/v2",
        "http://localhost:1",
    ],
)
def test_urls_it_accepts(url: str) -> None:
    assert check_upstream_url(url + "/") == url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://api.telnyx.com/v2", "not loopback"),
        ("http://10.0.0.1/v2", "not loopback"),
        ("ftp://127.0.0.1/v2", "not an https:// URL"),
        ("api.telnyx.com/v2", "not an https:// URL"),
    ],
)
def test_urls_it_refuses(url: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        check_upstream_url(url)
