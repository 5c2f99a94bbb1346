"""The journal: every request the fake received, in the order its effects were applied."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

UPDATE_RUN = "update_run"


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
    response: Any
    """The JSON body answered, or None (no body, or a dropped/garbled answer)."""
    time: datetime
    internal_error: str | None = None
    """The traceback of an exception raised inside the fake while answering, if any."""
    response_headers: Mapping[str, str] = field(default_factory=dict)
    fault: str | None = None
    """A description of the fault rule that shaped this answer, or None when none did."""
    processed_status: int | None = None
    """With a fault that let the request through: the status the fake's own answer had."""

    @property
    def applied(self) -> bool:
        """True when the fake applied the request: a 2xx answer, or, when a fault replaced the
        answer, a 2xx before it was replaced (``status_code`` is 0 for a dropped connection)."""
        status = self.status_code if self.fault is None else self.processed_status
        return status is not None and 200 <= status < 300


@dataclass(frozen=True)
class RunUpdate:
    """One ``PATCH`` of a run, applied or rejected."""

    mission_id: str
    run_id: str
    fields: dict[str, Any]
    """Exactly the keys the client sent (empty when the body was not a JSON object)."""
    status_code: int
    response: Any
    request: RecordedRequest

    @property
    def applied(self) -> bool:
        """True when the update changed the run (even if a fault then lost the answer)."""
        return self.request.applied

    @property
    def fault(self) -> str | None:
        """The fault rule that answered this update, or None."""
        return self.request.fault

    @property
    def status(self) -> Any:
        """The ``status`` field as sent, or None."""
        return self.fields.get("status")

    @classmethod
    def from_request(cls, request: RecordedRequest) -> RunUpdate:
        sent = request.json if isinstance(request.json, dict) else {}
        return cls(
            mission_id=request.path_params.get("mission_id", ""),
            run_id=request.path_params.get("run_id", ""),
            fields=sent,
            status_code=request.status_code,
            response=request.response,
            request=request,
        )


def canonical_id(value: str) -> str:
    """A UUID in canonical lower-case form, as the fake stores it; anything else unchanged."""
    try:
        return str(UUID(value.strip()))
    except (ValueError, AttributeError):
        return value


class Journal:
    """Append-only list of recorded requests; appended under the store's lock."""

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._entries: list[RecordedRequest] = []
        # Run updates by run id, so run_updates(run_id) never scans the whole journal.
        self._updates_by_run: dict[str, list[RecordedRequest]] = {}

    def record(self, entry: RecordedRequest) -> None:
        with self._lock:
            self._entries.append(entry)
            if entry.operation == UPDATE_RUN:
                run_id = entry.path_params.get("run_id", "")
                self._updates_by_run.setdefault(run_id, []).append(entry)

    def clear(self) -> None:
        with self._lock:
            self._entries = []
            self._updates_by_run = {}

    @property
    def entries(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._entries)

    def run_updates(self, run_id: str | None = None) -> list[RunUpdate]:
        with self._lock:
            if run_id is None:
                chosen = [entry for entry in self._entries if entry.operation == UPDATE_RUN]
            else:
                chosen = list(self._updates_by_run.get(canonical_id(str(run_id)), ()))
        return [RunUpdate.from_request(entry) for entry in chosen]
