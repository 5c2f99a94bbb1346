"""The one way in: every request that reaches a fake, over its socket or through an in-process
transport, is answered by :meth:`Dispatcher.answer`.

In order: an app mounted beside the API (the control API under ``/_fake``); the per-test prefix
gate (a late request of an earlier test is refused here, before anything can answer it); the
user's own pytest-httpserver handlers (``fake.httpserver``) for paths outside the Missions API;
the API's pipeline. So a behaviour can never differ between the two ways in.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

from .._api.answers import Outcome, Reply, to_reply
from .._api.errors import NO_RETRY, telnyx_error
from .._api.request import ADMISSION

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from .user_handlers import UserHandlers

__all__ = ["TEST_PREFIX", "Answering", "Dispatcher", "for_user_handlers", "wsgi_reply"]

_API_ROOT = "/ai/missions"
TEST_PREFIX = "/_t/"
_EARLIER_TESTS_KEPT = 10_000  # names of earlier tests remembered (a few hundred kB at most)


class Answering(Protocol):
    """What dispatch hands a request to: the API's pipeline, or an app mounted beside it."""

    def answer(self, environ: WSGIEnvironment) -> Reply: ...


def for_user_handlers(path: str) -> bool:
    """True when a path (without a test prefix) belongs to the user's pytest-httpserver
    handlers, not the Missions API: every path outside ``/ai/missions``, with or without ``/v2``.
    """
    api_path = path[3:] if path == "/v2" or path.startswith("/v2/") else path
    return not (api_path == _API_ROOT or api_path.startswith(_API_ROOT + "/"))


class Dispatcher:
    """The one entry point of a fake: a WSGI app for its socket server, :meth:`answer` for the
    in-process transports."""

    def __init__(self, api: Answering, lock: threading.RLock) -> None:
        self.api = api
        self.lock = lock
        self.user_handlers: UserHandlers | None = None
        self._mounts: list[tuple[str, str, Answering]] = []  # (prefix, its folder, app)
        self._tests = _TestTokens()
        self.live: Answering | None = None
        """Answers the Missions API in the pipeline's place during a live run (``live/``): it
        sends each request upstream and has the pipeline shadow it."""

    def mount(self, prefix: str, app: Answering) -> None:
        """Answer the paths under ``prefix`` (``/_fake``) with ``app``, before the API: no test
        prefix, no key, no journal, no fault rule."""
        prefix = prefix.rstrip("/")
        self._mounts.append((prefix, prefix + "/", app))

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        return self.answer(environ)(environ, start_response)

    def answer(self, environ: WSGIEnvironment) -> Reply:
        """Answer the request of ``environ`` (left unchanged). Never raises but what a fault
        rule's dropped connection raises in-process."""
        path: str = environ.get("PATH_INFO", "")
        for prefix, folder, app in self._mounts:
            if path == prefix or path.startswith(folder):
                return app.answer(environ)
        admitted = self._of_this_test(environ) if path.startswith(TEST_PREFIX) else environ
        if isinstance(admitted, Reply):
            return admitted
        handlers = self.user_handlers
        if (
            handlers is not None
            and handlers.in_use()
            and for_user_handlers(admitted.get("PATH_INFO", ""))
        ):
            return wsgi_reply(handlers.wsgi_app, admitted)
        return (self.live or self.api).answer(admitted)

    # -- the per-test prefix gate ----------------------------------------------------------
    def begin_test(self, name: str) -> str:
        """Start serving test ``name``: a new path prefix, and every earlier one refused.

        A client made from the URL with this prefix reaches the fake while the test runs; once
        the next test begins, its requests are answered 410 (never retried) and change nothing,
        and :meth:`late_requests` names them. Requests without a prefix are always served.
        """
        with self.lock:
            return self._tests.begin(name)

    def late_requests(self) -> list[str]:
        """The requests refused since :meth:`begin_test` because an earlier test's client sent
        them, one line each, naming that test."""
        with self.lock:
            return list(self._tests.late)

    def _of_this_test(self, environ: WSGIEnvironment) -> WSGIEnvironment | Reply:
        """The request's environ without its test prefix (a copy; ``environ`` itself when it has
        none), or the refusal of an earlier test's request."""
        path: str = environ.get("PATH_INFO", "")
        if not path.startswith(TEST_PREFIX):
            return environ
        token, _, rest = path[len(TEST_PREFIX) :].partition("/")
        where = f"{environ.get('REQUEST_METHOD', 'GET').upper()} /{rest}"
        with self.lock:
            if token == self._tests.token:
                # Asked again by the pipeline under the lock: the test may end meanwhile.
                admission = _Admission(self._tests, token, where)
                # The prefix is where the API is mounted for this test (a redirect keeps it).
                mounted = environ.get("SCRIPT_NAME", "") + path[: len(path) - len(rest) - 1]
                return {
                    **environ,
                    "SCRIPT_NAME": mounted,
                    "PATH_INFO": f"/{rest}",
                    ADMISSION: admission,
                }
            if token not in self._tests.earlier:
                return environ  # not a token this fake gave: an unknown route, reported as such
            return self._tests.refuse(token, where)

    # -- the user's handlers ---------------------------------------------------------------
    def reset(self) -> None:
        """Forget the user's handlers and what they answered (with the fake's reset)."""
        if self.user_handlers is not None:
            self.user_handlers.clear()

    def problems(self) -> str:
        """What the teardown check reports about ``fake.httpserver``'s handlers, or ''."""
        return "" if self.user_handlers is None else self.user_handlers.problems()

    def user_handlers_at(self, host: str, port: int) -> UserHandlers:
        """``fake.httpserver``, made on first use, told where the fake listens."""
        if self.user_handlers is None:
            from .user_handlers import UserHandlers  # pytest-httpserver: only when asked for

            self.user_handlers = UserHandlers(host, port)
        self.user_handlers.host, self.user_handlers.port = host, port
        return self.user_handlers


