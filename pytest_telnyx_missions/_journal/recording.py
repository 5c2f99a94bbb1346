"""The journal: every request the fake received, in the order its effects were applied."""

from __future__ import annotations

import sys
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, overload

from .._api.json_text import DataAnswer
from .._api.models import canonical_id
from .._config import JournalLimits

UPDATE_RUN = "update_run"
ENTRY_OVERHEAD = 4 * 1024
"""Bytes an entry is counted beyond its bodies: what a small PATCH's entry keeps besides them
(headers, query, path params, parsed JSON, the time), about 3.4 KiB as ``tracemalloc`` measures
it (``benchmarks/memory.py`` prints both), rounded up so that the budget errs on the safe side."""


class _AnswerField:
    """The ``response`` field: the pipeline stores an answer as it wrote it (a
    :class:`~.._api.json_text.DataAnswer`), and its JSON value is made on the first read.
    A descriptor-typed dataclass field; it has no default (its class access raises)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, entry: None, owner: type | None = None) -> _AnswerField: ...
    @overload
    def __get__(self, entry: object, owner: type | None = None) -> Any: ...
    def __get__(self, entry: object | None, owner: type | None = None) -> Any:
        if entry is None:
            raise AttributeError(self._name)
        value = entry.__dict__[self._name]
        if type(value) is DataAnswer:
            value = entry.__dict__[self._name] = value.value
        return value

    def __set__(self, entry: object, value: Any) -> None:
        entry.__dict__[self._name] = value


@dataclass(frozen=True)
class RecordedRequest:
    """One request as received, and what the fake answered."""

    method: str
    path: str
    operation: str | None
    """The operation name (``"update_run"``), or None when no route matched."""
    path_params: Mapping[str, str]
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    json: Any
    """The parsed JSON body, or None when there was none or it did not parse."""
    status_code: int
    """The status answered; 0 when a fault dropped the connection or sent garbage bytes."""
    response: Any = _AnswerField()
    """The JSON body answered, or None (no body, or a dropped/garbled answer)."""
    time: datetime  # type: ignore[misc]  # mypy takes the descriptor for a default
    internal_error: str | None = None
    """The traceback of an exception raised inside the fake while answering, if any."""
    response_headers: Mapping[str, str] = field(default_factory=dict)
    fault: str | None = None
    """A description of the fault rule that shaped this answer, or None when none did."""
    processed_status: int | None = None
    """With a fault that let the request through: the status the fake's own answer had."""
    auto_created: tuple[str, ...] = ()
    """What ``auto_create`` made for this request because it named it (``"run <id>"``)."""
    duration: float = 0.0
    """Seconds from the request reaching the pipeline to its answer being ready, plus the delay a
    fault rule added before sending it."""
    response_size: int = 0
    """Bytes of the answer's body as sent."""

    @property
    def size(self) -> int:
        """What the journal's byte budget counts for this entry: the request's body (twice when
        it parsed: the entry keeps its JSON value too, about as large for a body of text), the
        answer's body and :data:`ENTRY_OVERHEAD` (cheap: no walk over parsed values)."""
        sent = len(self.body) * (1 if self.json is None else 2)
        return sent + self.response_size + ENTRY_OVERHEAD

    @property
    def applied(self) -> bool:
        """True when the fake applied the request: a 2xx answer, or, when a fault replaced the
        answer, a 2xx before it was replaced (``status_code`` is 0 for a dropped connection)."""
        status = self.status_code if self.fault is None else self.processed_status
        return status is not None and 200 <= status < 300


_FIELD_COUNT = len(fields(RecordedRequest))


def recorded_request(values: dict[str, Any]) -> RecordedRequest:
    """``RecordedRequest(**values)``, every field given, in a fifth of the time: a frozen
    dataclass's ``__init__`` sets each of its fields through ``object.__setattr__``, where this
    hands ``values`` over as the whole ``__dict__`` (the pipeline records every request so)."""
    if len(values) != _FIELD_COUNT:
        missing = sorted({f.name for f in fields(RecordedRequest)} - values.keys())
        raise TypeError(f"recorded_request() needs every field; missing: {', '.join(missing)}")
    entry = object.__new__(RecordedRequest)
    object.__setattr__(entry, "__dict__", values)
    return entry


