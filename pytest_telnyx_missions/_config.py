"""The options every entry point shares (constructor, ``reset``/``configure``, marker, ini file,
CLI, control API), defined once: :class:`FakeConfig`, a frozen pydantic model.

Every entry point parses through it, so the same bad value is refused with the same message,
naming the option (:func:`option_problem`), whichever way it came in; each entry point only adds
its own frame (``ValueError``, a CLI usage error, a 400, a test's error).
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any, TypedDict, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

__all__ = [
    "DEFAULTS",
    "DEFAULT_JOURNAL_MAX_BYTES",
    "MAX_COUNT",
    "OPTION_NAMES",
    "FakeConfig",
    "JournalLimits",
    "ResetOptions",
    "StateSource",
    "check_option",
    "did_you_mean",
    "named_with_hints",
    "option_problem",
    "parse_clock",
    "read_state_file",
    "unknown_names",
]

StateSource = Union[Mapping[str, Any], str, "os.PathLike[str]"]
"""A state document: the dict itself, or the path of a JSON (or YAML) file holding it."""

MAX_COUNT = 10_000
"""The most seeded runs (or missions) a fake is made with: seeding more takes seconds."""


class ResetOptions(TypedDict, total=False):
    """The keyword arguments of ``FakeMissions(...)`` and ``reset(...)`` that a reset restores."""

    seed: int
    runs: int
    missions: int
    strict_transitions: bool
    auto_create: bool
    clock: datetime | str | None
    state: StateSource | None


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
        raise ValueError(f"clock must be a datetime or an ISO 8601 string, not {value!r}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    try:
        value = value.astimezone(timezone.utc)
    except OverflowError:  # 0001-01-01T00:00:00+14:00 is before the first UTC time Python has
        raise ValueError(f"clock {value.isoformat()} is out of range in UTC") from None
    if not EARLIEST_CLOCK <= value < LATEST_CLOCK:
        raise ValueError(
            f"clock {_iso(value)} is out of range: a fixed clock lies from {_iso(EARLIEST_CLOCK)} "
            f"to before {_iso(LATEST_CLOCK)}, so that seeded data fits before it and every "
            "change can tick it on"
        )
    return value


EARLIEST_CLOCK = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST_CLOCK = datetime(9000, 1, 1, tzinfo=timezone.utc)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _state_source(value: Any) -> Any:
    if value is None or isinstance(value, (Mapping, str, os.PathLike)):
        return value  # kept as given: a document is validated when it is loaded
    raise ValueError(f"state must be a document (a dict) or a file's path, not {value!r}")


Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]


class FakeConfig(BaseModel):
    """What a reset restores. The one place the options' defaults and bounds live."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = 0
    """Seed of the seeded data and of every id the fake makes."""
    runs: Count = 3
    missions: Count = 2
    strict_transitions: bool = False
    auto_create: bool = False
    """Create an unknown resource a request names (with an id its path accepts) on the spot."""
    clock: Annotated[datetime | None, BeforeValidator(parse_clock)] = None
    """A fixed start time: every change then ticks the clock by one second. None: real time."""
    state: Annotated[Any, BeforeValidator(_state_source)] = None
    """A state document that replaces the seeded data (``seed`` still drives new ids)."""

    @classmethod
    def parse(cls, options: Mapping[str, Any]) -> FakeConfig:
        """The config of ``options``; an unknown one is a ``TypeError``, a bad value a
        ``ValueError`` saying :func:`option_problem` of each."""
        unknown = unknown_names(options, OPTION_NAMES)
        if unknown:
            raise TypeError(
                f"unknown option(s) {sorted(unknown)}; the options are {sorted(OPTION_NAMES)}"
            )
        try:
            return cls.model_validate(options)
        except ValidationError as exc:
            raise ValueError(option_problem(exc)) from None

    def with_options(self, options: Mapping[str, Any]) -> FakeConfig:
        """A copy with ``options`` replacing fields, checked as :meth:`parse` checks them."""
        return FakeConfig.parse({**self.as_options(), **options})

    def as_options(self) -> dict[str, Any]:
        """Every option and its value, as keyword arguments (``state`` as given, not copied)."""
        return {name: getattr(self, name) for name in OPTION_NAMES_IN_ORDER}


