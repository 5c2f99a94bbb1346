"""The HTTP client to the upstream: the real API, or a loopback stand-in in the tests.

It holds the live key (and never shows it: not in ``repr``, not in an error), keeps a pace
(``rate`` requests per second, slower when the upstream's ``x-ratelimit-*`` headers say the
window is running out), spends a budget of requests, and retries 429 and 5xx answers as the SDK
does. An answer still 429 or 5xx after the retries comes back marked ``unavailable``: the caller
reports it and never compares it.
"""

from __future__ import annotations

import ipaddress
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import httpx

__all__ = [
    "DEFAULT_MAX_REQUESTS",
    "DEFAULT_RATE",
    "DEFAULT_URL",
    "KEY_VARIABLE",
    "BudgetExhausted",
    "Upstream",
    "UpstreamAnswer",
    "UpstreamUnreachable",
    "api_path",
    "check_upstream_url",
    "is_loopback_url",
    "is_unavailable",
]

KEY_VARIABLE = "TELNYX_MISSIONS_LIVE_API_KEY"
"""The one place a live key comes from (``TELNYX_API_KEY`` is never read for it)."""
DEFAULT_URL = "https://api.telnyx.com/v2"
DEFAULT_RATE = 2.0
DEFAULT_MAX_REQUESTS = 500
RETRIES = 2
"""As the SDK: two more tries after the first answer."""
_RETRIED = frozenset({408, 409, 429})
_LONGEST_WAIT = 60.0
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-encoding", "content-length"}
)
"""Headers that describe the upstream's connection, not its answer: httpx has already decoded
the body, so passing ``content-encoding`` on would make the client decode it twice."""


class BudgetExhausted(Exception):
    """The session has sent as many requests as ``--telnyx-missions-live-max-requests`` allows."""


class UpstreamUnreachable(Exception):
    """No answer at all (connection refused, timeout, TLS): the request may or may not have
    been applied upstream."""


def check_upstream_url(url: str) -> str:
    """``url`` without a trailing slash, or ``ValueError`` saying why it cannot be used: only
    ``https://``, or plain ``http://`` to a loopback host (a stand-in on this machine)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url.rstrip("/")
    if parts.scheme == "http" and parts.hostname:
        if _is_loopback(parts.hostname):
            return url.rstrip("/")
        raise ValueError(
            f"{url} is plain http:// to a host that is not loopback: the live key would cross "
            "the network unencrypted. Use https://, or http:// to 127.0.0.1 for a local stand-in."
        )
    raise ValueError(f"{url} is not an https:// URL (nor http:// to a loopback host)")


def is_loopback_url(url: str) -> bool:
    """``url``'s host is this machine (by address or ``localhost``, never resolved)."""
    host = urlsplit(url).hostname
    return host is not None and _is_loopback(host)


def _is_loopback(host: str) -> bool:
    """A loopback address, or ``localhost``; a name is never resolved (that would be the
    network, and a name can be made to resolve anywhere)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_unavailable(status: int) -> bool:
    """429 or 5xx: an answer of the service's load or failure, not of the request itself."""
    return status == 429 or status >= 500


def api_path(path: str) -> str:
    """``/ai/missions/...`` for a request path with or without the ``/v2`` prefix."""
    return path[3:] if path == "/v2" or path.startswith("/v2/") else path


@dataclass(frozen=True)
class UpstreamAnswer:
    """What the upstream answered: status, headers (lower-case names) and body."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    attempts: int = 1

    @property
    def unavailable(self) -> bool:
        """429 or 5xx: the service did not answer the request itself, so nothing to compare."""
        return is_unavailable(self.status)

    def json(self) -> Any:
        """The body as JSON; None when empty or not JSON."""
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def passed_on(self) -> list[tuple[str, str]]:
        """The headers to give the client with this body: all but the connection's own."""
        return [(k, v) for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP]


@dataclass
class _Pace:
    """When the next request may go: ``1 / rate`` apart, or further when the upstream says its
    window is running out (``x-ratelimit-remaining`` requests left until ``x-ratelimit-reset``)."""

    rate: float
    monotonic: Callable[[], float]
    next_at: float = 0.0
    last_sent: float = field(default=0.0)

    def wait_time(self) -> float:
        return max(0.0, self.next_at - self.monotonic())

    def sent(self) -> None:
        self.last_sent = self.monotonic()
        self.next_at = self.last_sent + 1.0 / self.rate

    def told(self, headers: Mapping[str, str]) -> None:
        remaining = _number(headers.get("x-ratelimit-remaining"))
        reset = _reset_seconds(headers.get("x-ratelimit-reset"))
        if remaining is None or reset is None:
            return
        reset = min(reset, _LONGEST_WAIT)
        if remaining <= 0:
            self.next_at = max(self.next_at, self.monotonic() + reset)
        else:  # the requests left, spread over what is left of the window
            self.next_at = max(self.next_at, self.last_sent + reset / remaining)


