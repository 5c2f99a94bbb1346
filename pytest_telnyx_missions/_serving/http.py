"""The socket path: a keep-alive HTTP/1.1 server (cheroot) in front of the fake's WSGI apps.

Why cheroot (README, "Performance"): the thread that handles a request owns its socket, so a
fault rule can drop or garble the connection synchronously, and every connection has a thread of
its own (the pool grows when none is idle), so a stalled client or a latency fault blocks
nobody. A thread stays with its connection between requests, up to the idle timeout.
"""

from __future__ import annotations

import contextlib
import io
import ipaddress
import logging
import queue
import select
import socket
import threading
from typing import TYPE_CHECKING, Any

from cheroot import server as cheroot_server
from cheroot import wsgi as cheroot_wsgi
from cheroot.workers import threadpool

from .limits import ServerLimits, too_large, too_many_connections

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = ["WORKER_THREAD_NAME", "KeepAliveServer", "ServerLimits", "is_loopback"]

WORKER_THREAD_NAME = "telnyx-missions-fake-worker"
IDLE_WORKER_SECONDS = 30.0
"""A worker with nothing to do for this long ends (a burst of clients leaves no threads behind)."""

_LOG = logging.getLogger("pytest_telnyx_missions.server")
_NO_BODY_STATUSES = (b"1", b"204", b"304")
_SHUTDOWN: Any = vars(threadpool)["_SHUTDOWNREQUEST"]  # what tells a cheroot worker to end


class _ElasticPool(threadpool.ThreadPool):
    """cheroot's pool, grown so that no connection ever waits behind another one's request.

    ``_spare`` counts the workers waiting for a job minus the jobs queued for them: a job put
    while it is zero starts a new worker. Workers idle for long end; none start before the
    first connection (a fast start).
    """

    _threads: list[threadpool.WorkerThread]
    _queue: queue.Queue[Any]

    def __init__(self, server: Any) -> None:
        super().__init__(server, min=1, max=-1)
        self._pool_lock = threading.Lock()
        self._spare = 0
        self.get = self._next_job  # cheroot's workers call pool.get() for their next connection

    def start(self) -> None:
        pass  # workers start with the first connections, not with the server

    def put(self, obj: Any) -> None:
        with self._pool_lock:
            start_one = self._spare <= 0
            self._spare -= 1  # a new worker's first _next_job gives it back
            if start_one:
                self._threads = [t for t in self._threads if t.is_alive()]
                worker = threadpool.WorkerThread(self.server)  # type: ignore[no-untyped-call]
                worker.name = WORKER_THREAD_NAME
                worker.daemon = True  # a fake never stopped must not keep the interpreter alive
                self._threads.append(worker)
        self._queue.put(obj)
        if start_one:
            worker.start()

    def _next_job(self) -> Any:
        with self._pool_lock:
            self._spare += 1
        try:
            return self._queue.get(timeout=IDLE_WORKER_SECONDS)
        except queue.Empty:
            with self._pool_lock:
                if self._spare > 0:  # nobody counts on this worker: it may end
                    self._spare -= 1
                    return _SHUTDOWN
            return self._queue.get()  # a job was promised to this worker just now

    @property
    def idle(self) -> int:
        return max(self._spare, 0)


class _Connection(cheroot_server.HTTPConnection):
    """One accepted connection; counted, and with Nagle off so an answer leaves at once."""

    def __init__(self, server: Any, sock: socket.socket, makefile: Any = None) -> None:
        if makefile is None:
            super().__init__(server, sock)
        else:
            super().__init__(server, sock, makefile)
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.admitted = False
        self._counted = True
        server.count_connection(+1)

    def communicate(self) -> bool:
        """Serve this connection's requests on this thread until it goes idle or closes.

        cheroot hands a kept-alive connection back to its selector after each request, and a
        worker takes it up again for the next: two thread hand-offs per request. Waiting here
        for the next request (up to the idle timeout) serves it with none; ``stop()`` wakes the
        wait. Returns False: the connection is done (cheroot closes it).
        """
        while super().communicate():  # type: ignore[no-untyped-call]
            if not self.rfile.has_data() and not self.server.wait_for_next_request(self):
                return False
        return False

    def close(self) -> None:
        super().close()
        if self._counted:  # cheroot may close a connection twice; it is counted out once
            self._counted = False
            self.server.count_connection(-1)


