"""A fake and a stand-in for the real API, driven as a live run drives them, through the engine
alone (no pytest live mode in between).

The stand-in is ``live_standin.StandIn``: a second ``FakeMissions`` (another seed, a fixed clock
with microseconds, two missions of "someone else" already there) served on 127.0.0.1, behind a
wrapper that checks the key and passes each answer through ``mutate`` (the one divergence a test
injects). The fake under test answers in-process and starts empty, as in a live test.
:class:`Pair` is an httpx transport: each request goes to the stand-in over the loopback socket,
the fake answers the same request minting the ids the stand-in returned, the engine compares,
and the client gets the stand-in's answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from pytest_telnyx_missions import FakeMissions
from pytest_telnyx_missions._pipeline.routes import OPERATIONS
from pytest_telnyx_missions.live._cassette import RecordedExchange, write_cassette
from pytest_telnyx_missions.live._compare import (
    ORG_WIDE_OPERATIONS,
    Answer,
    Comparison,
    Divergence,
    Sent,
    id_values,
)
from pytest_telnyx_missions.live._upstream import is_unavailable

from .live_standin import CANARY_KEY, StandIn

Mutation = Callable[[str, Sent, Answer], Answer]
"""``mutate(operation, sent, answer) -> answer``: the stand-in's answer, changed or not."""

LOCAL = "http://fake.invalid"  # never resolved: the fake answers in-process


@dataclass
class Pair(httpx.BaseTransport):
    mutate: Mutation | None = None
    standin_seed: int = 4242
    existing: int = 2
    """Missions (and runs, with their events) of "someone else" the stand-in already holds."""

    def __post_init__(self) -> None:
        self.standin = StandIn(
            seed=self.standin_seed, existing=self.existing, mutate=self._mutated
        ).start()
        self.fake = FakeMissions(state={})
        self._upstream = httpx.Client(base_url=self.standin.base_url)
        self._local = httpx.Client(transport=self.fake.httpx_transport(), base_url=LOCAL)
        self.own: set[str] = set()
        self.comparison = Comparison(own_ids=lambda: self.own)
        self.divergences: list[Divergence] = []
        self.exchanges: list[RecordedExchange] = []
        self.mutated = 0

    def close(self) -> None:
        self._upstream.close()
        self._local.close()
        self.standin.stop()
        self.fake.stop()

    def client(self) -> httpx.Client:
        """A plain client of the pair, as the SDK's would be."""
        return httpx.Client(transport=self, base_url=f"{LOCAL}/v2")

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        content = request.read()
        path = request.url.path.removeprefix("/v2")
        query = dict(request.url.params.items())
        sent = Sent(request.method, path, query, _json(content))
        headers = {"content-type": request.headers.get("content-type", "application/json")}
        up = self._upstream.request(
            request.method,
            path.removeprefix("/"),
            params=query,
            content=content,
            headers={**headers, "authorization": f"Bearer {CANARY_KEY}"},
        )
        real = Answer(up.status_code, dict(up.headers), _json(up.content))
        operation = operation_of(request.method, path)
        with self.fake._minting(self.comparison.ids_to_pin(sent, real)):
            local = self._local.request(
                request.method,
                "/v2" + path,
                params=query,
                content=content,
                headers={**headers, "authorization": f"Bearer {self.fake.api_key}"},
            )
        fake = Answer(local.status_code, dict(local.headers), _json(local.content))
        if operation not in ORG_WIDE_OPERATIONS:
            self.own.update(value for _, value in id_values(real.body))
        if not is_unavailable(real.status):  # as a live run: a 429 or 5xx is never compared
            self.divergences += self.comparison.compare(operation, sent, fake, real)
        self.exchanges.append(RecordedExchange(operation, sent, real))
        body = b"" if real.body is None else json.dumps(real.body).encode()
        kept = {k: v for k, v in real.headers.items() if k.lower() not in _FRAMING}
        return httpx.Response(real.status, headers=kept, content=body)

    def _mutated(self, sent: Sent, answer: Answer) -> Answer:
        if self.mutate is None:
            return answer
        changed = self.mutate(operation_of(sent.method, sent.path), sent, answer)
        self.mutated += changed != answer
        return changed

    def write_cassette(self, directory: Path, name: str = "test_pair") -> Path:
        path = directory / "test_module" / f"{name}.json"
        return write_cassette(path, f"test_module.py::{name}", self.exchanges, key=CANARY_KEY)


def operation_of(method: str, path: str) -> str:
    """The operation of a request (path under ``/v2``), or ``METHOD path`` for none."""
    for operation in OPERATIONS:
        if operation.method == method and operation.pattern.match(path):
            return operation.name
    return f"{method} {path}"


_FRAMING = frozenset({"content-length", "transfer-encoding", "connection", "content-encoding"})


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


@contextmanager
def pair(
    mutate: Mutation | None = None, *, standin_seed: int = 4242, existing: int = 2
) -> Iterator[Pair]:
    made = Pair(mutate, standin_seed, existing)
    try:
        yield made
    finally:
        made.close()


@contextmanager
def sdk(made: Pair) -> Iterator[Any]:
    """An official SDK client of the pair (no retries: a retry would hide a divergence)."""
    import telnyx

    http = httpx.Client(transport=made)
    client = telnyx.Telnyx(
        api_key="KEY_client", base_url=f"{LOCAL}/v2", http_client=http, max_retries=0
    )
    try:
        yield client
    finally:
        client.close()
