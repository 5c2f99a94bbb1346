"""``fake.httpserver``: pytest-httpserver's handlers, served by the fake at its own address."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_httpserver import HTTPServer
from pytest_httpserver.httpserver import HTTPServerError
from werkzeug.wrappers import Request

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = ["UserHandlers"]


class UserHandlers(HTTPServer):
    """``fake.httpserver``: a pytest-httpserver ``HTTPServer`` whose handlers the fake's own
    server serves, at the fake's own address; it never listens by itself."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(host=host, port=port)
        # Not found is a 404 the SDK does not retry (a 500 would be retried and hide the miss).
        self.no_handler_status_code = 404
        self.wsgi_app: WSGIApplication = Request.application(self.application)

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
