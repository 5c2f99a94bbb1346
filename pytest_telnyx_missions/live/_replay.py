"""Offline replay: a fresh fake driven by each cassette's requests in order, its answers
compared with the recorded ones.

A stateful API is replayed as a script, never by matching requests: request N is sent after
requests 1..N-1, to a fake that started empty (as a live test's does). Each placeholder of the
recording stands for one id: the fake is made to mint it (``FakeMissions._minting``) the first
time the recording's answer shows it, and later requests name it.
"""

from __future__ import annotations

import io
import json
import re
import sys
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from ._cassette import Cassette, quoted_ids_masked, read_cassette
from ._compare import MAX_DEPTH, Answer, Comparison, Divergence, Sent, id_values, is_id_key
from ._upstream import is_unavailable

if TYPE_CHECKING:
    from .._fake import FakeMissions

__all__ = ["KnownDivergence", "Replayed", "Report", "read_known", "replay"]

REPLAY_CLOCK = "2026-01-01T00:00:00.500000Z"
"""The replaying fake's fixed clock: deterministic, and with microseconds, so that the digits
of a recorded fraction are compared (a time without a fraction compares with any)."""
_ID_NAMESPACE = uuid.UUID("6f1c3a8e-4b2d-4e7f-9a05-0c1d2e3f4a5b")
_REPLAY_KEY = "KEY_replay"
_PLACEHOLDER = re.compile(r"^<[A-Za-z_]+:\d+>$")
_PLACEHOLDER_IN_TEXT = re.compile(r"<[A-Za-z_]+:\d+>")


@dataclass(frozen=True)
class KnownDivergence:
    """An entry of a known file: ``{"operation", "kind", "path"}``, optionally ``"test"``."""

    operation: str
    kind: str
    path: str
    test: str | None = None

    def matches(self, test: str, divergence: Divergence) -> bool:
        return (
            (divergence.operation, divergence.kind, divergence.path)
            == (self.operation, self.kind, self.path)
        ) and (self.test is None or self.test == test)

    def to_json(self) -> dict[str, str]:
        found = {"operation": self.operation, "kind": self.kind, "path": self.path}
        return found if self.test is None else {**found, "test": self.test}


@dataclass(frozen=True)
class Replayed:
    """A divergence found on replay: which cassette, which exchange (from 1)."""

    test: str
    cassette: str
    exchange: int
    divergence: Divergence
    known: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "test": self.test,
            "cassette": self.cassette,
            "exchange": self.exchange,
            "known": self.known,
            **self.divergence.to_json(),
        }


@dataclass
class Report:
    """What a replay found. ``ok`` when every divergence was known and every known one seen."""

    cassettes: int = 0
    exchanges: int = 0
    divergences: list[Replayed] = field(default_factory=list)
    stale: list[KnownDivergence] = field(default_factory=list)
    """Known entries that no longer occur: the fake (or the API) changed, the file must too."""
    not_compared: int = 0
    """Recorded answers of 429 or 5xx: the service did not answer the request itself, so the
    live run compared nothing (nor asked the fake), and neither does the replay."""

    @property
    def unknown(self) -> list[Replayed]:
        return [found for found in self.divergences if not found.known]

    @property
    def ok(self) -> bool:
        return not self.unknown and not self.stale

    def to_json(self) -> dict[str, Any]:
        return {
            "cassettes": self.cassettes,
            "exchanges": self.exchanges,
            "divergences": [found.to_json() for found in self.divergences],
            "stale_known": [entry.to_json() for entry in self.stale],
            "not_compared": self.not_compared,
            "ok": self.ok,
        }

    def lines(self) -> list[str]:
        """What the command prints."""
        lines = [
            f"replayed {self.exchanges} requests of {self.cassettes} cassettes: "
            f"{len(self.divergences)} divergences ({len(self.unknown)} not known), "
            f"{len(self.stale)} known entries no longer seen"
            + (
                f", {self.not_compared} recorded 429/5xx answers not compared"
                if self.not_compared
                else ""
            )
        ]
        for found in self.divergences:
            d = found.divergence
            mark = "known" if found.known else "NEW"
            lines.append(
                f"  [{mark}] {found.test} #{found.exchange} {d.operation} {d.path}: {d.kind} "
                f"({d.severity}): fake {json.dumps(d.fake)}, recorded {json.dumps(d.real)}"
            )
        lines += [f"  [stale] {json.dumps(entry.to_json())}" for entry in self.stale]
        return lines


