"""In-process httpx transports: a request goes straight into the fake's WSGI apps, no socket.

What a client sees is what it would see over a socket: a dropped or garbled answer is parsed
as the wire bytes it would have been (by h11, as httpx's own transport parses them), so the
same exception classes come out; a latency fault longer than the read timeout is a
``ReadTimeout`` while the fake finishes the request on its own thread, as a server would.
"""

from __future__ import annotations

import io
import sys
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes

import anyio
import anyio.to_thread
import h11
import httpx

from .._api.request import HEADERS, environ_key, headers_of

if TYPE_CHECKING:
    from .._pipeline.faults.rules import FaultRegistry
    from .dispatch import Dispatcher

__all__ = ["AsyncFakeTransport", "FakeTransport", "async_client", "client"]

Answer = tuple[int, list[tuple[str, str]], bytes]


class _InProcess:
    def __init__(self, dispatcher: Dispatcher, faults: FaultRegistry) -> None:
        self._dispatcher = dispatcher
        self._faults = faults

    def _answer(self, request: httpx.Request) -> Answer:
        reply = self._dispatcher.answer(_environ(request))
        if reply.wire is not None:
            return _parse_wire(reply.wire, request)
        return reply.status, reply.headers, b"" if request.method == "HEAD" else reply.body


class FakeTransport(_InProcess, httpx.BaseTransport):
    """``httpx.Client(transport=fake.httpx_transport())``."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        timeout = _read_timeout(request)
        if timeout is None or not self._faults.may_delay():
            return _response(self._answer(request), request)
        answered: list[Answer] = []
        failed: list[BaseException] = []
        done = threading.Event()

        def serve() -> None:
            try:
                answered.append(self._answer(request))
            except BaseException as exc:  # noqa: BLE001 - raised again in the client's thread
                failed.append(exc)
            finally:
                done.set()

        threading.Thread(target=serve, name="telnyx-missions-in-process", daemon=True).start()
        if not done.wait(timeout):
            raise httpx.ReadTimeout("timed out", request=request)
        if failed:
            raise failed[0]
        return _response(answered[0], request)


class AsyncFakeTransport(_InProcess, httpx.AsyncBaseTransport):
    """``httpx.AsyncClient(transport=fake.async_httpx_transport())``."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        if not self._faults.may_delay():
            # No fault can make it wait: the answer is as quick as any other in-loop work.
            return _response(self._answer(request), request)
        timeout = _read_timeout(request)
        try:
            with anyio.fail_after(timeout):
                answer = await anyio.to_thread.run_sync(
                    self._answer, request, abandon_on_cancel=True
                )
        except TimeoutError:
            raise httpx.ReadTimeout("timed out", request=request) from None
        return _response(answer, request)


def _read_timeout(request: httpx.Request) -> float | None:
    timeouts: dict[str, float | None] = request.extensions.get("timeout") or {}
    return timeouts.get("read")


def _response(answer: Answer, request: httpx.Request) -> httpx.Response:
    status, headers, body = answer
    # A stream rather than content=: httpx then skips encoding the body again (~10 us).
    return httpx.Response(
        status,
        headers=_response_headers(headers),
        stream=httpx.ByteStream(body),
        request=request,
        extensions={"http_version": b"HTTP/1.1", "reason_phrase": b""},
    )


def _response_headers(headers: list[tuple[str, str]]) -> httpx.Headers:
    """``httpx.Headers(headers)``: an answer's headers, encoded once for each set and copied
    from there (httpx copies a ``Headers`` given to a response without encoding it again). The
    latest few hundred sets are kept, as for requests."""
    key = tuple(headers)
    encoded = _RESPONSE_HEADERS.get(key)
    if encoded is None:
        encoded = httpx.Headers(headers)
        if len(_RESPONSE_HEADERS) >= _HEADER_SETS_KEPT:
            _RESPONSE_HEADERS.clear()
        _RESPONSE_HEADERS[key] = encoded
    return encoded


_RESPONSE_HEADERS: dict[tuple[tuple[str, str], ...], httpx.Headers] = {}


