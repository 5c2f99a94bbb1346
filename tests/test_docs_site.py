"""The documentation as issue 17 lays it out, held by tests: the site's pages and navigation, the
references that must list everything (CLI flags, control endpoints, fixtures, ini options), the
README as a landing page whose code is the docs' own (included, never copied), and CI building
the site and running the Node example."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from pytest_telnyx_missions import FakeMissions, cli, plugin
from pytest_telnyx_missions._config import DEFAULTS
from pytest_telnyx_missions._serving.control import ControlApp

from .helpers import ROOT, doc_blocks_of

DOCS = ROOT / "docs"
README = ROOT / "README.md"
CI = (ROOT / ".ci" / "run").read_text(encoding="utf-8")

# Issue 17.1, page by page: a tutorial, the how-to guides, the references, the explanations.
REQUIRED_PAGES = [
    "tutorial.md",
    "how-to/arrange-state.md",
    "how-to/assert.md",
    "how-to/simulate-failures.md",
    "how-to/factories.md",
    "how-to/clients.md",
    "how-to/standalone.md",
    "how-to/xdist-and-ci.md",
    "how-to/contract.md",
    "reference/fake-missions.md",
    "reference/fixtures.md",
    "reference/configuration.md",
    "reference/cli.md",
    "reference/control-api.md",
    "reference/operations.md",
    "reference/api.md",
    "explanation/fidelity.md",
    "explanation/guarantees.md",
    "explanation/performance.md",
    "explanation/architecture.md",
]


def _nav_pages(entries: Any) -> list[str]:
    if isinstance(entries, str):
        return [entries]
    if isinstance(entries, list):
        return [page for entry in entries for page in _nav_pages(entry)]
    if isinstance(entries, dict):
        return [page for value in entries.values() for page in _nav_pages(value)]
    return []


def _mkdocs() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    return loaded


def _page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def test_every_page_the_issue_lists_exists_and_is_in_the_navigation() -> None:
    nav = _nav_pages(_mkdocs()["nav"])
    assert [page for page in REQUIRED_PAGES if not (DOCS / page).is_file()] == []
    assert [page for page in REQUIRED_PAGES if page not in nav] == []
    on_disk = sorted(path.relative_to(DOCS).as_posix() for path in DOCS.rglob("*.md"))
    assert sorted(nav) == on_disk  # no page left out of the navigation, none missing


def test_the_site_is_material_with_mkdocstrings_built_strict_in_ci() -> None:
    config = _mkdocs()
    assert config["theme"]["name"] == "material"
    assert config["strict"] is True
    assert any("mkdocstrings" in plugin_ for plugin_ in map(str, config["plugins"]))
    assert "::: pytest_telnyx_missions" in _page("reference/api.md")  # generated from docstrings
    assert re.search(r"^[^#\n]*mkdocs build --strict", CI, re.M), "CI builds the site, strict"


def test_ci_runs_the_node_example_or_says_it_did_not() -> None:
    assert re.search(r"if command -v node .*&& command -v npm", CI)
    assert "(cd examples/node && npm ci" in CI
    assert "npm test)" in CI
    assert re.search(r'echo "node or npm is not on PATH: skipping examples/node', CI)


# -- references that list everything -----------------------------------------------------
def test_the_cli_reference_names_every_flag() -> None:
    page = _page("reference/cli.md")
    flags = [
        flag
        for action in cli._parser()._actions
        for flag in action.option_strings
        if flag.startswith("--") and flag != "--help"
    ]
    assert flags
    assert [flag for flag in flags if f"`{flag}" not in page] == []


_UNITS = {"MiB": 2**20, "KiB": 2**10, "s": 1}
_NO_VALUE = {"off": False, "none": None, "real time": None}


def _shown_default(text: str) -> object:
    """A default as the CLI reference writes it: `4010`, 10 MiB, 10 s, off, none."""
    text = re.sub(r" \(.*\)$", "", text.strip()).strip("`")
    if text in _NO_VALUE:
        return _NO_VALUE[text]
    number, _, unit = text.partition(" ")
    try:
        return float(number) * _UNITS[unit] if unit else float(number)
    except (ValueError, KeyError):
        return text


def test_the_cli_reference_shows_every_flags_default() -> None:
    defaults = {
        flag: action.default for action in cli._parser()._actions for flag in action.option_strings
    }
    wrong = []
    for row in re.findall(r"^\| (`--.*?) \| (.*?) \|", _page("reference/cli.md"), re.M):
        flags = [cell.strip("`").split()[0].split("[")[0] for cell in row[0].split(", ")]
        shown = row[1].split(", ")
        assert len(flags) == len(shown), row
        for flag, text in zip(flags, shown, strict=True):
            default = defaults[flag]
            if isinstance(default, (int, float)) and not isinstance(default, bool):
                default = float(default)
            value = _shown_default(text)
            if value != default and not (value is False and default is None):  # off: not given
                wrong.append(f"{flag}: shown {text}, default {defaults[flag]!r}")
    assert wrong == []


def test_the_control_api_reference_names_every_endpoint() -> None:
    page = _page("reference/control-api.md")
    app = ControlApp(FakeMissions())
    missing = []
    for path, methods in app._routes.items():
        if path.startswith("/_fake/ui/") and path != "/_fake/ui/data":
            continue  # the dashboard's own assets (its script and style), not an endpoint
        shown = re.escape(path.removeprefix("/_fake"))
        for method in methods:
            written = rf"{method} /_fake{shown}|{method} /_fake/[^`|]*`[^|]*`/_fake{shown}`"
            if not re.search(written, page):
                missing.append(f"{method} {path}")
    assert missing == []


def _fixture_names() -> list[str]:
    tree = ast.parse(Path(plugin.__file__).read_text(encoding="utf-8"))
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any("fixture" in ast.unparse(decorator) for decorator in node.decorator_list)
    ]


def test_the_fixtures_reference_names_every_fixture() -> None:
    page = _page("reference/fixtures.md")
    names = _fixture_names()
    assert {"telnyx_missions", "telnyx_missions_process", "telnyx_client"} <= set(names)
    assert [name for name in names if f"`{name}`" not in page] == []


def test_the_configuration_reference_names_every_ini_and_pytest_option(
    pytester: pytest.Pytester,
) -> None:
    config = pytester.parseconfig()
    page = _page("reference/configuration.md")
    ini = [name for name in config._parser._inidict if name.startswith("telnyx_missions")]
    flags = [
        flag
        for option in config._parser._anonymous.options
        + [o for group in config._parser._groups for o in group.options]
        for flag in option.names()
        if flag.startswith("--telnyx-missions")
    ]
    assert len(ini) >= 15
    assert len(flags) >= 11
    assert [name for name in ini if f"`{name}`" not in page] == []
    assert [flag for flag in flags if f"`{flag}" not in page] == []


def test_the_configuration_reference_has_a_row_for_every_marker_option() -> None:
    marker_table = _page("reference/configuration.md").split("## ini options")[0]
    rows = dict(re.findall(r"^\| `(\w+)` \| `([^`]+)`", marker_table, re.M))
    assert set(rows) == set(plugin._MARKER_OPTIONS)
    defaults = {**DEFAULTS.model_dump(), **plugin._PLUGIN_OPTIONS}
    assert {name: repr(defaults[name]) for name in rows} == rows  # the default column


# -- the README: a landing page, its code the docs' own ------------------------------------
def test_the_readme_is_a_landing_page() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    headings = re.findall(r"^## (.+)$", text, re.M)
    assert headings == [
        "Install it in your project",
        "Set-up on a fresh machine",
        "What you get",
        "Checking the fake against the real API",
        "Performance",
        "Documentation",
    ]
    setup = text.split("## Set-up on a fresh machine")[1].split("## What you get")[0]
    assert len(re.findall(r"^```bash$", setup, re.M)) == 2  # the two set-up commands
    what_you_get = text.split("## What you get")[1].split("## Checking the fake")[0]
    assert len(re.findall(r"\]\(docs/[^)]+\)", what_you_get)) >= 10  # a list linking into the docs


def test_the_docs_include_the_readmes_examples_never_a_copy() -> None:
    readme_blocks = [b.body for b in doc_blocks_of(README) if b.language in ("python", "bash")]
    snippets = re.findall(r"--8<-- \[start:(\S+)\]", README.read_text(encoding="utf-8"))
    assert {"first-test", "install"} <= set(snippets)
    included = {
        name
        for page in DOCS.rglob("*.md")
        for name in re.findall(r'--8<-- "README\.md:(\S+)"', page.read_text(encoding="utf-8"))
    }
    assert included == set(snippets)
    copies = [
        f"{block.where}"
        for page in DOCS.rglob("*.md")
        for block in doc_blocks_of(page)
        if block.body in readme_blocks
    ]
    assert copies == []


def test_the_readmes_set_up_commands_are_what_ci_runs() -> None:
    text = README.read_text(encoding="utf-8")
    setup = text.split("## Set-up on a fresh machine")[1].split("## What you get")[0]
    commands = [
        line
        for block in re.findall(r"^```bash\n(.*?)^```", setup, re.S | re.M)
        for line in block.splitlines()
    ]
    ci_lines = CI.splitlines()
    assert [command for command in commands if command not in ci_lines] == []
    then = re.search(r"CI runs exactly these, then (.*?): see", " ".join(setup.split()))
    assert then, "the README says what else CI runs"
    named = re.findall(r"`([^`]+)`", then[1].split(" (")[0])  # not what follows in brackets
    assert len(named) >= 5
    assert [tool for tool in named if f"/bin/{tool}" not in CI] == []  # .venv/bin/<tool>


def _anchors(page: Path) -> set[str]:
    """The ids mkdocs gives the headings of ``page`` (the toc extension's slugify)."""
    slugify = pytest.importorskip("markdown.extensions.toc").slugify  # the docs extra's

    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.S | re.M)
    return {
        slugify(heading.replace("`", ""), "-") for heading in re.findall(r"^#+ (.+)$", text, re.M)
    }


