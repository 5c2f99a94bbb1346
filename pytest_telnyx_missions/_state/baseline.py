"""What a reset returns to: the options a fake is made with, and the data they give (seeded, or
a state document's, validated once per document object and cached)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from .._config import DEFAULTS, FakeConfig, StateSource, read_state_file
from .cache import Lru
from .documents import load as load_state_doc
from .seeding import Seeder
from .store import Snapshot, Store

__all__ = ["LOADED_STATES_KEPT", "SEEDING_OPTIONS", "Baseline"]

SEEDING_OPTIONS = frozenset({"seed", "runs", "missions"})
"""Options that describe seeded data: a reset naming one goes back to seeded data."""

LOADED_STATES_KEPT = 8
"""State documents whose snapshots are cached (LRU): what the fixture and reset() go back to,
without validating the document again; a large document's snapshot can take tens of MB."""


class Baseline:
    """Restores ``store`` to what the fake is made with (or to given options over it)."""

    def __init__(self, store: Store, made_with: FakeConfig) -> None:
        self._store = store
        self._lock = store.lock
        self._seeder = Seeder()
        # key -> (the source, held so that its id stays its own; its snapshot)
        self._loaded_states: Lru[str, tuple[StateSource, Snapshot]] = Lru(LOADED_STATES_KEPT)
        self.made_with = made_with

    def restore(
        self,
        options: Mapping[str, Any],
        *,
        made_with: bool = False,
        then: Callable[[], None] = lambda: None,
    ) -> None:
        """Restore the store with ``options`` over what the fake is made with (with
        ``made_with=True``: over the defaults, and make them what it is made with), then call
        ``then`` under the same lock. A bad option or document raises first, changing nothing."""
        if SEEDING_OPTIONS & set(options) and "state" not in options:
            # Asking for seeded data of a seed or size is asking for seeded data, even after a
            # document was loaded: never a reset that quietly ignores what it was given.
            options = {**options, "state": None}
        config = (DEFAULTS if made_with else self.made_with).with_options(options)
        snapshot = self._base_snapshot(config)
        with self._lock:
            if made_with:
                self.made_with = config
            self._restore(snapshot, config)
            then()

    def load(self, source: StateSource) -> None:
        """Replace the whole state with a document's, and make it what a reset returns to."""
        snapshot = self._snapshot_of(source, self.made_with.clock)
        kept = source if isinstance(source, Mapping) else Path(source)
        with self._lock:
            self.made_with = self.made_with.model_copy(update={"state": kept})
            self._restore(snapshot, self.made_with)

    def _restore(self, snapshot: Snapshot, config: FakeConfig) -> None:
        self._store.restore(snapshot, config)

    def _base_snapshot(self, config: FakeConfig) -> Snapshot:
        if config.state is None:
            return self._seeder.snapshot(
                seed=config.seed, runs=config.runs, missions=config.missions, clock=config.clock
            )
        return self._snapshot_of(config.state, config.clock)

    def _snapshot_of(self, source: StateSource, clock: datetime | None) -> Snapshot:
        """The validated snapshot of a state document, cached by the document object (or the
        file and its mtime) and the fixed clock its times must precede, so a reset reads
        nothing, whatever the document's size; the latest few documents only."""
        if not isinstance(source, (Mapping, str, os.PathLike)):
            load_state_doc(source)  # raises the ValueError that says what a document is
        at = "real time" if clock is None else clock.isoformat()
        if isinstance(source, Mapping):
            key = f"doc:{at}:{id(source)}"
        else:
            path = Path(source).resolve()
            key = f"file:{at}:{path}:{path.stat().st_mtime_ns}"
        with self._lock:
            cached = self._loaded_states.get(key)
        # An id is reused once its object is gone: a cached document must be this one.
        if cached is not None and (cached[0] is source or not isinstance(source, Mapping)):
            return cached[1]
        doc = source if isinstance(source, Mapping) else read_state_file(source)
        snapshot = load_state_doc(doc, clock=clock)
        with self._lock:
            self._loaded_states.put(key, (source, snapshot))
        return snapshot
