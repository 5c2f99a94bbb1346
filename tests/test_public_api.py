"""The public API is what ``__all__`` names, and the API reference (``docs/reference/api.md``)
lists exactly those names: a name added or dropped on one side fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest_telnyx_missions

API_PAGE = Path(__file__).resolve().parent.parent / "docs" / "reference" / "api.md"


def _listed_names() -> set[str]:
    text = API_PAGE.read_text(encoding="utf-8")
    start = text.index("**The public names**")
    end = text.find("\n\n", start)
    paragraph = text[start : None if end == -1 else end]
    listed = paragraph[paragraph.index("private module):") : paragraph.index("tests/test_public")]
    return set(re.findall(r"`([A-Za-z_]+)`", listed))


def test_all_is_what_the_api_reference_lists() -> None:
    assert set(pytest_telnyx_missions.__all__) == _listed_names()


def test_the_reference_renders_every_public_name_and_no_other() -> None:
    rendered = re.findall(r"^::: pytest_telnyx_missions\.([A-Z]\w*)$", API_PAGE.read_text(), re.M)
    # A type alias has no docstring mkdocstrings can read from the running package: its own words.
    described = (
        {"OperationName"} if "`OperationName` is the type" in API_PAGE.read_text() else set()
    )
    assert sorted([*rendered, *described]) == sorted(pytest_telnyx_missions.__all__)


def test_every_public_name_resolves() -> None:
    for name in pytest_telnyx_missions.__all__:
        assert getattr(pytest_telnyx_missions, name) is not None