def test_every_link_of_the_readme_resolves() -> None:
    """The README is no page of the site, so mkdocs does not check its links: this does."""
    broken = []
    for link in re.findall(r"\]\(([^)\s]+)\)", README.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", link):
            continue  # https://...: not this repository's
        path, _, anchor = link.partition("#")
        target = ROOT / path
        if not target.is_file() or (anchor and anchor not in _anchors(target)):
            broken.append(link)
    assert broken == []


def test_the_architecture_page_places_every_module_of_the_package() -> None:
    [layout] = [
        b.body for b in doc_blocks_of(DOCS / "explanation" / "architecture.md") if not b.language
    ]
    package = Path(plugin.__file__).parent
    modules = sorted(
        path.name + ("/" if path.is_dir() else "")
        for path in package.iterdir()
        if (path.suffix == ".py" or (path.is_dir() and not path.name.startswith("__")))
    )
    assert [name for name in modules if not re.search(rf"(^|\s){re.escape(name)}", layout)] == []
    lint = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    layers = lint.split("layers = [")[1].split("]")[0]
    storeys = {
        name.strip() for line in re.findall(r'"([^"]+)"', layers) for name in line.split("|")
    }
    unplaced = [
        name.removesuffix(".py").removesuffix("/")
        for name in modules
        if not name.startswith("__") and name not in ("contract/", "spec/")
    ]
    assert [name for name in unplaced if name not in storeys] == []  # each is in a storey


def test_no_file_the_repository_ignores_is_committed() -> None:
    """``node_modules/`` and the like are made by their tools (``npm ci``), never committed."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    import subprocess

    tracked = subprocess.run(
        ["git", "ls-files", "--cached", "--ignored", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert tracked[:5] == [], f"{len(tracked)} ignored files are committed"


_NAMED_TEST = re.compile(r"`(?:tests/)?(test_\w+\.py)(?:::(\w+))?`|`(?:::)?(test_\w+)`")


def _test_functions(module: Path) -> set[str]:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


def test_every_test_the_explanation_and_reference_pages_name_exists() -> None:
    """A promise's proof is a test by name (``test_x.py::test_y``, or ``::test_y`` and
    ``test_y`` after its file on the same line): a renamed or removed test shows here."""
    tests = {path.name: path for path in (ROOT / "tests").glob("test_*.py")}
    every = set().union(*map(_test_functions, tests.values()))
    missing = []
    for page in [*DOCS.glob("explanation/*.md"), *DOCS.glob("reference/*.md")]:
        for line in page.read_text(encoding="utf-8").splitlines():
            module: Path | None = None
            for found in _NAMED_TEST.finditer(line):
                file, test = found[1], found[2] or found[3]
                if file:
                    module = tests.get(file)
                    if module is None:
                        missing.append(f"{page.name}: {file}")
                        continue
                if test and test not in (_test_functions(module) if module else every):
                    missing.append(f"{page.name}: {module.name if module else ''}::{test}")
    assert missing == []