DEFAULT_JOURNAL_MAX_BYTES = 64 * 1024 * 1024
"""The journal's default byte budget, 64 MiB: six requests at the server's 10 MiB body limit
(with their answers) still fit, so the latest large requests stay assertable, while ordinary
entries (a few KiB) number in the tens of thousands before it binds."""


@dataclass(frozen=True)
class JournalLimits:
    """How much of the journal a fake keeps (not a reset option: a fake has them for life).

    ``FakeMissions(journal_limit=..., journal_max_bytes=...)``, the CLI's ``--journal-limit`` and
    ``--journal-max-bytes``, ``StandaloneFake`` and the plugin's ini options all come here, so
    a bad value gets the same message whichever way it came.
    """

    max_entries: int | None = None
    """``journal_limit``: the most entries kept; None, no count."""
    max_bytes: int | None = DEFAULT_JOURNAL_MAX_BYTES
    """``journal_max_bytes``: the most bytes the kept entries count (request and answer
    bodies plus a fixed overhead each); None, no budget."""

    def __post_init__(self) -> None:
        for name, value in self._named():
            if value is not None and (type(value) is not int or value < 1):
                raise ValueError(f"{name} must be at least 1 (or None), got {value!r}")

    def describe(self) -> str:
        """The limits in force, as their options are spelt (``journal_limit=2``)."""
        given = [f"{name}={value}" for name, value in self._named() if value is not None]
        return ", ".join(given) or "no limit"

    def _named(self) -> tuple[tuple[str, int | None], ...]:
        return (("journal_limit", self.max_entries), ("journal_max_bytes", self.max_bytes))


def option_problem(exc: ValidationError) -> str:
    """Every bad option of ``exc``, named, in one line: ``runs: Input should be greater than or
    equal to 0 (got -1); a count cannot be negative``."""
    problems = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"]) or "options"
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] in ("extra_forbidden", "unexpected_keyword_argument"):
            message = "unknown key"
        elif (
            error["type"] not in ("json_invalid", "missing")
            and "input" in error
            and repr(error["input"]) not in message  # a message that quotes it already
        ):
            message = f"{message} (got {error['input']!r})"
        if error["type"] == "greater_than_equal" and error.get("ctx", {}).get("ge") == 0:
            message += "; a count cannot be negative"
        problems.append(f"{where}: {message}")
    return "; ".join(problems)


def check_option(name: str, value: Any) -> Any:
    """``value`` as option ``name`` holds it; ``ValueError`` saying :func:`option_problem`."""
    return getattr(FakeConfig.parse({name: value}), name)


def unknown_names(given: Collection[str], known: Collection[str]) -> list[str]:
    """The names in ``given`` that are not ``known``, in the order given: the one "unknown
    field" check of options, arranged resources, state documents and control bodies."""
    return [name for name in given if name not in known]


_NEAR = 0.6  # difflib.get_close_matches' own cutoff
_AS_NEAR = 0.1


def did_you_mean(name: object, known: Collection[str]) -> str:
    """The names of ``known`` nearest a mistyped ``name``, as a message says them (``did you
    mean 'update_run'?``), or ``""`` when none is near. Every "unknown name" message asks this
    one function, so a typo gets its nearest names, never a dump of all of them."""
    scored = sorted(
        (
            (difflib.SequenceMatcher(None, str(name), candidate).ratio(), candidate)
            for candidate in known
        ),
        reverse=True,
    )
    if not scored or scored[0][0] < _NEAR:
        return ""
    best = scored[0][0]
    # Only those about as near as the nearest: 'update_runs' means 'update_run', not also
    # the three next-best operations.
    near = [repr(candidate) for score, candidate in scored[:3] if score >= best - _AS_NEAR]
    either = near[0] if len(near) == 1 else f"{', '.join(near[:-1])} or {near[-1]}"
    return f"did you mean {either}?"


def named_with_hints(names: Iterable[str], known: Collection[str]) -> str:
    """Unknown ``names`` quoted, each with :func:`did_you_mean`'s hint: ``'stauts' (did you
    mean 'status'?), 'foo'``."""
    return ", ".join(
        f"{name!r} ({hint})" if (hint := did_you_mean(name, known)) else repr(name)
        for name in names
    )


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


OPTION_NAMES_IN_ORDER: tuple[str, ...] = tuple(FakeConfig.model_fields)
OPTION_NAMES: frozenset[str] = frozenset(OPTION_NAMES_IN_ORDER)
DEFAULTS = FakeConfig()
