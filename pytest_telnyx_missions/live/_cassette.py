"""Cassettes: one JSON file per live test, its exchanges in order, written safely.

The layout is pytest-recording's, ``DIR/<test module>/<test name>.json``. A cassette holds the
requests the test sent and the real API's answers, nothing else:

- ids the server minted are masked into numbered placeholders per kind (``<run_id:1>``), by
  JSON structure (values under ``id``/``*_id`` keys, whole path segments, whole query values),
  never by text replacement; an id the client made up itself stays as it is;
- headers by allowlist: the answer's headers the SDK acts on, no request header at all (so
  never an ``Authorization``); a request body not sent as JSON keeps its bytes (``raw_body``,
  text, or ``raw_body_base64`` when not UTF-8) and its ``content_type``, ids in it masked the
  same way, so that a replay sends the same bytes; a request sent without a usable key is
  marked ``"authorized": false`` (never the header itself), and replayed without one;
- lists that span the organisation keep only the items of this test's own resources;
- the live key is never written: each of its forms (raw, URL-encoded, JSON-escaped) is replaced
  in the encoded bytes, which are then scanned for it before they reach the disk.

Stateful requests cannot be matched, only replayed in order: see ``_replay``.
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ._compare import (
    MAX_DEPTH,
    ORG_WIDE_OPERATIONS,
    SDK_HEADERS,
    Answer,
    Sent,
    id_values,
    is_id_key,
    sent_strings,
)
from ._safety import key_forms

__all__ = [
    "FORMAT",
    "Cassette",
    "KeyInArtifact",
    "RecordedExchange",
    "cassette_path",
    "mask_exchanges",
    "read_cassette",
    "write_cassette",
]

FORMAT = 1
"""The cassette format's version (the ``"cassette"`` key)."""

_REDACTED = "<redacted>"
_UUID = re.compile(
    r"(?<![0-9A-Za-z-])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"(?![0-9A-Za-z-])"
)
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.\-\[\]=,+]")


class ExchangeLike(Protocol):
    """What a live run keeps of one request (``_session.Exchange`` fits)."""

    @property
    def operation(self) -> str: ...
    @property
    def sent(self) -> Sent: ...
    @property
    def real(self) -> Answer: ...


@dataclass(frozen=True)
class RecordedExchange:
    """One exchange of a cassette: the request sent and the real API's answer, ids masked."""

    operation: str
    sent: Sent
    real: Answer


@dataclass(frozen=True)
class Cassette:
    test: str
    exchanges: tuple[RecordedExchange, ...]


class KeyInArtifact(ValueError):
    """The live key was found in bytes about to be written; nothing was written."""


def cassette_path(directory: Path, module: str, test_name: str) -> Path:
    """``directory/<module>/<test name>.json`` (pytest-recording's layout; a parametrized
    test's id kept, characters a file name cannot hold replaced by ``-``)."""
    module_name = module.rsplit("/", 1)[-1].rsplit(".py", 1)[0].rsplit(".", 1)[-1]
    return directory / module_name / f"{_UNSAFE_NAME.sub('-', test_name)}.json"


def mask_exchanges(exchanges: Iterable[ExchangeLike]) -> list[RecordedExchange]:
    """The exchanges with every id the server minted as its placeholder, the same id the same
    placeholder wherever it comes back (in later requests too)."""
    masks: dict[str, str] = {}
    counts: dict[str, int] = {}
    client_made: set[str] = set()
    masked: list[RecordedExchange] = []
    for exchange in exchanges:
        sent, real = exchange.sent, exchange.real
        client_made |= {value for value in sent_strings(sent) if value not in masks}
        body = real.body
        if exchange.operation in ORG_WIDE_OPERATIONS:
            body = _own_items(body, masks)  # before masking: others' ids get no placeholder
        for kind, value in id_values(body):
            if value not in masks and value not in client_made:
                counts[kind] = counts.get(kind, 0) + 1
                masks[value] = f"<{kind}:{counts[kind]}>"
        masked.append(
            RecordedExchange(
                "/".join(masks.get(part, part) for part in exchange.operation.split("/")),
                Sent(
                    sent.method.upper(),
                    "/".join(_masked_segment(segment, masks) for segment in sent.path.split("/")),
                    {name: masks.get(value, value) for name, value in sent.query.items()},
                    _masked(sent.body, masks, ""),
                    None if sent.raw is None else _raw_masked(sent.raw, masks),
                    sent.content_type,
                    sent.authorized,
                ),
                Answer(real.status, _allowed(real.headers), _masked(body, masks, "")),
            )
        )
    return masked


def cassette_json(
    test: str, exchanges: Sequence[RecordedExchange], *, key: str | None = None
) -> dict[str, Any]:
    return {
        "cassette": FORMAT,
        "test": test,
        "exchanges": [
            {
                "operation": exchange.operation,
                "request": {
                    "method": exchange.sent.method,
                    "path": exchange.sent.path,
                    "query": dict(exchange.sent.query),
                    "body": exchange.sent.body,
                    **_raw_fields(exchange.sent, key),
                    **({} if exchange.sent.authorized else {"authorized": False}),
                },
                "response": {
                    "status": exchange.real.status,
                    "headers": dict(exchange.real.headers),
                    "body": exchange.real.body,
                },
            }
            for exchange in exchanges
        ],
    }


