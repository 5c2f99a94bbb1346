"""What answers a request that reaches the fake: the API's pipeline, the control API, or the
user's own pytest-httpserver handlers (``fake.httpserver``), whichever way it arrived (socket
or in-process transport)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from pytest_httpserver import HTTPServer
from pytest_httpserver.httpserver import HTTPServerError
from werkzeug.wrappers import Request

from ._control import is_control_path

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from ._app import App

__all__ = ["Dispatcher", "UserHandlers", "for_user_handlers"]

_API_ROOT = "/ai/missions"


def for_user_handlers(environ: WSGIEnvironment) -> bool:
    """True when a request belongs to the user's pytest-httpserver handlers, not the Missions API.

    The one place that decides the hand-off: every path outside ``/ai/missions`` (with or
    without ``/v2``), as the API has it. A base URL that gains a prefix strips it here.
    """
    path: str = environ.get("PATH_INFO", "")
    api_path = path[3:] if path == "/v2" or path.startswith("/v2/") else path
    return not (api_path == _API_ROOT or api_path.startswith(_API_ROOT + "/"))


class UserHandlers(HTTPServer):
    """``fake.httpserver``: a pytest-httpserver ``HTTPServer`` whose handlers the fake's own
    server serves, at the fake's own address; it never listens by itself."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(host=host, port=port)
        # Not found is a 404 the SDK does not retry (a 500 would be retried and hide the miss).
        self.no_handler_status_code = 404
        self.wsgi_app: WSGIApplication = Request.application(self.application)  # type: ignore[assignment]

    def clear(self) -> None:
        super().clear()
        self.no_handler_status_code = 404

    def in_use(self) -> bool:
        """Whether a test registered a handler (or was answered by one) since the last clear."""
        return bool(
            self.handlers
            or self.oneshot_handlers
            or self.ordered_handlers
            or self.log
            or self.permanently_failed
        )

    def start(self) -> None:
        raise HTTPServerError(
            "fake.httpserver is served by the fake itself, at the fake's own address: "
            "start the fake (or use the telnyx_missions fixture) instead."
        )

    def stop(self) -> None:
        raise HTTPServerError("fake.httpserver stops with the fake: stop the fake instead.")

    def problems(self) -> str:
        """What the teardown check reports: unmatched requests and handler errors, or ''."""
        lines = [str(assertion) for assertion in self.assertions]
        lines += [f"{type(error).__name__}: {error}" for error in self.handler_errors]
        if not lines:
            return ""
        return "\n".join(
            ["The fake's pytest-httpserver handlers (fake.httpserver) reported:", *lines]
        )


class Dispatcher:
    """The one WSGI entry point of a fake: picks the app that answers each request."""

    def __init__(self, api: App, control: WSGIApplication | None = None) -> None:
        self.api = api
        self.control = control
        self.user_handlers: UserHandlers | None = None

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        return self.target(environ)(environ, start_response)

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

    def user_handlers_at(self, host: str, port: int) -> UserHandlers:
        """``fake.httpserver``, made on first use, told where the fake listens."""
        if self.user_handlers is None:
            self.user_handlers = UserHandlers(host, port)
        self.user_handlers.host, self.user_handlers.port = host, port
        return self.user_handlers