def read_known(source: Path | str | Iterable[Mapping[str, Any]]) -> list[KnownDivergence]:
    """A known file (a JSON list of entries, or a ``report.json`` with ``divergences``), or the
    entries themselves; ``ValueError`` saying what is wrong."""
    if isinstance(source, (str, Path)):
        try:
            doc = json.loads(Path(source).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ValueError(f"{source}: {error}") from None
        entries = doc.get("divergences") if isinstance(doc, dict) else doc
    else:
        entries = list(source)
    if not isinstance(entries, list) or not all(
        isinstance(e, Mapping) and {"operation", "kind", "path"} <= set(e) for e in entries
    ):
        raise ValueError(
            f"{source}: expected a report.json or a list of {{operation, kind, path[, test]}} "
            "objects"
        )
    return [
        KnownDivergence(
            str(e["operation"]), str(e["kind"]), str(e["path"]), e.get("test") and str(e["test"])
        )
        for e in entries
    ]


def cassette_files(paths: Iterable[Path | str]) -> list[Path]:
    """The cassettes named: files as given, directories searched for ``*.json``."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(path.rglob("*.json")))
        elif path.is_file():
            found.append(path)
        else:
            raise ValueError(f"{path}: no such file or directory")
    return found


def replay(
    paths: Iterable[Path | str],
    known: Path | str | Iterable[Mapping[str, Any]] | None = None,
) -> Report:
    """Replay every cassette of ``paths`` (files, or directories of them) on a fresh fake each;
    divergences listed in ``known`` pass, known ones that no longer occur are ``stale``."""
    entries = read_known(known) if known is not None else []
    report = Report()
    seen: set[KnownDivergence] = set()
    for path in cassette_files(paths):
        cassette = read_cassette(path)
        report.cassettes += 1
        for number, divergences in _replayed(cassette):
            report.exchanges += 1
            if divergences is None:
                report.not_compared += 1
                continue
            for divergence in divergences:
                matching = [e for e in entries if e.matches(cassette.test, divergence)]
                seen.update(matching)
                report.divergences.append(
                    Replayed(cassette.test, str(path), number, divergence, bool(matching))
                )
    report.stale = [entry for entry in entries if entry not in seen]
    return report


def _replayed(cassette: Cassette) -> Iterator[tuple[int, list[Divergence] | None]]:
    """Each exchange's number (from 1) and its divergences; None for a recorded 429 or 5xx,
    which a live run neither shadows on the fake nor compares (``UpstreamAnswer.unavailable``)."""
    from .._fake import FakeMissions

    fake = FakeMissions(state={}, clock=REPLAY_CLOCK, api_key=_REPLAY_KEY)
    ids: dict[str, str] = {}  # placeholder -> the id the fake mints for it
    comparison = Comparison(own_ids=lambda: {*ids, *ids.values()})
    try:
        for number, exchange in enumerate(cassette.exchanges, start=1):
            if is_unavailable(exchange.real.status):
                yield number, None
                continue
            sent = _with_ids(exchange.sent, ids)
            fresh = [
                value
                for _, value in id_values(exchange.real.body)
                if _PLACEHOLDER.match(value) and value not in ids
            ]
            for placeholder in dict.fromkeys(fresh):
                ids[placeholder] = str(uuid.uuid5(_ID_NAMESPACE, placeholder))
            with fake._minting(ids[placeholder] for placeholder in dict.fromkeys(fresh)):
                answer = _ask(fake, sent)
            # the recording quotes placeholders in its prose (error details): so does the fake's
            back = {made: placeholder for placeholder, made in ids.items()}
            answer = replace(answer, body=_prose_masked(answer.body, back))
            yield number, comparison.compare(exchange.operation, sent, answer, exchange.real)
    finally:
        fake.stop()


def _with_ids(sent: Sent, ids: Mapping[str, str]) -> Sent:
    """The recorded request with each placeholder as the id the fake has for it."""
    raw = sent.raw
    if raw is not None:  # placeholders quoted in the bytes, as the cassette masked them
        text = _PLACEHOLDER_IN_TEXT.sub(lambda m: ids.get(m[0], m[0]), raw.decode("latin-1"))
        raw = text.encode("latin-1")
    return Sent(
        sent.method,
        "/".join(_unmasked_segment(segment, ids) for segment in sent.path.split("/")),
        {name: ids.get(value, value) for name, value in sent.query.items()},
        _substituted(sent.body, ids),
        raw,
        sent.content_type,
        sent.authorized,
    )


def _unmasked_segment(segment: str, ids: Mapping[str, str]) -> str:
    """A path segment's id for its placeholder (an upper-case placeholder: the id upper-cased)."""
    if segment in ids:
        return ids[segment]
    lowered = segment.lower()
    if lowered != segment and lowered in ids:
        return ids[lowered].upper()
    return segment


def _prose_masked(value: Any, masks: Mapping[str, str], key: str = "", depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        return value
    if isinstance(value, dict):
        return {k: _prose_masked(v, masks, k, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_prose_masked(v, masks, key, depth + 1) for v in value]
    if isinstance(value, str) and not is_id_key(key):
        return quoted_ids_masked(value, masks)
    return value


def _substituted(value: Any, ids: Mapping[str, str], depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        return value
    if isinstance(value, dict):
        return {k: _substituted(v, ids, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_substituted(v, ids, depth + 1) for v in value]
    if isinstance(value, str):
        return ids.get(value, value)
    return value


def _ask(fake: FakeMissions, sent: Sent) -> Answer:
    """The fake's answer to ``sent``, in-process (the WSGI call its servers make)."""
    if sent.raw is not None:
        body = sent.raw  # the bytes recorded: a malformed body is replayed malformed
    else:
        body = b"" if sent.body is None else json.dumps(sent.body).encode()
    environ: dict[str, Any] = {
        "REQUEST_METHOD": sent.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": "/v2" + sent.path,
        "QUERY_STRING": urlencode(dict(sent.query), quote_via=quote),
        "SERVER_NAME": "replay.invalid",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if sent.authorized:  # else sent without a usable key, as recorded: the 401 compares
        environ["HTTP_AUTHORIZATION"] = f"Bearer {_REPLAY_KEY}"
    if sent.content_type is not None:
        environ["CONTENT_TYPE"] = sent.content_type
    elif body:
        environ["CONTENT_TYPE"] = "application/json"
    reply = fake.wsgi_app().answer(environ)
    try:
        parsed = json.loads(reply.body) if reply.body else None
    except ValueError:
        parsed = None
    return Answer(reply.status, {name.lower(): value for name, value in reply.headers}, parsed)