def write_cassette(
    path: Path, test: str, exchanges: Iterable[ExchangeLike], *, key: str | None
) -> Path:
    """Write ``test``'s exchanges as a cassette at ``path`` (see :func:`cassette_path`),
    masked and allowlisted; ``key`` (the live key) is never in the bytes written."""
    doc = cassette_json(test, mask_exchanges(exchanges), key=key)
    raw = (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode()
    if key:
        # a long random secret cannot stand for anything else: its every occurrence goes
        for form in key_forms(key):
            raw = raw.replace(form.encode(), _REDACTED.encode())
        check_no_key(raw, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(raw)
    os.replace(temporary, path)
    return path


def check_no_key(raw: bytes, key: str) -> None:
    """Raise :class:`KeyInArtifact` if ``raw`` holds ``key`` in any form a file could."""
    if any(form.encode() in raw for form in key_forms(key)):
        raise KeyInArtifact("the live key is in what was about to be written: not written")


def read_cassette(path: Path) -> Cassette:
    """A cassette file; ``ValueError`` naming the file and what is wrong with it."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or doc.get("cassette") != FORMAT:
            raise ValueError(f"not a cassette of format {FORMAT}")
        exchanges = tuple(_exchange(item) for item in doc["exchanges"])
        return Cassette(str(doc.get("test") or path.stem), exchanges)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"{path}: {error!s}") from None


def _exchange(item: Mapping[str, Any]) -> RecordedExchange:
    request, response = item["request"], item["response"]
    raw: bytes | None = None
    if "raw_body" in request:
        raw = str(request["raw_body"]).encode("utf-8")
    elif "raw_body_base64" in request:
        raw = base64.b64decode(str(request["raw_body_base64"]), validate=True)
    content_type = request.get("content_type")
    return RecordedExchange(
        str(item["operation"]),
        Sent(
            str(request["method"]),
            str(request["path"]),
            {str(k): str(v) for k, v in (request.get("query") or {}).items()},
            request.get("body"),
            raw,
            None if content_type is None else str(content_type),
            request.get("authorized", True) is not False,
        ),
        Answer(
            int(response["status"]),
            {str(k): str(v) for k, v in (response.get("headers") or {}).items()},
            response.get("body"),
        ),
    )


def _raw_fields(sent: Sent, key: str | None) -> dict[str, str]:
    """A body not sent as JSON, as the cassette keeps it: text when it is UTF-8, else base64
    (whose bytes the scan for the key cannot see: so the key goes from the bytes first)."""
    if sent.raw is None:
        return {}
    raw = sent.raw
    if key:
        for form in key_forms(key):
            raw = raw.replace(form.encode(), _REDACTED.encode())
    fields = {} if sent.content_type is None else {"content_type": sent.content_type}
    try:
        return {**fields, "raw_body": raw.decode("utf-8")}
    except UnicodeDecodeError:
        return {**fields, "raw_body_base64": base64.b64encode(raw).decode("ascii")}


def _raw_masked(raw: bytes, masks: Mapping[str, str]) -> bytes:
    """The UUIDs in a raw body that ``masks`` knows, as their placeholders (ids are ASCII:
    latin-1 maps every byte to one character and back, whatever the body's encoding)."""
    return quoted_ids_masked(raw.decode("latin-1"), masks).encode("latin-1")


def _allowed(headers: Mapping[str, str]) -> dict[str, str]:
    kept = {name.lower(): value for name, value in headers.items()}
    return {name: kept[name] for name in SDK_HEADERS if name in kept}


def _masked(value: Any, masks: Mapping[str, str], key: str, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        return value  # as deep as the engine walks, and no deeper
    if isinstance(value, dict):
        return {k: _masked(v, masks, k, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        item_key = key[:-1] if key.endswith("_ids") else key
        return [_masked(v, masks, item_key, depth + 1) for v in value]
    if isinstance(value, str):
        return masks.get(value, value) if is_id_key(key) else quoted_ids_masked(value, masks)
    return value


def _masked_segment(segment: str, masks: Mapping[str, str]) -> str:
    """A path segment as its placeholder; an id the client spelled in upper case (the API
    reads ids in any case) as its placeholder in upper case, ``<MISSION_ID:1>``, so that its
    replay spells it so too."""
    if segment in masks:
        return masks[segment]
    lowered = segment.lower()
    if lowered != segment and segment.isupper() and lowered in masks:
        return masks[lowered].upper()
    return segment


def quoted_ids_masked(text: str, masks: Mapping[str, str]) -> str:
    """``text`` with each UUID in it that ``masks`` knows as its placeholder.

    Error details quote ids in prose ("Run ... not found in mission ..."). Only whole tokens of
    a UUID's exact shape are candidates, and only the ids the answers minted are replaced: a
    short value such as "200" can never match, which is what breaks text replacement.
    """
    if "-" not in text:
        return text
    return _UUID.sub(lambda found: masks.get(found.group(), found.group()), text)


def _own_items(body: Any, masks: Mapping[str, str]) -> Any:
    """An org-wide page with only the items naming an id minted earlier in this test."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        return body
    items = [
        item
        for item in body["data"]
        if isinstance(item, dict) and any(value in masks for _, value in id_values(item))
    ]
    return {**body, "data": items}
