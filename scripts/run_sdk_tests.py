"""Run the official ``telnyx`` Python SDK's own Missions tests against the standalone fake.

The SDK's sdist ships generated tests for every Missions method (``tests/api_resources/ai/
test_missions.py`` and ``tests/api_resources/ai/missions/``), skipped there because they need a
mock server at ``TEST_API_BASE_URL``. This script downloads the sdist of the installed ``telnyx``
version from the package index, copies those tests (and their ``conftest.py``/``utils.py``) into
a temporary folder with the skip markers removed, starts ``telnyx-missions-fake`` on a free
loopback port, resets it through ``POST /_fake/reset`` before each test, runs them, and prints
the count. Twice: with ``--auto-create``, and with the example state file in its place.

Needs ``pip install -e ".[sdk-tests]"`` (pytest-asyncio, which the SDK's conftest imports).
Not part of the default test run: it downloads the sdist. Usage::

    python scripts/run_sdk_tests.py [--mode auto-create|state|both] [-- extra pytest args]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_STATE = REPO / "examples" / "state.json"
_SERVING = re.compile(r"export TELNYX_BASE_URL=(?P<base_url>\S+)/v2 ")
_SKIP = re.compile(r"^\s*@pytest\.mark\.skip\(reason=\"Mock server tests are disabled\"\)\s*$")
_COPIED = ("tests/__init__.py", "tests/conftest.py", "tests/utils.py")
_SUITES = ("tests/api_resources/ai/test_missions.py", "tests/api_resources/ai/missions/")
_RESET_EACH_TEST = """

# Added by pytest-telnyx-missions' scripts/run_sdk_tests.py: a fresh fake for every test.
@pytest.fixture(autouse=True)
def _reset_the_fake() -> None:
    httpx.post(base_url + "/_fake/reset", timeout=10).raise_for_status()
"""
_PYTEST_INI = """[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = session
xfail_strict = true
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=("auto-create", "state", "both"), default="both")
    parser.add_argument("pytest_args", nargs="*", help="passed to pytest (after --)")
    args = parser.parse_args()
    if importlib.util.find_spec("pytest_asyncio") is None:
        print('pytest-asyncio is missing: pip install -e ".[sdk-tests]"', file=sys.stderr)
        return 2
    sdk_version = version("telnyx")
    with tempfile.TemporaryDirectory(prefix="telnyx-sdk-tests-") as work:
        suite = _prepare_suite(Path(work), sdk_version)
        modes = ("auto-create", "state") if args.mode == "both" else (args.mode,)
        results = {mode: _run(suite, mode, args.pytest_args) for mode in modes}
    for mode, (_, summary) in results.items():
        print(f"telnyx {sdk_version} Missions tests against the fake ({mode}): {summary}")
    return max(code for code, _ in results.values())


def _prepare_suite(work: Path, sdk_version: str) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary",
            ":all:",
            f"telnyx=={sdk_version}",
            "--dest",
            str(work),
        ],
        check=True,
    )
    [sdist] = work.glob("telnyx-*.tar.gz")
    suite = work / "suite"
    prefix = f"telnyx-{sdk_version}/"
    with tarfile.open(sdist) as archive:
        for member in archive.getmembers():
            name = member.name.removeprefix(prefix)
            wanted = name in _COPIED or any(name.startswith(s) for s in _SUITES)
            wanted = wanted or (
                name.startswith("tests/api_resources/") and name.endswith("__init__.py")
            )
            if member.isfile() and wanted:
                extracted = archive.extractfile(member)
                assert extracted is not None
                target = suite / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(extracted.read())
    for test_file in suite.rglob("test_*.py"):
        lines = test_file.read_text(encoding="utf-8").splitlines(keepends=True)
        test_file.write_text("".join(line for line in lines if not _SKIP.match(line)))
    conftest = suite / "tests" / "conftest.py"
    conftest.write_text(conftest.read_text(encoding="utf-8") + _RESET_EACH_TEST)
    (suite / "pytest.ini").write_text(_PYTEST_INI)
    return suite


@contextmanager
def _fake(*options: str) -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest_telnyx_missions", "--port", "0", *options],
        stdout=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = _SERVING.search(line)
        if match is None:
            raise RuntimeError(f"the fake did not start: {line!r}")
        yield match["base_url"]
    finally:
        process.terminate()
        process.wait(timeout=30)


def _run(suite: Path, mode: str, pytest_args: list[str]) -> tuple[int, str]:
    options = ("--auto-create",) if mode == "auto-create" else ("--state", str(EXAMPLE_STATE))
    with _fake(*options) as base_url:
        env = {**os.environ, "TEST_API_BASE_URL": base_url, "PYTHONPATH": str(suite)}
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-p",
                "no:telnyx_missions",
                "-p",
                "no:randomly",
                "-p",
                "no:cacheprovider",
                "-q",
                "--tb=short",
                *pytest_args,
                "tests",
            ],
            cwd=suite,
            env=env,
            capture_output=True,
            text=True,
        )
    print(result.stdout[-20000:], end="")
    print(result.stderr[-5000:], end="", file=sys.stderr)
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "no output"
    return result.returncode, summary


if __name__ == "__main__":
    sys.exit(main())
