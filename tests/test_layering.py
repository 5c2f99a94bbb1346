"""The package's modules import one way: no cycle, type-only imports included."""

from __future__ import annotations

import ast
import subprocess
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "pytest_telnyx_missions"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Each module of the package and the modules of the package it imports, anywhere in it
    (``if TYPE_CHECKING:`` blocks and function bodies too)."""
    modules = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    target = node.module or ""
                candidates = [target, *(f"{target}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Import):
                candidates = [alias.name for alias in node.names]
            else:
                continue
            graph[name] |= {c for c in candidates if c in modules and c != name}
    return graph


def test_the_graph_reads_the_imports() -> None:
    graph = import_graph()
    assert "pytest_telnyx_missions._state.store" in graph["pytest_telnyx_missions._pipeline.app"]
    assert (
        "pytest_telnyx_missions._pipeline.operations"
        in graph["pytest_telnyx_missions._pipeline.routes.runs"]
    )


def test_no_import_cycle() -> None:
    try:
        order = list(TopologicalSorter(import_graph()).static_order())
    except CycleError as error:
        raise AssertionError(f"import cycle: {' -> '.join(error.args[1])}") from None
    # the lowest layers come before the pipeline, which comes before the fake
    position = {name: index for index, name in enumerate(order)}
    prefix = "pytest_telnyx_missions."
    assert (
        position[prefix + "_api.models"]
        < position[prefix + "_state.store"]
        < position[prefix + "_pipeline.app"]
    )
    assert (
        position[prefix + "_pipeline.faults.rules"]
        < position[prefix + "_pipeline.app"]
        < position[prefix + "_fake"]
    )


def test_the_import_contracts_hold() -> None:
    # The storeys and the rules between them, as pyproject.toml writes them (import-linter).
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint), "--no-cache"],
        cwd=PACKAGE.parent,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout
