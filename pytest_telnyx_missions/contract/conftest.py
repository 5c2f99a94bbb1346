"""Fixtures of the contract suite: an SDK client, a raw HTTP client, and a fresh mission."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

telnyx = pytest.importorskip(
    "telnyx", reason="the contract suite needs the SDK: pip install telnyx"
)
httpx = pytest.importorskip("httpx")


@pytest.fixture
def client(telnyx_missions: Any) -> Iterator[Any]:
    """The official SDK client as a user's code makes it: from the environment."""
    made = telnyx.Telnyx(max_retries=0)
    yield made
    made.close()


@pytest.fixture
def raw(telnyx_missions: Any) -> Iterator[Callable[..., Any]]:
    """``raw(method, path, json=...)``: a request the SDK would not send (invalid input)."""
    base = os.environ["TELNYX_BASE_URL"]
    auth = {"Authorization": f"Bearer {os.environ['TELNYX_API_KEY']}"}
    with httpx.Client(base_url=base, headers=auth, timeout=60) as http:

        def send(method: str, path: str, **kwargs: Any) -> Any:
            return http.request(method, path, **kwargs)

        yield send


@pytest.fixture
def mission(client: Any) -> Any:
    """A mission made for this scenario (a live run tags, ledgers and deletes it)."""
    return client.ai.missions.create(
        name="contract scenario", description="made by pytest-telnyx-missions' contract suite"
    ).data


@pytest.fixture
def run(client: Any, mission: Any) -> Any:
    """A run of :func:`mission`."""
    return client.ai.missions.runs.create(mission.mission_id, input={"task": "contract"}).data
