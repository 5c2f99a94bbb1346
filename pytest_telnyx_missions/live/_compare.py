"""The comparison engine: the fake's answer and the real API's answer to one request, diffed.

Pure: no I/O, no clock, nothing of the package imported. One :class:`Comparison` lives as long
as one test (or one cassette), because ids are compared by identity across its exchanges:

- an id the server minted (a value under a key ``id`` or ``*_id``, never sent by the client)
  becomes a numbered placeholder per kind (``<run_id:1>``), given pairwise while the two
  answers are walked side by side; so the fake and the real API may mint different ids, but
  "the same id here as there" is still checked: an id that comes back as another placeholder
  than the one it had, or a fresh one where the other side echoes a known one, is a divergence;
- an id the client sent is compared literally;
- a timestamp is compared by format (``Z`` or ``+00:00``, fraction digits when both have
  them: pydantic prints none when the microseconds are zero), never by value;
- only the headers the SDK acts on are compared (:data:`SDK_HEADERS`);
- with ``own_ids``, the lists that span the whole organisation (:data:`ORG_WIDE_OPERATIONS`)
  are cut on both sides to the items naming one of those ids (``_org_wide``), so missions,
  runs and events of other sessions or people make no noise, wherever their pages put them.

Masking is structural, by JSON key and position, never by text replacement.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ._headers import SDK_HEADERS, header_divergences
from ._json_ids import MAX_DEPTH, id_values, is_id_key, sent_strings
from ._json_ids import json_type as _json_type
from ._org_wide import ORG_WIDE_OPERATIONS, own_pages

__all__ = [
    "KINDS",
    "MAX_DEPTH",
    "ORG_WIDE_OPERATIONS",
    "SDK_HEADERS",
    "Answer",
    "Comparison",
    "Divergence",
    "Sent",
    "Severity",
    "id_values",
    "is_id_key",
    "sent_strings",
]

Severity = Literal["breaks", "poorer", "note"]

KINDS: Mapping[str, tuple[Severity, str]] = {
    "status": ("breaks", "the HTTP status differs (the bodies are then not compared)"),
    "error_shape": ("breaks", "an error answer's top-level keys differ (its envelope)"),
    "key_only_in_fake": ("breaks", "the fake answers a key the real API does not"),
    "key_only_in_real": ("poorer", "the real API answers a key the fake does not"),
    "type": ("breaks", "the JSON types differ (null, boolean, number, string, array, object)"),
    "value": ("breaks", "the values differ"),
    "id": ("breaks", "an id differs in identity (another placeholder, or not the id sent)"),
    "order": ("breaks", "the same items of a list, in another order"),
    "length": ("breaks", "a list has another length (its items are then not compared)"),
    "time_format": ("note", "a timestamp is written in another format"),
    "header": ("breaks", "a header the SDK acts on has another value"),
    "header_only_in_fake": ("breaks", "the fake sends a header the SDK acts on, the API not"),
    "header_only_in_real": ("poorer", "the API sends a header the SDK acts on, the fake not"),
    "header_format": ("note", "a header the SDK acts on is written in another form"),
}
"""Every ``kind`` a divergence can have: its severity and what it means."""

_TIMESTAMP = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?P<sep>[Tt ])\d{2}:\d{2}(?P<seconds>:\d{2}(?:\.(?P<fraction>\d+))?)?"
    r"(?P<zone>[Zz]|[+-]\d{2}:?\d{2})?$"
)
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_UNSET = object()


@dataclass(frozen=True)
class Answer:
    """One answer as the client got it: status, headers, and the body parsed (JSON, or None)."""

    status: int
    headers: Mapping[str, str]
    body: Any


@dataclass(frozen=True)
class Sent:
    """What the client sent: the path under the API's base (``/ai/missions/...``), the query
    parameters and the JSON body (or None).

    A body not sent as JSON (malformed, or under another content type; ``body`` is then None or
    what it parses to) also has its bytes in ``raw`` and the ``content_type`` it was sent
    with: a cassette keeps them, so that a replay sends the same bytes and gets the same 422.
    """

    method: str
    path: str
    query: Mapping[str, str]
    body: Any
    raw: bytes | None = None
    content_type: str | None = None
    authorized: bool = True
    """False when the client sent no usable Bearer key (passed on as sent: compared too)."""


@dataclass(frozen=True)
class Divergence:
    """One difference between the fake's answer and the real API's.

    ``path`` is ``status``, ``headers.<name>`` or a JSON path into the body (``$.data.run_id``);
    ``fake`` and ``real`` are the two sides there, ids as their placeholders.
    """

    kind: str
    operation: str
    path: str
    fake: Any
    real: Any
    severity: Severity

    def to_json(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "kind": self.kind,
            "path": self.path,
            "severity": self.severity,
            "fake": self.fake,
            "real": self.real,
        }


class Comparison:
    """Compares the exchanges of one test; holds both sides' id placeholders between them."""

    def __init__(self, *, own_ids: Callable[[], Collection[str]] | None = None) -> None:
        self._own_ids = own_ids
        self._fake_ids: dict[str, str] = {}
        self._real_ids: dict[str, str] = {}
        self._counts: Counter[str] = Counter()
        # what the client sent in any exchange so far: its ids stay literal in later answers
        self._sent: set[str] = set()

    def ids_to_pin(self, sent: Sent, real: Answer) -> list[str]:
        """The ids in the real answer that are new to this comparison and were not sent: what
        the fake should mint while it answers the same request (document order, no repeats)."""
        sent_values = self._sent | sent_strings(sent)
        fresh: dict[str, None] = {}
        for _, value in id_values(real.body):
            if value not in self._real_ids and value not in sent_values:
                fresh[value] = None
        return list(fresh)

    def compare(self, operation: str, sent: Sent, fake: Answer, real: Answer) -> list[Divergence]:
        """Every divergence between the two answers to ``sent`` (``operation`` names it)."""
        found = _Found(operation)
        self._sent |= sent_strings(sent)
        if fake.status != real.status:
            found.add("status", "status", fake.status, real.status)
            return found.items
        for kind, path, fake_value, real_value in header_divergences(fake.headers, real.headers):
            found.add(kind, path, fake_value, real_value)
        fake_body, real_body = fake.body, real.body
        walk = _Walk(self, found, frozenset(self._sent))
        if operation in ORG_WIDE_OPERATIONS and self._own_ids is not None:
            fake_body, real_body = own_pages(
                fake_body,
                real_body,
                frozenset(self._own_ids()),
                lambda item: walk.identity(item, fake_side=True),
                lambda item: walk.identity(item, fake_side=False),
            )
        if (
            real.status >= 400
            and isinstance(fake_body, dict)
            and isinstance(real_body, dict)
            and fake_body.keys() != real_body.keys()
        ):
            found.add("error_shape", "$", sorted(fake_body), sorted(real_body))
            return found.items
        walk.compare(fake_body, real_body, "$", "")
        return found.items

    # -- placeholders ---------------------------------------------------------------------------
    def _peek(self, ids: dict[str, str], value: str, sent: frozenset[str]) -> str | None:
        known = ids.get(value)
        if known is not None:
            return known
        return value if value in sent else None

    def _masked_pair(
        self, kind: str, fake: str, real: str, sent: frozenset[str]
    ) -> tuple[str, str]:
        fake_mask = self._peek(self._fake_ids, fake, sent)
        real_mask = self._peek(self._real_ids, real, sent)
        if fake_mask is None and real_mask is None:
            fake_mask = real_mask = self._fresh(kind)
        fake_mask = fake_mask if fake_mask is not None else self._fresh(kind)
        real_mask = real_mask if real_mask is not None else self._fresh(kind)
        if fake not in sent:
            self._fake_ids.setdefault(fake, fake_mask)
        if real not in sent:
            self._real_ids.setdefault(real, real_mask)
        return fake_mask, real_mask

    def _fresh(self, kind: str) -> str:
        self._counts[kind] += 1
        return f"<{kind}:{self._counts[kind]}>"

    def _shown(self, value: Any, fake_side: bool) -> Any:
        """A value for a report: the ids in it replaced by the placeholders they have."""
        ids = self._fake_ids if fake_side else self._real_ids
        if isinstance(value, dict):
            return {k: self._shown(v, fake_side) for k, v in value.items()}
        if isinstance(value, list):
            return [self._shown(v, fake_side) for v in value]
        if isinstance(value, str):
            return ids.get(value, value)
        return value


