"""Shared by the plugin's pytester tests: running inner test files, matching what users read."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC_FILES = [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"]
"""The documentation: the site's pages (docs/) and the README, whose examples are tested alike."""
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


@dataclass(frozen=True)
class DocBlock:
    """A fenced block of the documentation, where it is (``page:line`` names it in test ids)."""

    page: str
    line: int
    language: str
    body: str

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
_HEADING = re.compile(r"^(#+) (.*)$", re.M)


def doc_blocks_of(page: Path) -> list[DocBlock]:
    """Every fenced block of one page, in order."""
    text = page.read_text(encoding="utf-8")
    name = page.relative_to(ROOT).as_posix()
    return [
        DocBlock(name, text.count("\n", 0, m.start()) + 1, m[1], m[2])
        for m in _FENCE.finditer(text)
    ]


def all_doc_blocks() -> list[DocBlock]:
    return [block for page in DOC_FILES for block in doc_blocks_of(page)]


def docs_text() -> str:
    """The whole documentation as one text (for facts that must be stated somewhere in it)."""
    return "\n".join(page.read_text(encoding="utf-8") for page in DOC_FILES)


def doc_section(title: str) -> str:
    """The section headed ``title`` (any level, in whichever page has it), with its subsections."""
    found = []
    for page in DOC_FILES:
        text = page.read_text(encoding="utf-8")
        outside = _FENCE.sub(lambda m: re.sub(r"[^\n]", " ", m[0]), text)  # not # comments
        for heading in _HEADING.finditer(outside):
            if heading[2] == title:
                level = len(heading[1])
                ends = [
                    h.start()
                    for h in _HEADING.finditer(outside, heading.end())
                    if len(h[1]) <= level
                ]
                found.append(text[heading.start() : ends[0] if ends else None])
    assert len(found) == 1, f"{len(found)} sections headed {title!r} in the docs"
    return found[0]


def doc_blocks(title: str, language: str) -> list[str]:
    """The fenced ``language`` blocks of the docs section headed ``title``, in order."""
    return [body for lang, body in _FENCE.findall(doc_section(title)) if lang == language]


def as_output_patterns(block: str) -> list[str]:
    """A docs output block as patterns: any ids (seed data may change) and rule widths."""
    return [_RULE.sub("*", _UUID.sub("*", line)) for line in block.splitlines() if line]


def output_patterns(block: str) -> list[str]:
    """A shown output as patterns: what varies from run to run (ids, times, widths) is ``*``."""
    return [_varying_cut(line) for line in as_output_patterns(block)]


def _varying_cut(line: str) -> str:
    """A report line as a pattern: times, durations, column widths and ids cut short vary."""
    line = re.sub(r"-{3,}", "*", line)
    line = re.sub(r"\+\d+\.\d+s", "+*s", line)
    line = re.sub(r"\d+\.\d ms", "* ms", line)
    line = re.sub(r"[0-9a-f]{8}…", "*", line)
    return re.sub(r" {2,}", "*", line)
