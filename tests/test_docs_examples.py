"""Every Python block of the docs and the README runs, as a user would paste it into a test file.

A block that shows a failure says so with ``# fails:``; the output block that follows it on its
page is what that failure prints, and is checked against what pytest printed. Any other output
block names the test that checks it, in a comment on the line before it.
"""

from __future__ import annotations

import ast
import doctest
import re
import sys
import textwrap
from pathlib import Path

import pytest

from .helpers import (
    DOC_FILES,
    ROOT,
    DocBlock,
    all_doc_blocks,
    doc_blocks_of,
    expect_lines,
    output_patterns,
)

OUTPUT_LANGUAGES = {"text", "console"}  # json blocks show formats; a test reads each
CHECKED_BY = re.compile(r"<!-- output checked by (tests/\w+\.py)::(\w+) -->\n$")


def _python_blocks() -> list[tuple[DocBlock, DocBlock | None]]:
    """Each Python block, with the output block that follows a failing one on its page."""
    found = []
    for page in DOC_FILES:
        blocks = doc_blocks_of(page)
        for number, block in enumerate(blocks):
            after = blocks[number + 1] if number + 1 < len(blocks) else None
            if block.language != "python":
                continue
            shown = after if after is not None and after.language in OUTPUT_LANGUAGES else None
            found.append((block, shown if "# fails:" in block.body else None))
    return found


PYTHON = _python_blocks()


def as_test_module(code: str) -> str:
    """A block as a test file: a fragment (no test in it) runs inside a test given a run."""
    if "def test_" in code:
        return code
    lines = code.splitlines(keepends=True)
    imports = [line for line in lines if line.startswith(("import ", "from "))]
    body = [line for line in lines if line not in imports]
    return (
        "".join(imports)
        + "\n\ndef test_fragment(telnyx_missions):\n    run = telnyx_missions.runs[0]\n"
        + textwrap.indent("".join(body), "    ")
    )


def test_the_docs_have_examples() -> None:
    assert len(PYTHON) >= 20
    assert {block.page for block, _ in PYTHON} >= {"README.md", "docs/tutorial.md"}


@pytest.mark.parametrize(("block", "shown"), PYTHON, ids=[block.where for block, _ in PYTHON])
def test_example_runs_as_shown(
    pytester: pytest.Pytester, block: DocBlock, shown: DocBlock | None
) -> None:
    pytester.makepyfile(test_docs_example=as_test_module(block.body))
    result = pytester.runpytest_inprocess("-p", "no:randomly", "-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    if "# fails:" in block.body:
        assert outcomes.get("failed", 0) + outcomes.get("errors", 0) >= 1, result.stdout.str()
    else:
        assert outcomes.get("passed", 0) >= 1, result.stdout.str()
        assert outcomes.get("failed", 0) == 0, result.stdout.str()
        if "def test_" in block.body:  # a fragment may show a strict rule that fails teardown
            assert outcomes.get("errors", 0) == 0, result.stdout.str()
    if shown is not None:
        expect_lines(result, output_patterns(shown.body))


def test_every_shown_output_is_checked() -> None:
    """An output block follows a failing example, or names the test that checks it."""
    after_failures = {shown.where for _, shown in PYTHON if shown is not None}
    unchecked = []
    for block in all_doc_blocks():
        if block.language not in OUTPUT_LANGUAGES or block.where in after_failures:
            continue
        text = (ROOT / block.page).read_text(encoding="utf-8").splitlines(keepends=True)
        claim = CHECKED_BY.search(text[block.line - 2]) if block.line >= 2 else None
        if claim is None or not _reads_the_docs(ROOT / claim[1], claim[2]):
            unchecked.append(block.where)
    assert unchecked == []


# What `pip install "pytest-telnyx-missions[sdk]"` (the README's install) brings, and the stdlib.
INSTALLED_WITH_THE_PLUGIN = {"pytest", "httpx", "werkzeug", "pydantic", "faker", "telnyx"}
DISTRIBUTIONS = {"dirty_equals": "dirty-equals", "hypothesis": "[hypothesis]"}


def test_every_package_an_example_imports_is_named_on_its_page() -> None:
    unnamed = []
    for block, _ in PYTHON:
        page = (ROOT / block.page).read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(as_test_module(block.body))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and not node.level
                else []
            )
            for top in {name.partition(".")[0] for name in names}:
                if top in sys.stdlib_module_names or top in INSTALLED_WITH_THE_PLUGIN:
                    continue
                if top == "pytest_telnyx_missions":
                    continue
                wanted = DISTRIBUTIONS.get(top, top)
                if not re.search(rf"pip install [^`]*{re.escape(wanted)}", page):
                    unnamed.append(f"{block.where}: {top}")
    assert unnamed == []


# pytest options of plugins the install does not bring, and the distribution each needs.
PLUGIN_OPTIONS = {r"pytest -n \d|-n auto": "pytest-xdist", r"--randomly-seed=": "pytest-randomly"}


def test_every_pytest_plugin_an_example_uses_is_named_on_its_page() -> None:
    unnamed = [
        f"{page.relative_to(ROOT)}: {distribution}"
        for page in DOC_FILES
        for option, distribution in PLUGIN_OPTIONS.items()
        if re.search(option, text := page.read_text(encoding="utf-8"))
        and not re.search(rf"pip install [^`]*{distribution}|{distribution} runs", text)
    ]
    assert unnamed == []


def _reads_the_docs(module: Path, test: str) -> bool:
    """The named test exists and takes what it checks from the docs (not a copy of it)."""
    if not module.is_file():
        return False
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef) and node.name == test:
            names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            return bool(names & {"doc_blocks", "doc_section"})
    return False


def _api_reference_objects() -> list[object]:
    """What the Python API reference renders: the public names, the factories and strategies."""
    import pytest_telnyx_missions
    from pytest_telnyx_missions import factories, strategies

    names = [getattr(pytest_telnyx_missions, name) for name in pytest_telnyx_missions.__all__]
    return [*names, factories, strategies]


def test_every_example_in_the_api_references_docstrings_runs() -> None:
    """The API reference is the docs too: its examples are doctests, run here, never ``::``
    blocks that nothing runs."""
    finder = doctest.DocTestFinder(exclude_empty=False)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    examples = 0
    unrun = []
    for found in _api_reference_objects():
        for test in finder.find(found):
            examples += len(test.examples)
            runner.run(test)
            if re.search(r"::\n\n {4,}\S", test.docstring or ""):
                unrun.append(test.name)
    assert examples >= 3  # FakeMissions, StandaloneFake, factories
    assert runner.summarize(verbose=False).failed == 0
    assert unrun == []