class _Found:
    def __init__(self, operation: str) -> None:
        self.operation = operation
        self.items: list[Divergence] = []

    def add(self, kind: str, path: str, fake: Any, real: Any) -> None:
        severity = KINDS[kind][0]
        self.items.append(Divergence(kind, self.operation, path, fake, real, severity))


class _Walk:
    """One side-by-side walk of two bodies."""

    def __init__(self, comparison: Comparison, found: _Found, sent: frozenset[str]) -> None:
        self._comparison = comparison
        self._found = found
        self._sent = sent

    def compare(self, fake: Any, real: Any, path: str, key: str, depth: int = 0) -> None:
        fake_type, real_type = _json_type(fake), _json_type(real)
        if fake_type != real_type:
            self._add("type", path, fake, real)
        elif depth >= MAX_DEPTH and fake_type in ("object", "array"):
            # deeper than any answer of the API: compared whole, never walked (the stack)
            try:
                same = fake == real
            except RecursionError:
                same = False  # cannot be told equal: said so, rather than passed
            if not same:
                self._found.add("value", path, "(too deep to show)", "(too deep to show)")
        elif isinstance(fake, dict):
            self._compare_objects(fake, real, path, depth)
        elif isinstance(fake, list):
            self._compare_lists(fake, real, path, key, depth)
        elif isinstance(fake, str):
            self._compare_strings(fake, real, path, key)
        elif fake != real:
            self._add("value", path, fake, real)

    def _compare_objects(
        self, fake: dict[str, Any], real: dict[str, Any], path: str, depth: int
    ) -> None:
        for key in fake:
            if key not in real:
                self._add("key_only_in_fake", _child(path, key), fake[key], _UNSET)
        for key in real:
            if key not in fake:
                self._add("key_only_in_real", _child(path, key), _UNSET, real[key])
        for key in fake:
            if key in real:
                self.compare(fake[key], real[key], _child(path, key), key, depth + 1)

    def _compare_lists(
        self, fake: list[Any], real: list[Any], path: str, key: str, depth: int
    ) -> None:
        if len(fake) != len(real):
            self._found.add("length", path, len(fake), len(real))
            return
        item_key = key[:-1] if key.endswith("_ids") else key
        fake_names = [self.identity(item, fake_side=True) for item in fake]
        real_names = [self.identity(item, fake_side=False) for item in real]
        if (
            None not in fake_names
            and len(set(fake_names)) == len(fake_names) > 1
            and set(fake_names) == set(real_names)
            and fake_names != real_names
        ):
            self._found.add("order", path, fake_names, real_names)
            position = {name: index for index, name in enumerate(real_names)}
            real = [real[position[name]] for name in fake_names]
        for index, (fake_item, real_item) in enumerate(zip(fake, real, strict=True)):
            self.compare(fake_item, real_item, f"{path}[{index}]", item_key, depth + 1)

    def _compare_strings(self, fake: str, real: str, path: str, key: str) -> None:
        if is_id_key(key):
            fake_mask, real_mask = self._comparison._masked_pair(key, fake, real, self._sent)
            if fake_mask != real_mask:
                self._found.add("id", path, fake_mask, real_mask)
            return
        if fake == real:
            return
        fake_time, real_time = _TIMESTAMP.match(fake), _TIMESTAMP.match(real)
        if fake_time and real_time and fake not in self._sent and real not in self._sent:
            if not _same_time_format(fake_time, real_time):
                self._found.add("time_format", path, fake, real)
            return
        self._add("value", path, fake, real)

    def identity(self, item: Any, *, fake_side: bool) -> str | None:
        """What tells an item from the others of its list: its ids (as masked so far), or a
        scalar's value; None when there is no telling (an object without ids)."""
        ids = self._comparison._fake_ids if fake_side else self._comparison._real_ids
        if isinstance(item, dict):
            names = []
            for key, value in item.items():
                if is_id_key(key) and isinstance(value, str):
                    masked = self._comparison._peek(ids, value, self._sent)
                    if masked is None:
                        return None
                    names.append(f"{key}={masked}")
            return ",".join(names) or None
        if isinstance(item, (dict, list)) or _TIMESTAMP.match(str(item)):
            return None
        return json.dumps(item)

    def _add(self, kind: str, path: str, fake: Any, real: Any) -> None:
        comparison = self._comparison
        shown_fake = None if fake is _UNSET else comparison._shown(fake, fake_side=True)
        shown_real = None if real is _UNSET else comparison._shown(real, fake_side=False)
        self._found.add(kind, path, shown_fake, shown_real)


def _same_time_format(fake: re.Match[str], real: re.Match[str]) -> bool:
    if (fake["sep"], fake["seconds"] is None, fake["zone"]) != (
        real["sep"],
        real["seconds"] is None,
        real["zone"],
    ):
        return False
    # pydantic prints no fraction when the microseconds are zero: only two fractions compare
    fake_fraction, real_fraction = fake["fraction"], real["fraction"]
    return (
        fake_fraction is None or real_fraction is None or len(fake_fraction) == len(real_fraction)
    )


def _child(path: str, key: str) -> str:
    return f"{path}.{key}" if _PLAIN_KEY.match(key) else f"{path}[{json.dumps(key)}]"
