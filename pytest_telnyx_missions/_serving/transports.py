"""``FakeMissions``'s ways in besides its socket: in-process httpx transports and the user's own
pytest-httpserver handlers. A mixin, so these methods live together, apart from the fake's data.

httpx is imported only when a transport is asked for: the standalone server never needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

    from .._pipeline.faults.rules import FaultRegistry
    from .dispatch import Dispatcher
    from .http import KeepAliveServer
    from .user_handlers import UserHandlers

__all__ = ["Transports"]


class Transports:
    """In-process transports and ``httpserver``; mixed into ``FakeMissions``."""

    _dispatcher: Dispatcher
    _faults: FaultRegistry
    _server: KeepAliveServer

    def httpx_transport(self) -> httpx.BaseTransport:
        """An httpx transport that answers from this fake in-process, with no socket.

        ``httpx.Client(transport=fake.httpx_transport(), base_url=...)``: the journal, the
        assertions and the fault rules work as over the socket; a dropped or garbled answer
        raises what httpx raises over a socket (``httpx.RemoteProtocolError``), and a latency
        fault longer than the client's read timeout raises ``httpx.ReadTimeout``.
        """
        from .inprocess import FakeTransport

        return FakeTransport(self._dispatcher, self._faults)

    def async_httpx_transport(self) -> httpx.AsyncBaseTransport:
        """The same as :meth:`httpx_transport`, for ``httpx.AsyncClient``."""
        from .inprocess import AsyncFakeTransport

        return AsyncFakeTransport(self._dispatcher, self._faults)

    @property
    def httpserver(self) -> UserHandlers:
        """A pytest-httpserver ``HTTPServer`` served by this fake, at the fake's own address.

        Register handlers for other endpoints (``expect_request("/v2/calls")``), with the
        paths the API has; requests outside the Missions API then reach them. An unmatched
        one fails the test at teardown, as with pytest-httpserver's own fixture.
        """
        return self._dispatcher.user_handlers_at(self._server.host, self._server.port)

    def _user_handler_problems(self) -> str:
        """What the teardown check reports about ``httpserver``, or ''."""
        handlers = self._dispatcher.user_handlers
        return "" if handlers is None else handlers.problems()