def _environ(request: httpx.Request) -> dict[str, Any]:
    """The WSGI environ a server would build for ``request``."""
    url = request.url
    raw_path, _, query = url.raw_path.partition(b"?")
    path = unquote_to_bytes(raw_path) if b"%" in raw_path else raw_path
    body = request.content
    environ: dict[str, Any] = {
        **_fixed_entries(url.host, url.port, url.scheme, tuple(request.headers.raw)),
        "REQUEST_METHOD": request.method,
        "PATH_INFO": path.decode("latin-1"),
        "QUERY_STRING": query.decode("latin-1"),
        "wsgi.input": io.BytesIO(body),
    }
    if "CONTENT_LENGTH" not in environ:  # last, as a server adds it
        environ["CONTENT_LENGTH"] = length = str(len(body))
        environ[HEADERS] = {**environ[HEADERS], "content-length": length}
    return environ


_FIXED: dict[str, Any] = {
    "SCRIPT_NAME": "",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "REMOTE_ADDR": "127.0.0.1",
    "wsgi.version": (1, 0),
    "wsgi.input_terminated": True,  # the whole body: werkzeug reads it unwrapped
    "wsgi.errors": sys.stderr,
    "wsgi.multithread": True,
    "wsgi.multiprocess": False,
    "wsgi.run_once": False,
}


def _fixed_entries(
    host: str, port: int | None, scheme: str, raw: tuple[tuple[bytes, bytes], ...]
) -> dict[str, Any]:
    """The entries of an environ that a client sends alike again and again: where it sent the
    request and its headers (a repeated one joined by commas), with the headers as listed for
    the journal (``HEADERS``).

    The entries of the latest few hundred are kept (a cap, against a client that sends new
    headers with each request).
    """
    key = (host, port, scheme, raw)
    entries = _FIXED_ENTRIES.get(key)
    if entries is not None:
        return entries
    headers: dict[str, str] = {}
    for raw_key, raw_value in raw:
        name = environ_key(raw_key.decode("latin-1"))
        value = raw_value.decode("latin-1")
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    entries = {
        **_FIXED,
        "SERVER_NAME": host,
        "SERVER_PORT": str(port or (443 if scheme == "https" else 80)),
        "wsgi.url_scheme": scheme,
        **headers,
        HEADERS: headers_of(headers),
    }
    if len(_FIXED_ENTRIES) >= _HEADER_SETS_KEPT:
        _FIXED_ENTRIES.clear()
    _FIXED_ENTRIES[key] = entries
    return entries


_Sent = tuple[str, int | None, str, tuple[tuple[bytes, bytes], ...]]  # host, port, scheme, headers
_FIXED_ENTRIES: dict[_Sent, dict[str, Any]] = {}
_HEADER_SETS_KEPT = 256


def _parse_wire(raw: bytes, request: httpx.Request) -> Answer:
    """What a client makes of ``raw`` sent on a connection that then closes, as httpx does."""
    if not raw:
        raise httpx.RemoteProtocolError(
            "Server disconnected without sending a response.", request=request
        )
    client = h11.Connection(h11.CLIENT)
    client.send(h11.Request(method=request.method, target="/", headers=[("Host", "fake")]))
    client.send(h11.EndOfMessage())
    client.receive_data(raw)
    client.receive_data(b"")  # the connection closed
    status, headers, body = 0, [], bytearray()
    try:
        while True:
            event = client.next_event()
            if isinstance(event, h11.Response):
                status = event.status_code
                headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in event.headers]
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                return status, headers, bytes(body)
            else:  # closed before the message ended
                raise httpx.RemoteProtocolError(
                    "peer closed connection without sending complete message body",
                    request=request,
                )
    except h11.RemoteProtocolError as exc:
        raise httpx.RemoteProtocolError(str(exc), request=request) from exc


def client(transport: FakeTransport) -> httpx.Client:
    """An ``httpx.Client`` on ``transport``, for an SDK client (the plugin's ``telnyx_client``)."""
    return httpx.Client(transport=transport)


def async_client(transport: AsyncFakeTransport) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` on ``transport`` (the plugin's ``async_telnyx_client``)."""
    return httpx.AsyncClient(transport=transport)
