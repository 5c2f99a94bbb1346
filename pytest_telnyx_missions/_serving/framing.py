"""HTTP/1.1 request framing as RFC 9112 has it: a request's head and its whole body, read and
checked before anything is dispatched.

Strict where a lenient reading would let two parties disagree on where a request ends (request
smuggling) or would let a client hold memory without bound: both ``Content-Length`` and
``Transfer-Encoding``, a duplicate or non-digit length, a chunk size that is not plain hex,
obsolete line folding, control bytes and oversized heads are refused, as h11 and nginx refuse
them. What the server answers itself is raised as ``Refused`` and sent in the fake's error
envelope; a client gone mid-request raises ``Incomplete`` and gets nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import unquote_to_bytes

from .._api.errors import NO_RETRY
from .limits import ServerLimits

__all__ = ["Head", "Incomplete", "Reader", "Refused", "read_body", "read_head"]

_REQUEST_LINE = re.compile(rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([^\x00-\x20\x7f]+) HTTP/(\d)\.(\d)")
_FIELD_NAME = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_NOT_IN_FIELD_VALUE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")  # CTLs but HTAB (RFC 9110 5.5)
_DIGITS = re.compile(rb"[0-9]+")
_HEX_DIGITS = re.compile(rb"[0-9A-Fa-f]+")
_QUOTED_SLASH = re.compile(rb"%2[Ff]")
_LIST_FIELDS = frozenset(
    name.title()
    for name in (
        b"Accept Accept-Charset Accept-Encoding Accept-Language Cache-Control Connection "
        b"Content-Encoding Content-Language Expect If-Match If-None-Match Pragma TE Trailer "
        b"Transfer-Encoding Upgrade Via Warning"
    ).split()
)
"""Fields whose repeated lines are one comma-separated list (RFC 9110 5.3), joined."""
_MAX_CHUNK_LINE = 4096
"""Bytes a chunk-size line may take with its extensions (which are ignored)."""
_MAX_SIZE_DIGITS = 18
"""Longer lengths are larger than any limit (and too long for ``int()`` to be cheap)."""


class Refused(Exception):
    """A request the server answers itself (``status``, ``detail``), then closes the connection."""

    def __init__(self, status: int, detail: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(status, detail)
        self.status = status
        self.detail = detail
        self.headers = headers


class Incomplete(Exception):
    """The client closed its side before the request ended: nothing to answer."""


class Reader(Protocol):
    """A connection's incoming bytes (``SocketReader``; ``io.BytesIO`` in a test)."""

    def readline(self, size: int = -1, /) -> bytes: ...

    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class Head:
    """A request line and its header fields, checked: what the gateway builds an environ from."""

    method: bytes
    target: bytes
    path: bytes
    """The target's path, percent-decoded except ``%2F`` (as WSGI servers decode it)."""
    query: bytes
    version: bytes
    headers: dict[bytes, bytes]
    """Title-cased names; a repeated list field joined with ``", "``, any other the last."""
    keep_alive: bool
    chunked: bool
    length: int
    expects_continue: bool


def read_head(reader: Reader, limits: ServerLimits) -> Head | None:
    """The next request's head; None when the client closed the connection before one began."""
    line = reader.readline(limits.max_request_line_bytes + 2)
    if line == b"\r\n":  # RFC 9112 2.2: one empty line before a request is ignored
        line = reader.readline(limits.max_request_line_bytes + 2)
    if not line:
        return None
    if not line.endswith(b"\r\n"):
        if len(line) >= limits.max_request_line_bytes + 2:
            raise Refused(
                414,
                f"The request line is longer than {limits.max_request_line_bytes} bytes "
                "(ServerLimits.max_request_line_bytes).",
            )
        if line.endswith(b"\n"):
            raise Refused(400, "HTTP requires CRLF line ends; the request line ends in LF.")
        raise Refused(400, "The connection closed before the request line ended.")
    matched = _REQUEST_LINE.fullmatch(line, 0, len(line) - 2)
    if matched is None:
        raise Refused(400, "Malformed request line: expected 'METHOD /path HTTP/1.1'.")
    method, target, major, minor = matched.groups()
    if method != method.upper():
        raise Refused(400, "Malformed method name: methods are case-sensitive and uppercase.")
    if (major, minor) not in ((b"1", b"1"), (b"1", b"0")):
        raise Refused(505, "The fake speaks HTTP/1.1 and HTTP/1.0 only.")
    if not target.startswith(b"/"):
        raise Refused(400, "The request target must be a path starting with '/'.")
    if b"#" in target:
        raise Refused(400, "Illegal #fragment in the request target.")
    path, _, query = target.partition(b"?")
    if b"%" in path:
        path = b"%2F".join(unquote_to_bytes(atom) for atom in _QUOTED_SLASH.split(path))
    try:
        headers = _read_fields(reader, limits, keep=True)
    except Incomplete:
        raise Refused(400, "The connection closed before the headers ended.") from None
    version = b"HTTP/1." + minor
    return _framed(method, target, path, query, version, headers, limits)


