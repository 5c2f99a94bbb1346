"""Every Python example in the README runs, as a user would paste it into a test file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
TESTABLE = [block for block in BLOCKS if "def test_" in block]


def test_readme_has_examples() -> None:
    assert len(TESTABLE) >= 3


@pytest.mark.parametrize("block", TESTABLE, ids=[f"block{i}" for i in range(len(TESTABLE))])
def test_readme_example_passes(pytester: pytest.Pytester, block: str) -> None:
    pytester.makepyfile(test_readme_example=block)
    result = pytester.runpytest("-p", "no:randomly")
    outcomes = result.parseoutcomes()
    # An example that shows a failure message says so with "# fails:"; all others must pass.
    if "# fails:" in block:
        assert outcomes.get("failed", 0) + outcomes.get("errors", 0) >= 1, result.stdout.str()
    else:
        assert outcomes.get("passed", 0) >= 1, result.stdout.str()
        assert outcomes.get("failed", 0) == outcomes.get("errors", 0) == 0, result.stdout.str()
