"""The fence around a live run: what it may change upstream, what it leaves behind, what it writes.

- **The fence.** The upstream's missions are listed when the run starts; a request that would
  change or delete anything under a mission the run did not create is refused here, never sent.
- **The tag.** Every mission the run creates (or renames) has a name starting with the tag
  (``ptm-``); cleanup never deletes a mission whose name lacks it.
- **The ledger.** A mission is written to the ledger file the moment the upstream says it
  exists, and its deletion when it is gone, so a run killed half-way leaves a list to clean up.
- **The key.** Every file a run writes goes through :class:`Artifacts`, which scans its bytes for
  the live key first and never writes it.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from .._api.models import canonical_id
from ._upstream import api_path

__all__ = [
    "DEFAULT_TAG",
    "Artifacts",
    "Fence",
    "Ledger",
    "LedgerEntry",
    "Refusal",
    "key_forms",
]

DEFAULT_TAG = "ptm-"
_MISSIONS = "/ai/missions"
_READING = frozenset({"GET", "HEAD", "OPTIONS"})
_ORG_WIDE = frozenset({"runs", "events"})
"""``/ai/missions/runs`` and ``/ai/missions/events``: lists, not a mission id."""
_REDACTED = b"<live key removed>"


class Refusal(Exception):
    """A request the fence refused: never sent upstream; the test fails with this reason."""


def mission_of(path: str) -> str | None:
    """The mission id a request path names (``/ai/missions/{id}/...``), or None."""
    parts = api_path(path).split("/")
    if len(parts) < 4 or "/".join(parts[:3]) != _MISSIONS or parts[3] in _ORG_WIDE:
        return None
    return canonical_id(parts[3])


def _has_dot_segment(path: str) -> bool:
    """True when a segment is ``.`` or ``..``, percent-encoded or not (``%2E%2E``)."""
    return any(unquote(segment) in (".", "..") for segment in path.split("/"))


def is_create_mission(method: str, path: str) -> bool:
    return method == "POST" and api_path(path).rstrip("/") == _MISSIONS


def is_clone(method: str, path: str) -> bool:
    parts = api_path(path).rstrip("/").split("/")
    return method == "POST" and len(parts) == 5 and parts[4] == "clone"


def is_delete_mission(method: str, path: str) -> bool:
    parts = api_path(path).rstrip("/").split("/")
    return method == "DELETE" and len(parts) == 4 and mission_of(path) is not None


class Fence:
    """Which missions a live run may change: only those it created itself."""

    def __init__(self, tag: str = DEFAULT_TAG) -> None:
        if not tag or not re.fullmatch(r"[A-Za-z0-9_.:-]+", tag):
            raise ValueError(f"the tag must be letters, digits or -_.: (got {tag!r})")
        self.tag = tag
        self.existing: frozenset[str] = frozenset()
        """The upstream's missions when the run started: never touched."""
        self.created: dict[str, str] = {}
        """Missions this run created: id -> name, in creation order."""
        self.deleted: set[str] = set()
        self._lock = threading.Lock()

    def knows(self, existing: Iterable[str]) -> None:
        self.existing = frozenset(canonical_id(m) for m in existing)

    def own(self) -> set[str]:
        """The ids this run created (for cutting organisation-wide lists to them)."""
        with self._lock:
            return set(self.created)

    def check(self, method: str, path: str) -> None:
        """Raise :class:`Refusal` for a request that would change something this run did not
        create; anything that only reads, or creates a mission, passes."""
        method = method.upper()
        if _has_dot_segment(path):
            # the URL sent upstream is normalised (``a/../b`` is ``b``): the mission this path
            # seems to name is not the one it would reach
            raise Refusal(
                f"{method} {path}: a path with a '.' or '..' segment reaches another resource "
                "upstream than it seems to, so it was not sent upstream"
            )
        if method in _READING or is_create_mission(method, path):
            return
        mission_id = mission_of(path)
        if mission_id is None:
            raise Refusal(
                f"{method} {path} is not under a mission this run created; a live run only "
                "changes what it made, so it was not sent upstream"
            )
        with self._lock:
            if mission_id in self.created:
                return
        whose = (
            "it existed upstream before this run started"
            if mission_id in self.existing
            else "this run did not create it"
        )
        raise Refusal(
            f"{method} {path} would change mission {mission_id}, and {whose}: a live run only "
            "changes the missions it created, so it was not sent upstream"
        )

    def tagged(self, method: str, path: str, body: Any) -> Any:
        """``body`` with the tag in front of the mission name it sets (create, update)."""
        method = method.upper()
        sets_name = is_create_mission(method, path) or (
            method in ("PUT", "PATCH") and api_path(path).rstrip("/").count("/") == 3
        )
        if not sets_name or not isinstance(body, dict):
            return body
        name = body.get("name")
        if isinstance(name, str) and not name.startswith(self.tag):
            return {**body, "name": self.tag + name}
        return body

    def note_created(self, mission_id: str, name: str) -> None:
        with self._lock:
            self.created[canonical_id(mission_id)] = name

    def note_deleted(self, mission_id: str) -> None:
        with self._lock:
            self.deleted.add(canonical_id(mission_id))

    def leftovers(self) -> list[tuple[str, str]]:
        """(id, name) of the missions created and not deleted yet, in creation order."""
        with self._lock:
            return [(m, n) for m, n in self.created.items() if m not in self.deleted]