class _Admission:
    """A request admitted for the test of ``token`` (see ``_api.request.Admission``)."""

    __slots__ = ("_tests", "_token", "_where")

    def __init__(self, tests: _TestTokens, token: str, where: str) -> None:
        self._tests, self._token, self._where = tests, token, where

    def refusal(self) -> Reply | None:
        if self._tests.token == self._token:
            return None
        return self._tests.refuse(self._token, self._where)


class _TestTokens:
    """The path prefix of the test running now, and which test each earlier prefix served.
    Read and changed under the fake's lock."""

    def __init__(self) -> None:
        self.token: str | None = None
        self.name = ""
        self.earlier: dict[str, str] = {}
        self.late: list[str] = []

    @property
    def prefix(self) -> str:
        return f"{TEST_PREFIX}{self.token}" if self.token else ""

    def begin(self, name: str) -> str:
        if self.token is not None:
            self.earlier[self.token] = self.name
            if len(self.earlier) > _EARLIER_TESTS_KEPT:
                del self.earlier[next(iter(self.earlier))]
        self.token, self.name, self.late = secrets.token_hex(6), name, []
        return self.prefix

    def refuse(self, token: str, where: str) -> Reply:
        """The 410 answering a request of the earlier test of ``token``, noted for the report."""
        earlier = self.earlier.get(token, "an earlier test")
        self.late.append(
            f"- {where}: sent by a client of {earlier} after that test ended (answered 410, "
            "nothing changed)"
        )
        detail = (
            f"This request comes from a client made in {earlier}, which has ended; the fake "
            "refused it so that it cannot change the state of the test running now. Stop the "
            "test's threads (or wait for them) before it ends."
        )
        gone = telnyx_error(410, detail, title="Gone", headers=NO_RETRY)
        return to_reply(Outcome(gone.status, gone.body, gone.headers))


def wsgi_reply(app: WSGIApplication, environ: WSGIEnvironment) -> Reply:
    """A WSGI app's whole answer to ``environ``, as a :class:`Reply`."""
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        answer["status"], answer["headers"] = status, headers
        return lambda data: None

    chunks: Iterable[bytes] = app(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        close: Callable[[], None] | None = getattr(chunks, "close", None)
        if close is not None:
            close()
    return Reply(int(answer["status"][:3]), list(answer["headers"]), body)
