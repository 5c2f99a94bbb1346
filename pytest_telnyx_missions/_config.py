"""The options every entry point shares (fixture, marker, ini, CLI, control API), defined once.

``FakeConfig`` holds what a reset restores: the seeded data or a state document, the clock, and
the behaviour switches. Each entry point reads its own syntax into the same fields.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypedDict, Union

StateSource = Union[Mapping[str, Any], str, "os.PathLike[str]"]
"""A state document: the dict itself, or the path of a JSON (or YAML) file holding it."""


class ResetOptions(TypedDict, total=False):
    """The keyword arguments of ``FakeMissions(...)`` and ``reset(...)`` that a reset restores."""

    seed: int
    runs: int
    missions: int
    strict_transitions: bool
    auto_create: bool
    clock: datetime | str | None
    state: StateSource | None


@dataclass(frozen=True)
class FakeConfig:
    """What a reset restores. The one place the defaults live."""

    seed: int = 0
    """Seed of the seeded data and of every id the fake makes."""
    runs: int = 3
    missions: int = 2
    strict_transitions: bool = False
    auto_create: bool = False
    """Create an unknown resource a request names (with an id its path accepts) on the spot."""
    clock: datetime | None = None
    """A fixed start time: every change then ticks the clock by one second. None: real time."""
    state: StateSource | None = None
    """A state document that replaces the seeded data (``seed`` still drives new ids)."""

    def __post_init__(self) -> None:
        if self.runs < 0 or self.missions < 0:
            raise ValueError(
                f"runs and missions cannot be negative (got runs={self.runs}, "
                f"missions={self.missions})"
            )
        object.__setattr__(self, "clock", parse_clock(self.clock))  # a str given at run time

    def with_options(self, options: Mapping[str, Any]) -> FakeConfig:
        """A copy with ``options`` replacing fields; an unknown option is a ``TypeError``."""
        unknown = set(options) - OPTION_NAMES
        if unknown:
            raise TypeError(
                f"unknown option(s) {sorted(unknown)}; the options are {sorted(OPTION_NAMES)}"
            )
        merged = {**{f.name: getattr(self, f.name) for f in fields(self)}, **options}
        merged["clock"] = parse_clock(merged["clock"])
        return FakeConfig(**merged)


def parse_clock(value: datetime | str | None) -> datetime | None:
    """A fixed clock from a datetime or an ISO 8601 string; naive times are taken as UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"clock {value!r} is not an ISO 8601 time (e.g. 2025-01-01T00:00:00Z)"
            ) from None
    if not isinstance(value, datetime):
        raise TypeError(f"clock must be a datetime or an ISO 8601 string, not {value!r}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def read_state_file(path: str | os.PathLike[str]) -> Any:
    """The document in a JSON file, or a YAML one (``.yaml``/``.yml``, needs PyYAML)."""
    file = Path(path)
    text = file.read_text(encoding="utf-8")
    if file.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:  # pragma: no cover - PyYAML is a test dependency
            raise ValueError(f"{file} is YAML: install PyYAML to load it") from None
        return yaml.safe_load(text)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{file} is not valid JSON: {exc}") from None


OPTION_NAMES: frozenset[str] = frozenset(f.name for f in fields(FakeConfig))
DEFAULTS = FakeConfig()
