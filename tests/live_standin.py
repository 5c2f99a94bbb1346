"""A stand-in for the real API in the live tests: a second fake, on loopback, that counts.

It is a ``FakeMissions`` of its own (another seed, a fixed clock, so its ids and times differ
from the session fake's), served on 127.0.0.1 behind a WSGI wrapper that checks the Bearer key
as the real service does (the fake itself accepts any key), counts every request it receives,
and can change each answer through ``mutate(sent, answer) -> answer`` to inject a divergence.
Missions already there (``existing``) play the organisation's own missions, for the fence.
"""

from __future__ import annotations

import io
import json
import textwrap
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import pytest

from pytest_telnyx_missions import FakeMissions
from pytest_telnyx_missions._api.answers import Outcome, Reply, to_reply
from pytest_telnyx_missions._api.errors import telnyx_error
from pytest_telnyx_missions._api.request import Incoming
from pytest_telnyx_missions._serving.http import KeepAliveServer

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["CANARY_KEY", "Seen", "StandIn", "files_holding", "run_live"]

CANARY_KEY = "KEY_canary_4d1f0c9e7b2a45e8_live_only"
"""A key no file of a live run may contain: the tests grep every artifact for it."""

Mutation = Callable[[Any, Any], Any]
"""``mutate(sent, answer) -> answer`` with ``live._compare``'s ``Sent`` and ``Answer``."""


@dataclass(frozen=True)
class Seen:
    """A request as the stand-in received it."""

    method: str
    path: str
    query: str
    authorization: str | None
    json: Any


class StandIn:
    """A loopback upstream: ``with StandIn() as upstream: ... upstream.base_url``."""

    def __init__(
        self,
        *,
        key: str = CANARY_KEY,
        seed: int = 4242,
        clock: str = "2030-01-02T03:04:05.678901Z",
        existing: int = 2,
        mutate: Mutation | None = None,
    ) -> None:
        self.key = key
        self.fake = FakeMissions(seed=seed, runs=existing, missions=existing, clock=clock)
        self.mutate = mutate
        self.refuse: Callable[[Seen], int | None] | None = None
        """``refuse(seen) -> status``: answer that status (in the Telnyx envelope) without
        asking the fake, so nothing changes; None lets the request through."""
        self.seen: list[Seen] = []
        self.answered: list[Reply] = []
        """Each answer as it left, in order: what a client of a proxy must get unchanged."""
        self._lock = threading.Lock()
        self._server = KeepAliveServer(self._serve, "127.0.0.1", 0)

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> StandIn:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.port}/v2"

    # -- what it saw -----------------------------------------------------------------------
    @property
    def count(self) -> int:
        with self._lock:
            return len(self.seen)

    def requests(self, method: str | None = None) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if method is None or s.method == method]

    def mission_ids(self) -> set[str]:
        return {mission.mission_id for mission in self.fake.missions}

    # -- serving ---------------------------------------------------------------------------
    def _serve(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Incoming(environ)
        body = request.body
        authorization = request.header("Authorization")
        seen = Seen(
            request.method,
            request.path,
            environ.get("QUERY_STRING", ""),
            authorization,
            _json_or_none(body),
        )
        with self._lock:
            self.seen.append(seen)
        status = 401 if authorization != f"Bearer {self.key}" else None
        if status is None and self.refuse is not None:
            status = self.refuse(seen)
        if status is not None:
            refused = telnyx_error(status)
            return to_reply(Outcome(refused.status, refused.body))(environ, start_response)
        again = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
        again.pop("wsgi.input_terminated", None)
        reply = self.fake.wsgi_app().answer(again)
        if self.mutate is not None:
            reply = self._mutated(request, body, reply)
        with self._lock:
            self.answered.append(reply)
        return reply(environ, start_response)

    def _mutated(self, request: Incoming, body: bytes, reply: Reply) -> Reply:
        from pytest_telnyx_missions.live._compare import Answer, Sent
        from pytest_telnyx_missions.live._upstream import api_path

        query = {key: values[-1] for key, values in request.query.items()}
        sent = Sent(request.method, api_path(request.path), query, _json_or_none(body))
        answer = Answer(reply.status, dict(reply.headers), _json_or_none(reply.body))
        assert self.mutate is not None
        changed = self.mutate(sent, answer)
        headers = {k: v for k, v in changed.headers.items() if k.lower() != "content-length"}
        return to_reply(Outcome(changed.status, changed.body, headers))


def _json_or_none(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


_INNER_CONFTEST = """
import os

import httpx
import pytest


@pytest.fixture
def http(telnyx_missions):
    \"\"\"A plain HTTP client of the fake, with its key: for requests the SDK would not send.\"\"\"
    auth = {"Authorization": "Bearer " + os.environ["TELNYX_API_KEY"]}
    with httpx.Client(base_url=os.environ["TELNYX_BASE_URL"], headers=auth) as client:
        yield client
"""


def run_live(
    pytester: pytest.Pytester, upstream: StandIn, tests: str, *args: str, flag: bool = True
) -> pytest.RunResult:
    """Run ``tests`` as ``test_inner.py`` in a live session against ``upstream``, in-process,
    at a pace no test waits for (the key must be in the environment: see ``live_key``). The
    inner tests may ask for ``http``: a plain httpx client of the fake, with its key."""
    pytester.makeconftest(_INNER_CONFTEST)
    pytester.makepyfile(test_inner=textwrap.dedent(tests))
    live = ("--telnyx-missions-live",) if flag else ()
    return pytester.runpytest_inprocess(
        "-p",
        "no:cacheprovider",
        *live,
        "--telnyx-missions-live-url",
        upstream.base_url,
        "--telnyx-missions-live-rate",
        "1000",
        *args,
    )


def files_holding(root: Path, secret: str) -> list[Path]:
    """Every file under ``root`` whose bytes hold ``secret``."""
    needle = secret.encode()
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]