def key_forms(key: str) -> list[str]:
    """The key as a file could hold it, longest first: raw, URL-encoded (every character, or as
    a path keeps ``/``), JSON-escaped (ASCII only or not, ``/`` escaped or not). Every writer of
    a live run's files scans for these (``Artifacts``, the cassettes)."""
    escaped = {json.dumps(key)[1:-1], json.dumps(key, ensure_ascii=False)[1:-1]}
    forms = {
        key,
        quote(key, safe=""),
        quote(key),
        *escaped,
        *(e.replace("/", "\\/") for e in escaped),
    }
    return sorted((form for form in forms if form), key=len, reverse=True)


class Artifacts:
    """Writes a live run's files, never with the live key in them.

    Every byte string is scanned for the key (and its URL-encoded and JSON-escaped forms)
    before it is written; one found is removed and counted in :attr:`removed`, so that the run
    can say the upstream (or a test) echoed it. Allowlisted headers keep it out in the first
    place: the scan is the second lock, not the first.
    """

    def __init__(self, key: str | None) -> None:
        self.key = key
        self._forms = tuple(form.encode() for form in key_forms(key)) if key else ()
        self.removed = 0
        self.written: list[Path] = []
        self._lock = threading.Lock()

    def clean(self, data: bytes) -> bytes:
        for form in self._forms:
            if form in data:
                with self._lock:
                    self.removed += data.count(form)
                data = data.replace(form, _REDACTED)
        return data

    def write(self, path: Path, data: bytes | str) -> Path:
        raw = self.clean(data.encode() if isinstance(data, str) else data)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_bytes(raw)
        os.replace(temporary, path)
        with self._lock:
            self.written.append(path)
        return path

    def append_line(self, path: Path, line: str) -> None:
        """One line, flushed to disk before returning (the ledger must survive a kill -9)."""
        raw = self.clean(line.encode()) + b"\n"
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, open(path, "ab") as file:
            file.write(raw)
            file.flush()
            os.fsync(file.fileno())
            if path not in self.written:
                self.written.append(path)


@dataclass(frozen=True)
class LedgerEntry:
    mission_id: str
    name: str
    url: str
    test: str
    created_at: str


class Ledger:
    """The file of missions a live run created upstream, one JSON line per event.

    ``{"created": id, "name", "url", "test", "at"}`` the moment the upstream answered the
    create, ``{"deleted": id, "at"}`` once it is gone. :meth:`leftovers` reads it back.
    """

    def __init__(self, path: Path, artifacts: Artifacts) -> None:
        self.path = path
        self._artifacts = artifacts

    def created(self, mission_id: str, name: str, *, url: str, test: str) -> None:
        line = {"created": mission_id, "name": name, "url": url, "test": test, "at": _now()}
        self._artifacts.append_line(self.path, json.dumps(line))

    def deleted(self, mission_id: str) -> None:
        self._artifacts.append_line(self.path, json.dumps({"deleted": mission_id, "at": _now()}))

    @staticmethod
    def leftovers(path: Path) -> list[LedgerEntry]:
        """Missions the ledger says were created and not deleted, in creation order."""
        created: dict[str, LedgerEntry] = {}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                item: Mapping[str, Any] = json.loads(line)
            except ValueError:
                raise ValueError(f"{path}:{number} is not a ledger line: {line[:80]!r}") from None
            if "created" in item:
                mission_id = canonical_id(str(item["created"]))
                created[mission_id] = LedgerEntry(
                    mission_id,
                    str(item.get("name", "")),
                    str(item.get("url", "")),
                    str(item.get("test", "")),
                    str(item.get("at", "")),
                )
            elif "deleted" in item:
                created.pop(canonical_id(str(item["deleted"])), None)
        return list(created.values())


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
