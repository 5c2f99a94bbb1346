"""A request as the fake reads it from a WSGI environ.

What werkzeug's ``Request`` gives for the few things the fake asks (method, path, body, query,
a header, the host's URL), read once. The request pipeline and the control API both read
requests this way; werkzeug is left to the user's pytest-httpserver handlers, so the standalone
server starts without importing it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol
from urllib.parse import parse_qsl

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

    from .answers import Reply

__all__ = ["ADMISSION", "HEADERS", "Admission", "Incoming", "environ_key", "header_name"]

ADMISSION = "telnyx_missions.admission"
"""The environ key of a request admitted under a test's path prefix: its :class:`Admission`."""
HEADERS = "telnyx_missions.headers"
"""The environ key of the request's headers as :meth:`Incoming.headers` lists them, set by a
server that has them at hand (the in-process transports read them once for each set of
headers a client sends); never changed once set, so shared between requests."""


class Admission(Protocol):
    """A request admitted for the test running when it arrived. The pipeline asks it, holding
    the fake's lock for the whole request, whether that test still runs: the next one cannot
    begin (nor reset the fake) between that answer and the request's effects."""

    def refusal(self) -> Reply | None:
        """None while the request's test runs; once another began, the answer refusing it."""
        ...


_DEFAULT_PORTS = {"http": "80", "https": "443"}


class Incoming:
    """One request: its environ, method, path (decoded as werkzeug decodes it) and whole body."""

    __slots__ = ("_query", "body", "environ", "method", "path")

    def __init__(self, environ: WSGIEnvironment) -> None:
        self.environ = environ
        self.method: str = environ.get("REQUEST_METHOD", "GET").upper()
        # PEP 3333's latin-1 text back to the UTF-8 the client sent, invalid bytes replaced.
        path: str = environ.get("PATH_INFO") or ""
        if not path.isascii():
            path = path.encode("latin-1").decode(errors="replace")
        # One leading slash: most paths have it already, and are kept as they are.
        self.path = path if path[:1] == "/" and path[1:2] != "/" else "/" + path.lstrip("/")
        self.body = _whole_body(environ)
        self._query: dict[str, list[str]] | None = None

    @property
    def query(self) -> dict[str, list[str]]:
        """The query as Starlette reads it: ``parse_qsl`` of the raw query string, blanks kept,
        and percent-escapes that are not UTF-8 replaced by U+FFFD."""
        if self._query is None:
            lists: dict[str, list[str]] = {}
            raw = self.environ.get("QUERY_STRING", "")
            for key, value in parse_qsl(raw, keep_blank_values=True) if raw else ():
                lists.setdefault(key, []).append(value)
            self._query = lists
        return self._query

    def header(self, name: str) -> str | None:
        """A header's value by its name (any case), or None."""
        value: str | None = self.environ.get(environ_key(name))
        return value

    def headers(self) -> dict[str, str]:
        """The headers with lower-case names, as werkzeug's ``EnvironHeaders`` lists them."""
        listed: dict[str, str] | None = self.environ.get(HEADERS)
        if listed is not None:
            return dict(listed)
        return headers_of(self.environ)

    def host_url(self) -> str:
        """``http://host:port`` as the client addressed it (its ``Host``), default port left out."""
        scheme: str = self.environ.get("wsgi.url_scheme", "http")
        host: str = self.environ.get("HTTP_HOST") or ""
        if not host:
            host = self.environ.get("SERVER_NAME", "")
            port = self.environ.get("SERVER_PORT", "")
            if port and port != _DEFAULT_PORTS.get(scheme):
                host = f"{host}:{port}"
        default = _DEFAULT_PORTS.get(scheme)
        if default is not None and host.endswith(f":{default}"):
            host = host[: -len(default) - 1]
        return f"{scheme}://{host}"


def headers_of(environ: WSGIEnvironment) -> dict[str, str]:
    """The headers of ``environ`` with lower-case names, as werkzeug's ``EnvironHeaders`` lists
    them: those of the ``HTTP_`` keys, and the body's type and length when set."""
    names = _HEADER_NAMES
    try:  # every key seen before (the usual case): one comprehension, half the loop's time
        return {
            known: value
            for key, value in environ.items()
            if (known := names[key]) and (value or key not in _BODY_KEYS)
        }
    except KeyError:
        pass
    headers: dict[str, str] = {}
    for key, value in environ.items():
        name = _HEADER_NAMES.get(key)
        if name is None:
            name = header_name(key)
            if len(_HEADER_NAMES) < _KEPT:
                _HEADER_NAMES[key] = name
        # werkzeug lists CONTENT_TYPE and CONTENT_LENGTH only when set, other headers always.
        if name and (value or key not in _BODY_KEYS):
            headers[name] = value
    return headers


def environ_key(name: str) -> str:
    """The environ key of a header name, as PEP 3333 has it (``User-Agent``:
    ``HTTP_USER_AGENT``; the body's two have no prefix)."""
    key = name.upper().replace("-", "_")
    return key if key in _BODY_KEYS else f"HTTP_{key}"


def header_name(key: str) -> str:
    """The lower-case header name of an environ key; '' for a key that is no header, and for
    the two that werkzeug leaves out (``HTTP_CONTENT_TYPE``: the body's type is
    ``CONTENT_TYPE``)."""
    if key in _BODY_KEYS:
        return key.replace("_", "-").lower()
    if not key.startswith("HTTP_") or key[5:] in _BODY_KEYS:
        return ""
    return key[5:].replace("_", "-").lower()


_BODY_KEYS = frozenset({"CONTENT_TYPE", "CONTENT_LENGTH"})
# Every request has the same few keys: their names are kept (a cap, against a client that
# sends a new header name with each request).
_HEADER_NAMES: dict[str, str] = {}
_KEPT = 1024


def _whole_body(environ: WSGIEnvironment) -> bytes:
    """The body: all of it when the server says the stream ends with it (both of the fake's
    servers do), else ``CONTENT_LENGTH`` bytes; none without a length, as werkzeug reads it."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    if environ.get("wsgi.input_terminated"):
        whole: bytes = stream.read()
        return whole
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return b""
    parts: list[bytes] = []
    while length > 0:
        part: bytes = stream.read(length)
        if not part:
            break
        parts.append(part)
        length -= len(part)
    return b"".join(parts)
