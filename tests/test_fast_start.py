"""The standalone server and ``import pytest_telnyx_missions`` load nothing they do not use."""

from __future__ import annotations

import ast
import subprocess
import sys
import typing

import pytest

# Modules only pytest runs, the in-process transports or fake.httpserver need (werkzeug is
# pytest-httpserver's), and what only async waiting needs.
NOT_FOR_THE_SERVER = (
    "pytest",
    "_pytest",
    "pytest_httpserver",
    "httpx",
    "telnyx",
    "werkzeug",
    "asyncio",
)


def _loaded_after(statement: str) -> list[str]:
    """Which of NOT_FOR_THE_SERVER a fresh interpreter has loaded after ``statement``."""
    code = f"{statement}\nimport sys\nprint(sorted(set(sys.modules) & set({NOT_FOR_THE_SERVER!r})))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    loaded: list[str] = ast.literal_eval(done.stdout)
    return loaded


@pytest.mark.parametrize(
    "statement",
    [
        "import pytest_telnyx_missions.cli",
        "import pytest_telnyx_missions",
        "from pytest_telnyx_missions import FakeMissions; FakeMissions().start().stop()",
    ],
)
def test_the_server_imports_no_test_machinery(statement: str) -> None:
    assert _loaded_after(statement) == []


def test_the_package_itself_imports_nothing_until_a_name_is_used() -> None:
    assert _loaded_after("import pytest_telnyx_missions; import pydantic") == []
    code = "import sys, pytest_telnyx_missions; print('pydantic' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "False"


def test_importtime_of_the_cli_help_shows_no_pytest() -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "pytest_telnyx_missions", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()]
    assert "pytest_telnyx_missions.cli" in imported
    assert [name for name in imported if name.split(".")[0] in ("pytest", "_pytest")] == []
    assert "usage: telnyx-missions-fake" in done.stdout


def test_the_public_names_are_there() -> None:
    import pytest_telnyx_missions

    for name in pytest_telnyx_missions.__all__:
        value = getattr(pytest_telnyx_missions, name)
        if name == "OperationName":  # a Literal type alias has no __name__ of its own
            assert "update_run" in typing.get_args(value)
        else:
            assert value.__name__ == name
    assert set(pytest_telnyx_missions.__all__) <= set(dir(pytest_telnyx_missions))
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        _ = pytest_telnyx_missions.Nothing