def _framed(
    method: bytes,
    target: bytes,
    path: bytes,
    query: bytes,
    version: bytes,
    headers: dict[bytes, bytes],
    limits: ServerLimits,
) -> Head:
    """The head, once its framing (RFC 9112 6) and connection options are known to be sound."""
    encoding, length_text = headers.get(b"Transfer-Encoding"), headers.get(b"Content-Length")
    chunked, length = False, 0
    if encoding is not None:
        if length_text is not None:
            raise Refused(400, "A request must not have both Content-Length and Transfer-Encoding.")
        if version == b"HTTP/1.0":
            raise Refused(400, "Transfer-Encoding is not defined for HTTP/1.0 requests.")
        codings = [coding.strip().lower() for coding in encoding.split(b",") if coding.strip()]
        if codings != [b"chunked"]:
            raise Refused(501, "The fake decodes the chunked transfer coding only.")
        chunked = True
    elif length_text is not None:
        if not _DIGITS.fullmatch(length_text):
            raise Refused(400, "Content-Length must be a number of bytes (digits only).")
        length = int(length_text) if len(length_text) <= _MAX_SIZE_DIGITS else 1 << 63
    options = {
        token.strip().lower() for token in headers.get(b"Connection", b"").split(b",") if token
    }
    if version == b"HTTP/1.1":
        keep_alive = b"close" not in options
    else:
        keep_alive = b"keep-alive" in options and b"close" not in options
    expects_continue = headers.get(b"Expect", b"").lower() == b"100-continue"
    return Head(
        method,
        target,
        path,
        query,
        version,
        headers,
        keep_alive,
        chunked,
        length,
        expects_continue and version == b"HTTP/1.1",
    )


def _read_fields(reader: Reader, limits: ServerLimits, *, keep: bool) -> dict[bytes, bytes]:
    """Header (or trailer) fields up to the blank line; their size and number bounded."""
    fields: dict[bytes, bytes] = {}
    budget, count = limits.max_header_bytes, 0
    while True:
        line = reader.readline(budget + 2)
        if line == b"\r\n":
            return fields
        if not line.endswith(b"\n"):
            if len(line) >= budget + 2:
                raise _too_large_head(limits)
            raise Incomplete
        budget -= len(line)
        count += 1
        if budget < 0 or count > limits.max_header_count:
            raise _too_large_head(limits)
        if not line.endswith(b"\r\n"):
            raise Refused(400, "HTTP requires CRLF line ends; a header line ends in LF.")
        if line[0] in b" \t":
            raise Refused(400, "Obsolete line folding (a header line starting with a space).")
        name, colon, value = line[:-2].partition(b":")
        if not colon or not _FIELD_NAME.fullmatch(name):
            raise Refused(400, f"Malformed header line: {_shown(line[:-2])}.")
        value = value.strip(b" \t")
        if _NOT_IN_FIELD_VALUE.search(value):
            raise Refused(400, f"The {_shown(name)} header holds a control character.")
        if not keep:
            continue
        key = name.title()
        if key in fields:
            if key == b"Content-Length":
                raise Refused(400, "A request must have one Content-Length at most.")
            if key in _LIST_FIELDS:
                value = fields[key] + b", " + value
        fields[key] = value  # any other field given twice: the last one (as cheroot has it)


def _too_large_head(limits: ServerLimits) -> Refused:
    return Refused(
        431,
        f"The request's header fields are over {limits.max_header_bytes} bytes or "
        f"{limits.max_header_count} fields (ServerLimits.max_header_bytes, max_header_count).",
    )


def _shown(raw: bytes) -> str:
    """``raw`` as a message may quote it: short, and printable only."""
    text = raw[:60].decode("latin-1").encode("unicode_escape").decode("ascii")
    return repr(text + ("..." if len(raw) > 60 else ""))


def read_body(
    reader: Reader, head: Head, limits: ServerLimits, send_continue: Callable[[], None]
) -> bytes:
    """The request's whole body, within ``limits.max_body_bytes``; ``send_continue`` is called
    only once the body is known not to be refused for its size."""
    most = limits.max_body_bytes
    if not head.chunked:
        if head.length > most:
            raise _too_large_body(f"{head.length} bytes", most)
        if not head.length:
            return b""
        if head.expects_continue:
            send_continue()
        body = reader.read(head.length)
        if len(body) < head.length:
            raise Incomplete
        return body
    if head.expects_continue:
        send_continue()
    return _read_chunks(reader, limits)


def _read_chunks(reader: Reader, limits: ServerLimits) -> bytes:
    """A chunked body (RFC 9112 7.1), its trailer fields read and dropped."""
    parts: list[bytes] = []
    total, most = 0, limits.max_body_bytes
    while True:
        line = reader.readline(_MAX_CHUNK_LINE)
        if not line.endswith(b"\r\n"):
            if len(line) >= _MAX_CHUNK_LINE:
                raise Refused(400, f"A chunk-size line is longer than {_MAX_CHUNK_LINE} bytes.")
            if line.endswith(b"\n"):
                raise Refused(400, "HTTP requires CRLF line ends; a chunk-size line ends in LF.")
            raise Incomplete
        size_text = line[:-2].split(b";", 1)[0].rstrip(b" \t")
        if not _HEX_DIGITS.fullmatch(size_text):
            raise Refused(400, f"Bad chunk size {_shown(size_text)}: hex digits only.")
        size = int(size_text, 16) if len(size_text) <= _MAX_SIZE_DIGITS else 1 << 63
        if not size:
            break
        total += size
        if total > most:
            raise _too_large_body(f"over {most} bytes (chunked)", most)
        chunk = reader.read(size)
        end = reader.read(2)
        if len(chunk) < size or len(end) < 2:
            raise Incomplete
        if end != b"\r\n":
            raise Refused(400, "A chunk's data is not followed by CRLF.")
        parts.append(chunk)
    _read_fields(reader, limits, keep=False)  # trailers: nothing the fake uses
    return b"".join(parts)


def _too_large_body(size: str, most: int) -> Refused:
    return Refused(
        413,
        f"The request body is {size}; the fake accepts at most {most} bytes "
        "(ServerLimits.max_body_bytes).",
        NO_RETRY,
    )
