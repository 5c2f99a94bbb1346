"""Copy-on-write tables: the loaded rows, shared and never changed, under one test's changes.

A :class:`Loaded` table is built once per snapshot (sorted lists for every order it keeps);
a :class:`Table` is a test's view of it. Forgetting the test's changes is making a new,
empty :class:`Table` over the same :class:`Loaded`: its cost does not depend on how many rows
were loaded.

A table behaves as a ``dict`` would: iteration in insertion order, a changed row keeps its
place, a deleted and re-added one moves to the end. Each :class:`Order` it keeps lists rows by
group (e.g. the runs of one mission with one status), sorted by a value and then by that
insertion order, so a list's page is found by binary search in O(page + log n · log m) for n
loaded rows and m changed ones, without sorting or filtering the rows.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import (
    Callable,
    Hashable,
    ItemsView,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
    ValuesView,
)
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter
from typing import Any, Generic, TypeVar, overload

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
T = TypeVar("T")
_Place = tuple[Any, int]
"""Where a row sits in an order's group: (its sort value, its insertion number)."""
_MISSING: Any = object()
_NOTHING: list[Any] = []


@dataclass(frozen=True)
class Order(Generic[V]):
    """An order a table keeps: the groups a row is listed in, and its ascending sort value in
    them (ties keep insertion order, as a stable sort of the rows would)."""

    groups: Callable[[Any, V], Iterable[Hashable]]  # (key, row)
    sort_value: Callable[[V], Any] = field(default=lambda _: 0)
    reads: tuple[str, ...] = ()
    """The row's attributes the groups and the sort value read (beside the key): a change that
    keeps them all leaves the row where it is, costing no index work."""

    _read: Callable[[V], Any] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_read", attrgetter(*self.reads) if self.reads else None)

    def moves(self, old: V, new: V) -> bool:
        return self._read is not None and self._read(old) != self._read(new)


class Loaded(Generic[K, V]):
    """The rows of a snapshot with their orders: made once, read by every reset.

    An order's groups (and the rows' insertion numbers) are built the first time a listing or a
    change reads them, not with the rows: a test that never lists nor moves a row never pays for
    them, and a reset never does.
    """

    def __init__(self, rows: Iterable[tuple[K, V]], orders: Mapping[str, Order[V]]) -> None:
        self.values: dict[K, V] = dict(rows)
        self.keys: list[K] = list(self.values)
        self.orders = orders
        self._groups: dict[str, dict[Hashable, list[_Place]]] = {}

    @cached_property
    def number(self) -> dict[K, int]:
        """Each row's insertion number, by key: made when a test first changes the table."""
        return dict(zip(self.keys, range(len(self.keys)), strict=True))

    def groups(self, name: str) -> dict[Hashable, list[_Place]]:
        """Each group of the order ``name``: its rows' places, sorted."""
        found = self._groups.get(name)
        if found is None:  # built twice at worst, by two threads racing: the same result
            found = self._groups[name] = self._build(self.orders[name])
        return found

    def _build(self, order: Order[V]) -> dict[Hashable, list[_Place]]:
        rows = list(self.values.values())
        places = sorted(zip(map(order.sort_value, rows), range(len(rows)), strict=True))
        # In sorted order: each group's places come out sorted, with no sort per group.
        memberships = list(map(order.groups, self.keys, rows))
        groups: dict[Hashable, list[_Place]] = {}
        for place in places:
            for group in memberships[place[1]]:
                found = groups.get(group)
                if found is None:
                    groups[group] = [place]
                else:
                    found.append(place)
        return groups


@dataclass
class _Changes:
    """A group's changes: positions of loaded places no longer current, and new places."""

    removed: list[int] = field(default_factory=list)
    added: list[_Place] = field(default_factory=list)