class Journal:
    """Recorded requests in the order they were applied; appended under the store's lock.

    Every entry is also indexed by the run in its path (canonical id) and by its operation, so
    the calls of one run or one operation are found without scanning the journal. Only the
    latest entries within ``limits`` are kept (at most ``max_entries``, and at most
    ``max_bytes`` counted by :attr:`RecordedRequest.size`, the newest entry always): the oldest
    go first and :attr:`dropped` counts them (a standalone server runs for days, a test may send
    large bodies). Waiters (``wait_for``) are woken on every record.
    """

    def __init__(self, lock: threading.RLock, limits: JournalLimits | None = None) -> None:
        self._lock = lock
        self.limits = limits = limits or JournalLimits()
        # Plain integers, so that recording compares two numbers whatever the limits are.
        self._max_entries = limits.max_entries or sys.maxsize
        self._max_bytes = limits.max_bytes or sys.maxsize
        self._entries: deque[RecordedRequest] = deque()
        self._sizes: deque[int] = deque()
        self.bytes = 0
        """What the kept entries count against ``max_bytes`` (the sum of their sizes)."""
        self._by_run: dict[str, deque[RecordedRequest]] = {}
        self._by_operation: dict[str, deque[RecordedRequest]] = {}
        self._recorded = threading.Condition(lock)
        self._waiting = 0  # waiters in wait_after: a record wakes them only when there are some
        # The latest run id indexed, as given and canonical: a run is patched many times in a
        # row, its id the very same string each time (the pipeline keeps the paths it routed).
        self._latest_run: tuple[str, str] = ("", "")
        self._total = 0
        """Entries recorded since the fake was made, never reset: tells a waiter something came."""
        self.dropped = 0
        """Entries dropped since the last clear to keep within ``limit``."""

    def record(self, entry: RecordedRequest) -> None:
        size = entry.size
        with self._lock:  # the condition's own lock, taken without its Python-level wrapper
            self._entries.append(entry)
            self._sizes.append(size)
            self.bytes += size
            if self.bytes > self._max_bytes or len(self._entries) > self._max_entries:
                self._trim()
            run_id = entry.path_params.get("run_id")
            if run_id is not None:
                given, canonical = self._latest_run
                if run_id is not given:
                    canonical = canonical_id(run_id)
                    self._latest_run = (run_id, canonical)
                _index(self._by_run, canonical, entry)
            if entry.operation is not None:
                _index(self._by_operation, entry.operation, entry)
            self._total += 1
            if self._waiting:
                self._recorded.notify_all()

    def _keys(self, entry: RecordedRequest) -> list[tuple[dict[str, deque[RecordedRequest]], str]]:
        """The indexes ``entry`` is in, with its key in each (:meth:`record` puts it in these
        two, written out there: it runs for every request)."""
        keys = []
        run_id = entry.path_params.get("run_id")
        if run_id is not None:
            keys.append((self._by_run, canonical_id(run_id)))
        if entry.operation is not None:
            keys.append((self._by_operation, entry.operation))
        return keys

    def _trim(self) -> None:
        """Drop the oldest entries until the rest is within the limits (the newest stays)."""
        entries, sizes = self._entries, self._sizes
        while len(entries) > 1 and (
            self.bytes > self._max_bytes or len(entries) > self._max_entries
        ):
            self.bytes -= sizes.popleft()
            self.dropped += 1
            self._forget(entries.popleft())

    def _forget(self, oldest: RecordedRequest) -> None:
        """Drop the oldest entry from the indexes too (it is the oldest of its run and kind)."""
        for index, key in self._keys(oldest):
            kept = index[key]
            kept.popleft()
            if not kept:
                del index[key]

    def clear(self) -> None:
        with self._recorded:
            self._entries = deque()
            self._sizes = deque()
            self.bytes = 0
            self._by_run = {}
            self._by_operation = {}
            self.dropped = 0
            self._total += 1  # a waiter looks again: what it saw is gone
            self._recorded.notify_all()

    @property
    def entries(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._entries)

    def of_run(self, run_id: str) -> list[RecordedRequest]:
        """The entries with this run in their path (an id in any case), in order."""
        with self._lock:
            return list(self._by_run.get(canonical_id(str(run_id)), ()))

    def of_operation(self, operation: str) -> list[RecordedRequest]:
        """The entries of this operation, in order."""
        with self._lock:
            return list(self._by_operation.get(operation, ()))

    def snapshot(self) -> tuple[int, list[RecordedRequest]]:
        """A marker for :meth:`wait_after` and the entries at that moment."""
        with self._lock:
            return self._total, list(self._entries)

    def wait_after(self, marker: int, timeout: float) -> bool:
        """Block until something is recorded after ``marker`` (see :meth:`snapshot`), or until
        ``timeout`` seconds pass; True when something was."""
        with self._recorded:
            self._waiting += 1
            try:
                return self._recorded.wait_for(lambda: self._total != marker, timeout)
            finally:
                self._waiting -= 1


def _index(index: dict[str, deque[RecordedRequest]], key: str, entry: RecordedRequest) -> None:
    kept = index.get(key)
    if kept is None:
        kept = index[key] = deque()
    kept.append(entry)