class _Collector:
    """Stands in for the connection's writer while an answer is built, so it leaves in one write."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)


class _Gateway(cheroot_wsgi.Gateway_10):
    """cheroot's WSGI 1.0 gateway: the raw socket for fault rules, and one write per answer."""

    def get_environ(self) -> dict[str, Any]:  # type: ignore[override]
        environ: dict[str, Any] = super().get_environ()  # type: ignore[no-untyped-call]
        # The key werkzeug's own server uses: a fault rule writes raw bytes there (WireAnswer).
        environ["werkzeug.socket"] = self.req.conn.socket
        return environ

    def respond(self) -> None:
        request = self.req
        body = self._whole_body(request.server.limits)
        if body is None:
            request.close_connection = True
            request.ready = False  # nothing more to write: cheroot must not add an answer
            return
        self.env["wsgi.input"] = io.BytesIO(body)
        self.env["CONTENT_LENGTH"] = str(len(body))
        self.env["wsgi.input_terminated"] = True  # whole already: werkzeug reads it unwrapped
        try:
            chunks = request.server.wsgi_app(self.env, self.start_response)
        except ConnectionAbortedError:
            # A fault rule dropped or garbled the connection on purpose: write nothing more.
            request.close_connection = True
            request.ready = False
            return
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        if not self.started_response:
            raise RuntimeError("the WSGI app returned without calling start_response")
        has_length = any(key.lower() == b"content-length" for key, _ in request.outheaders)
        if not has_length and not request.status.startswith(_NO_BODY_STATUSES):
            request.outheaders.append((b"Content-Length", str(len(body)).encode("ascii")))
        # cheroot writes the head and the body separately; collected, they leave in one send().
        writer, collector = request.conn.wfile, _Collector()
        request.conn.wfile = collector
        try:
            request.ensure_headers_sent()
            if body and request.method != b"HEAD":
                request.write(body)
        finally:
            request.conn.wfile = writer
        writer.write(b"".join(collector.parts))

    def _whole_body(self, limits: ServerLimits) -> bytes | None:
        """The request's whole body, read before anything is dispatched; None when the request
        is not to be dispatched: too large (answered 413 unread) or incomplete (the client went
        away or fell silent mid-body)."""
        request, source = self.req, self.env["wsgi.input"]
        try:
            if request.chunked_read:
                body: bytes = source.read(limits.max_body_bytes + 1)
                if len(body) > limits.max_body_bytes:
                    request.conn.wfile.write(too_large(None, limits))
                    return None
                return body
            length = int(self.env.get("CONTENT_LENGTH") or 0)
            if length > limits.max_body_bytes:
                request.conn.wfile.write(too_large(length, limits))
                return None
            body = source.read(length) if length else b""
        except (OSError, ValueError):  # reset, timed out, or a broken chunk: never dispatched
            request.server.count_incomplete()
            return None
        if len(body) < length:
            request.server.count_incomplete()
            return None
        return body


