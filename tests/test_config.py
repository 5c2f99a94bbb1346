"""One configuration: every entry point parses its options through ``FakeConfig``, so the same
bad value gets the same message, naming the option, whichever way it came in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, get_type_hints

import httpx
import pytest

from pytest_telnyx_missions import FakeMissions
from pytest_telnyx_missions._config import (
    DEFAULTS,
    MAX_COUNT,
    OPTION_NAMES,
    FakeConfig,
    ResetOptions,
)
from pytest_telnyx_missions.cli import main

BAD_VALUES = [
    ("runs", -1, "runs: Input should be greater than or equal to 0 (got -1); a count cannot be "),
    ("runs", 20_000, "runs: Input should be less than or equal to 10000 (got 20000)"),
    ("missions", -2, "missions: Input should be greater than or equal to 0 (got -2); a count "),
    # A fixed clock that cannot tick (or hold seeded data before it) is refused alike.
    ("clock", "9999-12-31T23:59:58Z", "clock: clock 9999-12-31T23:59:58Z is out of range: a fixed"),
    ("clock", "0001-01-01T00:00:00Z", "clock: clock 0001-01-01T00:00:00Z is out of range: a fixed"),
]


@pytest.fixture(scope="module")
def controlled() -> Iterator[FakeMissions]:
    with FakeMissions(control_api=True) as fake:
        yield fake


def _python_constructor(name: str, value: Any, **_: Any) -> str:
    with pytest.raises(ValueError, match=name) as refused:
        FakeMissions(**{name: value})
    return str(refused.value)


def _python_reset(name: str, value: Any, **_: Any) -> str:
    fake = FakeMissions(runs=0)
    with pytest.raises(ValueError, match=name) as refused:
        fake.reset(**{name: value})
    return str(refused.value)


def _python_configure(name: str, value: Any, **_: Any) -> str:
    fake = FakeMissions(runs=0)
    with pytest.raises(ValueError, match=name) as refused:
        fake.configure(**{name: value})
    return str(refused.value)


def _cli(name: str, value: Any, capsys: pytest.CaptureFixture[str], **_: Any) -> str:
    with pytest.raises(SystemExit) as exited:
        main(["--port", "0", f"--{name}", str(value)])
    assert exited.value.code == 2  # a usage error
    return capsys.readouterr().err


def _control_api(name: str, value: Any, controlled: FakeMissions, **_: Any) -> str:
    answer = httpx.post(f"{controlled.url}/_fake/reset", json={name: value})
    assert answer.status_code == 400
    message: str = answer.json()["error"]
    return message


def _marker(name: str, value: Any, pytester: pytest.Pytester, **_: Any) -> str:
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.telnyx_missions({name}={value!r})
        def test_bad(telnyx_missions):
            pass
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    return result.stdout.str()


def _ini_file(name: str, value: Any, pytester: pytest.Pytester, **_: Any) -> str:
    pytester.makeini(f"[pytest]\ntelnyx_missions_{name} = {value}\n")
    pytester.makepyfile("def test_any(telnyx_missions):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    return result.stderr.str()


ENTRY_POINTS: dict[str, Callable[..., str]] = {
    "FakeMissions()": _python_constructor,
    "reset()": _python_reset,
    "configure()": _python_configure,
    "CLI": _cli,
    "control API": _control_api,
    "marker": _marker,
    "ini file": _ini_file,
}


@pytest.mark.parametrize(
    ("entry_point", "name", "value", "message"),
    [
        (entry_point, *bad)
        for entry_point in ENTRY_POINTS
        for bad in BAD_VALUES
        # The ini file sets seed, runs, auto_create, state and clock only.
        if not (entry_point == "ini file" and bad[0] == "missions")
    ],
)
def test_the_same_bad_value_gets_the_same_message_whichever_way_it_came_in(
    entry_point: str,
    name: str,
    value: Any,
    message: str,
    request: pytest.FixtureRequest,
) -> None:
    needs = {
        "capsys": entry_point == "CLI",
        "controlled": entry_point == "control API",
        "pytester": entry_point in ("marker", "ini file"),
    }
    fixtures = {key: request.getfixturevalue(key) for key, needed in needs.items() if needed}

    said = ENTRY_POINTS[entry_point](name, value, **fixtures)

    assert message in said


def test_the_counts_are_capped_alike() -> None:
    assert FakeConfig.parse({"runs": MAX_COUNT, "missions": MAX_COUNT}).runs == MAX_COUNT
    assert MAX_COUNT == 10_000


def test_the_keyword_arguments_are_the_options() -> None:
    assert set(get_type_hints(ResetOptions)) == OPTION_NAMES
    assert set(DEFAULTS.as_options()) == OPTION_NAMES


def test_the_config_is_frozen() -> None:
    with pytest.raises(ValueError, match="frozen"):
        DEFAULTS.runs = 4


def test_an_unknown_option_is_a_type_error_naming_it() -> None:
    with pytest.raises(TypeError, match=r"unknown option\(s\) \['rusn'\]"):
        DEFAULTS.with_options({"rusn": 1})
