from __future__ import annotations

# httpx imports httpcore on its first request and caches its exception classes. Imported here, it
# is in the snapshot that pytester's in-process runs restore, so a first request made inside an
# inner run cannot leave httpx mapping exceptions of a discarded copy of httpcore.
from collections.abc import Iterator

import httpcore  # noqa: F401
import pytest

# The SDK imports its resources on first use (most of a second); imported once here, pytester's
# in-process runs find them in the snapshot instead of importing them again for every run.
import telnyx.resources.ai  # noqa: F401

from .live_standin import CANARY_KEY, StandIn
from .oracle import Oracle


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytester with pytest-randomly (a test dependency) off in its inner runs, whose expected
    output is written in file order; the test of the factory's seeding turns it back on."""
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:randomly")  # after pytester cleared it
    return pytester


@pytest.fixture(scope="session")
def oracle() -> Oracle:
    return Oracle()


@pytest.fixture
def live_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """The canary key as the live key, in the environment the test's inner live runs read."""
    monkeypatch.setenv("TELNYX_MISSIONS_LIVE_API_KEY", CANARY_KEY)
    return CANARY_KEY


@pytest.fixture
def upstream() -> Iterator[StandIn]:
    """A loopback stand-in of the real API, already holding two missions of someone else's."""
    with StandIn() as stand_in:
        yield stand_in