class _CherootServer(cheroot_wsgi.Server):
    """cheroot's WSGI server with the elastic pool, counted connections and a quiet log."""

    ConnectionClass = _Connection
    # How often the selector wakes (to expire idle connections, and to notice stop()).
    expiration_interval = 0.05

    def __init__(self, host: str, port: int, app: WSGIApplication, limits: ServerLimits) -> None:
        super().__init__((host, port), app, shutdown_timeout=2, request_queue_size=128)
        self.limits = limits
        # Seconds a connection may stay silent, between requests or inside one.
        self.timeout = limits.idle_timeout
        self.gateway = _Gateway
        self.requests = _ElasticPool(self)
        # Idle keep-alive connections are bounded by max_connections, not by cheroot's own limit.
        self.keep_alive_conn_limit = limits.max_connections
        self.accepted = self.open_connections = self.incomplete = 0
        self._counts_lock = threading.Lock()
        self._parked: set[_Connection] = set()
        self._stopping = False

    def count_connection(self, change: int) -> None:
        with self._counts_lock:
            self.open_connections += change
            if change > 0:
                self.accepted += 1

    def wait_for_next_request(self, conn: _Connection) -> bool:
        """Whether ``conn`` has a next request (bytes to read, or the client closed) before the
        idle timeout, with the server still serving."""
        with self._counts_lock:
            if self._stopping:
                return False
            self._parked.add(conn)
        try:
            readable, _, _ = select.select([conn.socket], [], [], self.limits.idle_timeout)
        except (OSError, ValueError):  # closed under us: stop() shut it
            return False
        finally:
            with self._counts_lock:
                self._parked.discard(conn)
        return bool(readable) and not self._stopping

    def stop(self) -> None:
        with self._counts_lock:
            self._stopping = True  # under the lock: no worker parks after this
            parked = list(self._parked)
        for conn in parked:  # wake the workers waiting for a next request: it will not come
            with contextlib.suppress(OSError):
                conn.socket.shutdown(socket.SHUT_RD)
        super().stop()

    def count_incomplete(self) -> None:
        with self._counts_lock:
            self.incomplete += 1

    def process_conn(self, conn: _Connection) -> None:
        if not conn.admitted:  # a new connection, on the selector's thread
            with self._counts_lock:
                over = self.open_connections > self.limits.max_connections
            if over:
                _refuse(conn, too_many_connections(self.limits))
                return
            conn.admitted = True
        super().process_conn(conn)

    def error_log(self, msg: str = "", level: int = logging.INFO, traceback: bool = False) -> None:
        # cheroot writes to stderr. A client that breaks off or sends garbage is no news (debug);
        # an error inside the server is, with its traceback.
        if level >= logging.ERROR:
            _LOG.error("%s", msg, exc_info=traceback)
        else:
            _LOG.debug("%s", msg)


def _refuse(conn: _Connection, answer: bytes) -> None:
    """Answer and close a connection the server will not serve, without blocking."""
    sock = conn.socket
    try:
        sock.setblocking(False)
        sock.send(answer)
        sock.recv(65536)  # whatever the client sent already: a close then is a FIN, not a reset
    except OSError:
        pass  # nothing to read, or the client is gone
    conn.close()


class KeepAliveServer:
    """Serves one WSGI app over HTTP/1.1 keep-alive on ``host:port`` from a background thread."""

    def __init__(
        self, app: WSGIApplication, host: str, port: int, limits: ServerLimits | None = None
    ) -> None:
        self.host = host
        self.port = port
        self.limits = ServerLimits() if limits is None else limits
        self._app = app
        self.server: _CherootServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.server is not None:
            return
        server = _CherootServer(self.host, self.port, self._app, self.limits)
        try:
            server.prepare()
        except OSError as exc:
            raise OSError(f"cannot listen on {self.host}:{self.port}: {exc}") from exc
        self.port = server.bind_addr[1]
        self.server = server
        self._thread = threading.Thread(
            target=server.serve, name="telnyx-missions-fake-server", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        server, thread = self.server, self._thread
        if server is None or thread is None:
            return
        self.server = self._thread = None
        server.stop()
        thread.join(timeout=5)

    def is_running(self) -> bool:
        return self.server is not None

    @property
    def accepted_connections(self) -> int:
        """How many connections the server accepted since it started (keep-alive tests)."""
        return 0 if self.server is None else self.server.accepted

    @staticmethod
    def format_host(host: str) -> str:
        """``host`` as it goes in a URL: an IPv6 address in brackets."""
        try:
            is_v6 = isinstance(ipaddress.ip_address(host), ipaddress.IPv6Address)
        except ValueError:
            is_v6 = False
        return f"[{host}]" if is_v6 else host


def is_loopback(host: str) -> bool:
    """True for a loopback address, or a name whose every address is one (``localhost``)."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return False
    addresses = {info[4][0] for info in infos}
    return bool(addresses) and all(ipaddress.ip_address(a).is_loopback for a in addresses)
