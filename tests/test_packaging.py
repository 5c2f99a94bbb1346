"""What a user's environment gets from installing the package."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import requires
from pathlib import Path

import pytest

CONTRIBUTOR_TOOLS = {"ruff", "mypy", "fastapi", "pytest-randomly", "pytest-xdist", "types-requests"}


def _extra_requirements() -> dict[str, set[str]]:
    extras: dict[str, set[str]] = {}
    for requirement in requires("pytest-telnyx-missions") or []:
        match = re.search(r"extra\s*==\s*['\"]([\w-]+)['\"]", requirement)
        name = re.split(r"[\s\[<>=!;~]", requirement, maxsplit=1)[0].lower()
        extras.setdefault(match[1] if match else "", set()).add(name)
    return extras


@pytest.mark.parametrize("extra", ["", "sdk", "yaml", "hypothesis"])
def test_user_facing_extras_bring_no_contributor_tools(extra: str) -> None:
    extras = _extra_requirements()
    assert extra in extras
    assert extras[extra] & CONTRIBUTOR_TOOLS == set()


def test_sdk_extra_brings_the_official_sdk() -> None:
    assert "telnyx" in _extra_requirements()["sdk"]


@pytest.mark.parametrize("name", ["tests", "examples", "benchmarks"])
def test_the_install_does_not_make_repo_folders_importable(name: str, tmp_path: Path) -> None:
    probe = (
        f"import importlib.util, pytest_telnyx_missions; print(importlib.util.find_spec({name!r}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "None"
