"""A connection's incoming bytes, with a deadline for the request being read.

A socket timeout bounds one wait only: a client sending a byte a second never trips it and can
hold a connection (and its thread) for as long as it likes. Here every wait for more bytes is
bounded by the idle timeout and by what is left of the request's own deadline, so a request head
or body takes at most its ``ServerLimits`` time, however slowly it trickles in.
"""

from __future__ import annotations

import socket
import time

__all__ = ["RequestTimedOut", "SocketReader"]

_RECEIVE_BYTES = 65536


class RequestTimedOut(TimeoutError):
    """The request was still arriving when its deadline passed."""


class SocketReader:
    """Buffered reads from one socket: ``readline``, ``read``, ``has_data`` as cheroot uses them."""

    def __init__(self, sock: socket.socket, idle_timeout: float) -> None:
        self._socket = sock
        self._idle_timeout = idle_timeout
        self._timeout: float | None = idle_timeout  # what the socket has (cheroot set it)
        self._buffer = b""
        self._position = 0
        self.closed = False  # cheroot's pool reads it when it stops
        self.deadline: float | None = None
        """``time.monotonic()`` by which the request being read must have arrived (None: none)."""

    def has_data(self) -> bool:
        """Whether bytes are buffered already (a pipelined request): no need to wait for one."""
        return self._position < len(self._buffer)

    def readline(self, size: int = -1, /) -> bytes:
        """Up to and including the next LF, at most ``size`` bytes; fewer at the end of input."""
        limit = size if size >= 0 else 1 << 62
        while True:
            start, buffer = self._position, self._buffer
            end = buffer.find(b"\n", start, start + limit)
            if end >= 0:
                self._position = end + 1
                return buffer[start : end + 1]
            if len(buffer) - start >= limit:
                self._position = start + limit
                return buffer[start : start + limit]
            received = self._receive(_RECEIVE_BYTES)
            if not received:
                self._buffer, self._position = b"", 0
                return buffer[start:]
            self._buffer, self._position = buffer[start:] + received, 0

    def read(self, size: int = -1, /) -> bytes:
        """Exactly ``size`` bytes, fewer only at the end of input (``size`` < 0: not supported)."""
        if size < 0:
            raise ValueError("SocketReader.read() needs the number of bytes to read")
        start, buffer = self._position, self._buffer
        if len(buffer) - start >= size:
            self._position = start + size
            return buffer[start : start + size]
        # A large body: received into its place, never through the buffer.
        whole = bytearray(size)
        got = len(buffer) - start
        whole[:got] = buffer[start:]
        self._buffer, self._position = b"", 0
        view = memoryview(whole)
        while got < size:
            self._bound_the_wait()
            received = self._socket.recv_into(view[got:], size - got)
            if not received:
                break
            got += received
        return bytes(view[:got])

    def finish(self) -> None:
        """The request has arrived: no deadline, and the socket's own timeout back for writing."""
        self.deadline = None
        self._set_timeout(self._idle_timeout)

    def close(self) -> None:
        self._buffer, self._position = b"", 0
        self.closed = True

    def _receive(self, size: int) -> bytes:
        self._bound_the_wait()
        return self._socket.recv(size)

    def _bound_the_wait(self) -> None:
        timeout = self._idle_timeout
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise RequestTimedOut("the request took longer than its deadline")
            timeout = min(timeout, left)
        self._set_timeout(timeout)

    def _set_timeout(self, timeout: float) -> None:
        if timeout != self._timeout:
            self._socket.settimeout(timeout)
            self._timeout = timeout
