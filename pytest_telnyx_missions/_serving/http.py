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
import time
from typing import TYPE_CHECKING, Any

from cheroot import server as cheroot_server
from cheroot import wsgi as cheroot_wsgi
from cheroot.workers import threadpool

from .framing import Head, Incomplete, Refused, read_body, read_head
from .limits import ServerLimits, refusal, timed_out, too_many_connections
from .socket_reader import SocketReader

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = [
    "WORKER_THREAD_NAME",
    "KeepAliveServer",
    "ServerLimits",
]

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


class _Request(cheroot_server.HTTPRequest):
    """One request, read by ``framing`` (RFC 9112, bounded in size and time) instead of
    cheroot's lenient parser, and answered by the gateway once its whole body is in."""

    head: Head
    body = b""

    def parse_request(self) -> None:
        reader: SocketReader = self.conn.rfile
        limits: ServerLimits = self.server.limits
        reader.deadline = time.monotonic() + limits.head_timeout
        self.started_request = True
        try:
            head = read_head(reader, limits)
        except (Refused, OSError) as failure:  # OSError: reset, or a TimeoutError
            self._not_dispatched(failure, in_body=False)
            return
        if head is None:  # the client closed the connection: nothing to answer
            return
        self.head = head
        self.method, self.uri, self.path, self.qs = head.method, head.target, head.path, head.query
        self.request_protocol = head.version
        self.response_protocol = head.version.decode("ascii")
        self.inheaders = head.headers
        self.close_connection = not head.keep_alive
        self.chunked_read = head.chunked
        self.ready = True

    def respond(self) -> None:
        reader: SocketReader = self.conn.rfile
        limits: ServerLimits = self.server.limits
        reader.deadline = time.monotonic() + limits.body_timeout
        try:
            self.body = read_body(reader, self.head, limits, self._send_continue)
        except (Refused, Incomplete, OSError) as failure:
            self._not_dispatched(failure, in_body=True)
            return
        reader.finish()
        self.rfile = io.BytesIO(self.body)  # what the gateway's environ holds as wsgi.input
        self.server.gateway(self).respond()

    def simple_response(self, status: Any, msg: Any = "") -> None:
        """cheroot's own answers (a 500 after an error in the server): in the fake's envelope."""
        text = str(status)
        detail = msg.decode("latin-1") if isinstance(msg, bytes) else str(msg or text[4:])
        self._write_refusal(refusal(int(text[:3]), detail))

    def _send_continue(self) -> None:
        self.conn.wfile.write(self.server.protocol.encode("ascii") + b" 100 Continue\r\n\r\n")

    def _not_dispatched(self, failure: Exception, *, in_body: bool) -> None:
        """Answer a request that is refused or timed out (one gone midway gets nothing)."""
        self.conn.rfile.finish()
        self.ready = False
        if isinstance(failure, Refused):
            self._write_refusal(refusal(failure.status, failure.detail, headers=failure.headers))
        elif isinstance(failure, TimeoutError):
            self._write_refusal(timed_out(self.server.limits, body=in_body))
        self.close_connection = True

    def _write_refusal(self, answer: bytes) -> None:
        self.close_connection = True
        self.sent_headers = True  # nothing else may be written for this request
        with contextlib.suppress(OSError):
            self.conn.wfile.write(answer)


class _Connection(cheroot_server.HTTPConnection):
    """One accepted connection; counted, and with Nagle off so an answer leaves at once."""

    RequestHandlerClass = _Request

    def __init__(self, server: Any, sock: socket.socket, makefile: Any = None) -> None:
        if makefile is None:
            super().__init__(server, sock)
        else:
            super().__init__(server, sock, makefile)
        self.rfile = SocketReader(sock, server.limits.idle_timeout)
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.admitted = False
        self.poller = select.poll() if hasattr(select, "poll") else None
        if self.poller is not None:
            self.poller.register(sock, select.POLLIN)
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
        # The key werkzeug's own server uses: a fault rule's raw bytes go there (Reply.wire).
        environ["werkzeug.socket"] = self.req.conn.socket
        return environ

    def respond(self) -> None:
        request = self.req
        body = request.body
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
        self.accepted = self.open_connections = 0
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
            if conn.poller is not None:  # poll(): no limit on descriptor numbers (select: 1024)
                readable = conn.poller.poll(self.limits.idle_timeout * 1000)
            else:
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
