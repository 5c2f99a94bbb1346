"""The store's time and its ids: both deterministic when the test asks for it."""

from __future__ import annotations

import hashlib
import uuid
from collections import deque
from collections.abc import Container
from datetime import datetime, timedelta, timezone

_ONE_MICROSECOND = timedelta(microseconds=1)
CLOCK_STEP = timedelta(seconds=1)
"""How far a fixed clock moves at every change."""
CLOCK_CEILING = datetime(9999, 1, 1, tzinfo=timezone.utc)
"""No reading passes it (a fixed clock starts before 9000, see ``_config.parse_clock``)."""


class Clock:
    """The store's time: real UTC time, or a fixed start that every reading ticks by a second.

    Either way each reading is strictly later than the one before and than ``after`` (the
    latest time in the state it starts from), so every change moves it, and :meth:`advance`
    moves it on by hand. It never passes :data:`CLOCK_CEILING`.
    """

    def __init__(self, start: datetime | None = None, *, after: datetime | None = None) -> None:
        self._start = start
        self._offset = timedelta(0)
        self._last = after
        self._read = False

    def now(self) -> datetime:
        if self._start is None:
            reading = datetime.now(timezone.utc)
            if self._offset:  # advanced by hand
                reading += self._offset
            if self._last is not None and reading <= self._last:
                reading = self._last + _ONE_MICROSECOND
        elif not self._read or self._last is None:
            reading = self._start + self._offset
            if self._last is not None and reading <= self._last:  # the state is checked before
                reading = self._last + CLOCK_STEP
        else:
            reading = self._last + CLOCK_STEP
        if reading > CLOCK_CEILING:
            raise OverflowError(f"the fake's clock cannot pass {CLOCK_CEILING.isoformat()}")
        self._read = True
        self._last = reading
        return reading

    def advance(self, by: timedelta) -> None:
        if by < timedelta(0):
            raise ValueError(f"the clock only moves forward (got {by})")
        base = self._start or datetime.now(timezone.utc)
        moved = self._last if self._read and self._last is not None else base + self._offset
        if by > CLOCK_CEILING - moved:
            raise ValueError(
                f"advance({by!r}) would move the clock past {CLOCK_CEILING.isoformat()}"
            )
        self._offset += by
        if self._start is not None and self._read and self._last is not None:
            self._last += by


class IdMaker:
    """UUIDs from a seed and a counter: the same test makes the same ids on every run.

    Pinned ids come first: a live run's fake mints the ids the real API answered, a replay the
    ids of its recording.
    """

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._count = 0
        self.pinned: deque[str] = deque()

    def new(self, taken: Container[str] = ()) -> str:
        while self.pinned:
            made = self.pinned.popleft()
            if made not in taken:
                return made
        while True:
            self._count += 1
            digest = hashlib.blake2b(f"{self._seed}:{self._count}".encode(), digest_size=16)
            made = str(uuid.UUID(bytes=digest.digest(), version=4))
            if made not in taken:
                return made


def json_time(moment: datetime) -> str:
    """A time as the API writes it in JSON: ISO 8601 with ``Z``."""
    return moment.isoformat().replace("+00:00", "Z")


def microseconds(moment: datetime) -> int:
    """``moment`` as whole microseconds since 1970 (a naive time taken as UTC), to sort by."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - _EPOCH) // _ONE_MICROSECOND


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