class Upstream:
    """Sends requests to ``base_url`` with the live key, paced, budgeted and retried."""

    def __init__(
        self,
        base_url: str,
        key: str,
        *,
        rate: float = DEFAULT_RATE,
        max_requests: int = DEFAULT_MAX_REQUESTS,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        transport: httpx.BaseTransport | None = None,
        budget_flag: str = "--telnyx-missions-live-max-requests",
    ) -> None:
        if rate <= 0:
            raise ValueError(f"the rate is requests per second, more than 0 (got {rate})")
        if max_requests < 0:
            raise ValueError(f"the request budget cannot be negative (got {max_requests})")
        import httpx  # only a live run pays for it

        self.base_url = check_upstream_url(base_url)
        self.max_requests = max_requests
        self.budget_flag = budget_flag
        """The option that sets the budget, named when it is spent."""
        self.sent = 0
        """Requests sent so far, retries included; cleanup's deletions too."""
        self._key = key
        self._sleep = sleep
        self._pace = _Pace(rate, monotonic)
        self._lock = threading.Lock()
        self._client = httpx.Client(
            timeout=timeout, transport=transport, follow_redirects=False, trust_env=False
        )

    def __repr__(self) -> str:
        return f"<Upstream {self.base_url} sent={self.sent}/{self.max_requests}>"

    @property
    def key(self) -> str:
        """The live key, for the byte scan of what is written; never to be written itself."""
        return self._key

    def send(
        self,
        method: str,
        path: str,
        *,
        query: str = "",
        body: bytes = b"",
        content_type: str | None = None,
        authorization: str | None = "live",
        budgeted: bool = True,
    ) -> UpstreamAnswer:
        """One request, retried on 408/409/429/5xx as the SDK retries (twice).

        ``authorization="live"`` sends the live key; anything else (None included) is sent as
        the client sent it, so that a missing or malformed key is compared too. ``budgeted``
        false is for the session's own cleanup, which must never be starved by the budget.
        """
        url = self.base_url + api_path(path) + (f"?{query}" if query else "")
        headers = {"accept": "application/json"}
        if authorization == "live":
            headers["authorization"] = f"Bearer {self._key}"
        elif authorization is not None:
            headers["authorization"] = authorization
        if content_type is not None:
            headers["content-type"] = content_type
        attempt = 0
        while True:
            attempt += 1
            answer = self._once(method, url, headers, body, budgeted)
            if attempt > RETRIES or not _is_retried(answer):
                return UpstreamAnswer(answer.status, answer.headers, answer.body, attempt)
            self._sleep(_retry_delay(answer.headers, attempt))

    def _once(
        self, method: str, url: str, headers: dict[str, str], body: bytes, budgeted: bool
    ) -> UpstreamAnswer:
        import httpx

        with self._lock:  # one request at a time: the pace is the session's, not a thread's
            if budgeted and self.sent >= self.max_requests:
                raise BudgetExhausted(
                    f"the live run's budget of {self.max_requests} requests is spent "
                    f"({self.budget_flag}); nothing more is sent upstream"
                )
            wait = self._pace.wait_time()
            if wait:
                self._sleep(wait)
            self.sent += 1
            self._pace.sent()
            try:
                response = self._client.request(method, url, headers=headers, content=body)
            except httpx.HTTPError as error:
                # The error's text can hold the URL, never the key (it is a header).
                raise UpstreamUnreachable(f"{method} {url}: {type(error).__name__}") from None
            answer_headers = {k.lower(): v for k, v in response.headers.items()}
            self._pace.told(answer_headers)
            return UpstreamAnswer(response.status_code, answer_headers, response.content)

    def close(self) -> None:
        self._client.close()


def _is_retried(answer: UpstreamAnswer) -> bool:
    should = answer.headers.get("x-should-retry")
    if should == "true":
        return True
    if should == "false":
        return False
    return answer.status in _RETRIED or answer.status >= 500


def _retry_delay(headers: Mapping[str, str], attempt: int) -> float:
    """``retry-after-ms``, then ``retry-after`` (seconds), else the SDK's back-off."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = _number(headers.get(name))
        if value is not None and 0 <= value * scale <= _LONGEST_WAIT:
            return value * scale
    return float(min(0.5 * 2 ** (attempt - 1), 8.0))


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text.strip())
    except ValueError:
        return None


def _reset_seconds(text: str | None) -> float | None:
    """Seconds until the window resets: the header is seconds, or an epoch time when huge."""
    value = _number(text)
    if value is None or value < 0:
        return None
    if value > 1_000_000_000:
        value -= time.time()
    return max(value, 0.0)