class Table(Mapping[K, V]):
    """One test's view of a :class:`Loaded` table: reads fall through to it, writes stay here."""

    def __init__(self, loaded: Loaded[K, V]) -> None:
        self._loaded = loaded
        self._values: dict[K, V] = {}  # rows changed or added by this test, current
        self._hidden: set[K] = set()  # loaded keys whose loaded row is not current
        self._moved: dict[K, int] = {}  # insertion numbers of rows added by this test
        self._key_at: dict[int, K] = {}  # ... and back, in insertion order
        self._next = len(loaded.keys)
        self._len = len(loaded.keys)
        self._changes: dict[str, dict[Hashable, _Changes]] = {name: {} for name in loaded.orders}

    # -- reading, as a dict -------------------------------------------------------------------
    @overload
    def get(self, key: K) -> V | None: ...
    @overload
    def get(self, key: K, default: V | T) -> V | T: ...
    def get(self, key: K, default: Any = None) -> Any:
        found = self._values.get(key, _MISSING)
        if found is not _MISSING:
            return found
        if key in self._hidden:
            return default
        return self._loaded.values.get(key, default)

    def __getitem__(self, key: K) -> V:
        found = self.get(key, _MISSING)
        if found is _MISSING:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        return self.get(key, _MISSING) is not _MISSING  # type: ignore[arg-type]

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[K]:
        hidden, values, moved = self._hidden, self._values, self._moved
        if hidden:
            for key in self._loaded.keys:
                if key not in hidden or (key in values and key not in moved):
                    yield key
        else:
            yield from self._loaded.keys
        yield from list(self._key_at.values())

    def values(self) -> ValuesView[V]:
        if not self._values and not self._hidden:  # unchanged: the loaded rows, read in C
            return self._loaded.values.values()
        return super().values()

    def items(self) -> ItemsView[K, V]:
        if not self._values and not self._hidden:
            return self._loaded.values.items()
        return super().items()

    # -- writing ------------------------------------------------------------------------------
    def put(self, key: K, row: V) -> None:
        old = self.get(key, _MISSING)
        if old is _MISSING:
            number = self._next
            self._next += 1
            self._len += 1
            self._moved[key] = number
            self._key_at[number] = key
            for name, order in self._loaded.orders.items():
                self._place(name, order.groups(key, row), (order.sort_value(row), number))
        else:
            for name, order in self._loaded.orders.items():
                if order.moves(old, row):
                    self._move(name, order, key, old, row, self._number(key))
        if key in self._loaded.number:
            self._hidden.add(key)
        self._values[key] = row

    def delete(self, key: K) -> None:
        old = self.get(key, _MISSING)
        if old is _MISSING:
            raise KeyError(key)
        number = self._number(key)
        for name, order in self._loaded.orders.items():
            self._unplace(name, order.groups(key, old), (order.sort_value(old), number))
        self._values.pop(key, None)
        self._len -= 1
        if key in self._loaded.number:
            self._hidden.add(key)
        moved = self._moved.pop(key, None)
        if moved is not None:
            del self._key_at[moved]

    def _number(self, key: K) -> int:
        moved = self._moved.get(key)
        return self._loaded.number[key] if moved is None else moved

    def _move(self, name: str, order: Order[V], key: K, old: V, new: V, number: int) -> None:
        """Out of the groups (or places) ``old`` had and ``new`` has not, into the new ones."""
        was, now = (order.sort_value(old), number), (order.sort_value(new), number)
        old_groups, new_groups = set(order.groups(key, old)), set(order.groups(key, new))
        if was == now:
            old_groups, new_groups = old_groups - new_groups, new_groups - old_groups
        self._unplace(name, old_groups, was)
        self._place(name, new_groups, now)

    # A place is either in the loaded group (and not removed there) or among the added, never
    # both: a row back where it was loaded is restored there rather than added.
    def _place(self, name: str, groups: Iterable[Hashable], place: _Place) -> None:
        changes, loaded = self._changes[name], self._loaded.groups(name)
        for group in groups:
            found = changes.get(group)
            if found is None:
                found = changes[group] = _Changes()
            at = _position(loaded.get(group, _NOTHING), place)
            removed = found.removed
            if (
                at is not None
                and (i := bisect_left(removed, at)) < len(removed)
                and (removed[i] == at)
            ):
                del removed[i]
            else:
                insort(found.added, place)

    def _unplace(self, name: str, groups: Iterable[Hashable], place: _Place) -> None:
        changes, loaded = self._changes[name], self._loaded.groups(name)
        for group in groups:
            found = changes.get(group)
            if found is None:
                found = changes[group] = _Changes()
            at = _position(loaded.get(group, _NOTHING), place)
            removed = found.removed
            i = 0 if at is None else bisect_left(removed, at)
            if at is not None and not (i < len(removed) and removed[i] == at):
                removed.insert(i, at)
            else:
                del found.added[bisect_left(found.added, place)]

    # -- ordered groups -----------------------------------------------------------------------
    def listing(self, order: str, group: Hashable) -> Listing[V]:
        """The rows of ``group`` in ``order``, as a sequence whose slices are cheap."""
        changes = self._changes[order].get(group)
        return Listing(
            self,
            self._loaded.groups(order).get(group, _NOTHING),
            changes.removed if changes else _NOTHING,
            changes.added if changes else _NOTHING,
        )

    def _key_at_number(self, number: int) -> K:
        loaded = self._loaded
        return loaded.keys[number] if number < len(loaded.keys) else self._key_at[number]


