"""What answers a request that reaches the fake: the API's pipeline, the control API, or the
user's own pytest-httpserver handlers (``fake.httpserver``), whichever way it arrived (socket
or in-process transport)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .._pipeline.app import TEST_PREFIX
from .control import is_control_path

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from .._pipeline.app import App
    from .user_handlers import UserHandlers

__all__ = ["Dispatcher", "for_user_handlers"]

_API_ROOT = "/ai/missions"


def for_user_handlers(environ: WSGIEnvironment) -> bool:
    """True when a request belongs to the user's pytest-httpserver handlers, not the Missions API.

    The one place that decides the hand-off: every path outside ``/ai/missions`` (with or
    without ``/v2``), as the API has it. A base URL that gains a prefix strips it here.
    """
    path = _without_test_prefix(environ.get("PATH_INFO", ""))
    api_path = path[3:] if path == "/v2" or path.startswith("/v2/") else path
    return not (api_path == _API_ROOT or api_path.startswith(_API_ROOT + "/"))


def _without_test_prefix(path: str) -> str:
    """``path`` without a test's ``/_t/<token>`` prefix (see ``App.begin_test``)."""
    if not path.startswith(TEST_PREFIX):
        return path
    return "/" + path[len(TEST_PREFIX) :].partition("/")[2]


class Dispatcher:
    """The one WSGI entry point of a fake: picks the app that answers each request."""

    def __init__(self, api: App, control: WSGIApplication | None = None) -> None:
        self.api = api
        self.control = control
        self.user_handlers: UserHandlers | None = None

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        target = self.target(environ)
        if self.user_handlers is not None and target == self.user_handlers.wsgi_app:
            # The user's handlers are registered with the API's paths (/v2/calls), whatever
            # prefix the test's base URL adds.
            path = environ.get("PATH_INFO", "")
            environ = {**environ, "PATH_INFO": _without_test_prefix(path)}
        return target(environ, start_response)

    def target(self, environ: WSGIEnvironment) -> WSGIApplication:
        """The app that answers this request."""
        if self.control is not None and is_control_path(environ.get("PATH_INFO", "")):
            return self.control
        handlers = self.user_handlers
        if handlers is not None and handlers.in_use() and for_user_handlers(environ):
            return handlers.wsgi_app
        return self.api

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
