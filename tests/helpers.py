"""Shared by the plugin's pytester tests: running inner test files, matching what users read."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_RULE = re.compile(r"_{3,}")


def run_inner(pytester: pytest.Pytester, preamble: str, tests: str) -> pytest.RunResult:
    """Run ``preamble + tests`` as ``test_inner.py`` in-process, as a user's suite."""
    pytester.makepyfile(test_inner=preamble + textwrap.dedent(tests))
    return pytester.runpytest_inprocess("-p", "no:cacheprovider")


def expect_lines(result: pytest.RunResult, patterns: list[str]) -> None:
    """``fnmatch_lines`` where only ``*`` is a wildcard (messages show lists: ``['a']``)."""
    escaped = [p.replace("[", "[[]").replace("?", "[?]") for p in patterns]
    result.stdout.fnmatch_lines(escaped)


def readme_blocks(title: str, language: str) -> list[str]:
    """The fenced ``language`` blocks of the README section ``## title``, in order."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    section = text[start : None if end == -1 else end]
    return [
        body for lang, body in re.findall(r"```(\w+)\n(.*?)```", section, re.S) if lang == language
    ]


def as_output_patterns(block: str) -> list[str]:
    """A README output block as patterns: any ids (seed data may change) and rule widths."""
    return [_RULE.sub("*", _UUID.sub("*", line)) for line in block.splitlines() if line]