def _position(places: list[_Place], place: _Place) -> int | None:
    """Where ``place`` is in a loaded group's places, or None."""
    at = bisect_left(places, place)
    return at if at < len(places) and places[at] == place else None


class Listing(Sequence[V]):
    """A group's rows in order: the loaded places less the removed ones, merged with the added."""

    def __init__(
        self, table: Table[Any, V], loaded: list[_Place], removed: list[int], added: list[_Place]
    ) -> None:
        self._table = table
        self._loaded = loaded
        self._removed = removed
        self._added = added

    def __len__(self) -> int:
        return len(self._loaded) - len(self._removed) + len(self._added)

    @overload
    def __getitem__(self, index: int) -> V: ...
    @overload
    def __getitem__(self, index: slice) -> list[V]: ...
    def __getitem__(self, index: int | slice) -> V | list[V]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return list(self)[index]
            return self._rows(start, stop - start)
        position = index + len(self) if index < 0 else index
        found = self._rows(position, 1) if 0 <= position < len(self) else []
        if not found:
            raise IndexError(index)
        return found[0]

    def __iter__(self) -> Iterator[V]:
        return iter(self._rows(0, len(self)))

    def row_keys(self) -> list[Any]:
        """The keys of the listing's rows, in order."""
        return [self._table._key_at_number(number) for number in self._numbers(0, len(self))]

    def _rows(self, start: int, count: int) -> list[V]:
        if count <= 0:
            return []
        if not self._removed and not self._added:  # the common case: nothing moved here
            table = self._table
            keys = table._loaded.keys
            read = table._loaded.values.__getitem__ if not table._values else table.__getitem__
            return [read(keys[place[1]]) for place in self._loaded[start : start + count]]
        table = self._table
        return [table[table._key_at_number(number)] for number in self._numbers(start, count)]

    def _numbers(self, start: int, count: int) -> list[int]:
        """The insertion numbers of ``count`` rows from ``start``, merging in order."""
        loaded, removed, added = self._loaded, self._removed, self._added
        if count <= 0:
            return []
        at_loaded, at_added = self._first(start)
        at_removed = bisect_left(removed, at_loaded)
        numbers: list[int] = []
        while len(numbers) < count:
            while at_removed < len(removed) and removed[at_removed] == at_loaded:
                at_loaded += 1
                at_removed += 1
            if at_loaded < len(loaded) and (
                at_added >= len(added) or loaded[at_loaded] < added[at_added]
            ):
                numbers.append(loaded[at_loaded][1])
                at_loaded += 1
            elif at_added < len(added):
                numbers.append(added[at_added][1])
                at_added += 1
            else:
                break
        return numbers

    def _first(self, start: int) -> tuple[int, int]:
        """(position in the loaded places, position in the added) of the row at ``start``."""
        loaded, removed, added = self._loaded, self._removed, self._added

        def before(i: int) -> int:  # rows of the listing that sort before loaded[i]
            return i - bisect_left(removed, i) + bisect_left(added, loaded[i])

        low, high = -1, len(loaded)  # before(low) <= start < before(high), high virtual
        while high - low > 1:
            middle = (low + high) // 2
            if before(middle) <= start:
                low = middle
            else:
                high = middle
        if low == -1:
            return 0, start
        skip = start - before(low)
        at_added = bisect_left(added, loaded[low])
        at_removed = bisect_left(removed, low)
        if at_removed < len(removed) and removed[at_removed] == low:  # loaded[low] is gone
            return low + 1, at_added + skip
        if skip == 0:
            return low, at_added
        return low + 1, at_added + skip - 1
