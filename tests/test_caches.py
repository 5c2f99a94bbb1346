"""The fake's caches of built snapshots are bounded: a session (or a standalone server) that goes
through many state documents or seeds keeps only the latest few. Memory measured by tracemalloc."""

from __future__ import annotations

import gc
import tracemalloc
from typing import Any

import pytest

from pytest_telnyx_missions import FakeMissions
from pytest_telnyx_missions._state.baseline import LOADED_STATES_KEPT
from pytest_telnyx_missions._state.cache import Lru
from pytest_telnyx_missions._state.seeding import SEEDED_SNAPSHOTS_KEPT, Seeder

_PADDING = 100_000
"""Characters of metadata in each document: its snapshot keeps about that many bytes."""


def _document(number: int, fake: FakeMissions) -> dict[str, Any]:
    doc = fake.dump_state()
    doc["missions"][0]["metadata"] = {"padding": f"{number:06d}" + "x" * _PADDING}
    return doc


def _traced_growth(step: Any, times: int) -> int:
    """Bytes still held after ``step(i)`` ran ``times`` times, over what was held before."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for number in range(times):
            step(number)
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def test_distinct_state_documents_keep_a_bounded_number_of_snapshots() -> None:
    fake = FakeMissions(runs=1)
    documents = [_document(number, fake) for number in range(40)]

    growth = _traced_growth(lambda number: fake.load_state(documents[number]), 40)

    # Without a bound, 40 snapshots of ~100 kB each (and 40 keys as long as the documents).
    assert growth < (LOADED_STATES_KEPT + 4) * _PADDING
    fake.reset()  # the latest document is still what reset returns to
    assert fake.dump_state()["missions"][0]["metadata"]["padding"].startswith("000039")


def test_distinct_seeds_keep_a_bounded_number_of_snapshots() -> None:
    seeder = Seeder()
    one = _traced_growth(lambda seed: seeder.snapshot(seed=10_000 + seed, runs=3, missions=1), 1)

    growth = _traced_growth(lambda seed: seeder.snapshot(seed=seed, runs=3, missions=1), 40)

    assert growth < (SEEDED_SNAPSHOTS_KEPT + 8) * one  # 40 snapshots without a bound


def test_a_seed_used_again_is_the_cached_snapshot() -> None:
    seeder = Seeder()
    first = seeder.snapshot(seed=1, runs=3, missions=1)
    second = seeder.snapshot(seed=2, runs=3, missions=1)
    for seed in range(3, SEEDED_SNAPSHOTS_KEPT + 1):
        seeder.snapshot(seed=seed, runs=3, missions=1)
    assert seeder.snapshot(seed=1, runs=3, missions=1) is first  # still among the latest 16
    seeder.snapshot(seed=99, runs=3, missions=1)  # seed 2 is now the least recently used

    rebuilt = seeder.snapshot(seed=2, runs=3, missions=1)

    assert rebuilt is not second
    assert rebuilt == second  # built again from its seed: the same data


def test_the_least_recently_used_entry_goes_first() -> None:
    cache: Lru[str, int] = Lru(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c"), len(cache)) == (1, None, 3, 2)
    with pytest.raises(ValueError, match="at least one entry"):
        Lru(0)
