"""Deeply nested input, answered as FastAPI 0.128 answers it (the test-only oracle judges).

FastAPI echoes an invalid value in its 422 up to about 960 levels deep, crashes (500) a few levels
further, and answers 400 once its ``json.loads`` runs out of stack. The fake answers the same 422
and 400, byte for byte, and a 422 where FastAPI crashes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import httpx
import pytest
from werkzeug.test import Client

from pytest_telnyx_missions import FakeMissions
from pytest_telnyx_missions._pipeline.body import MAX_JSON_DEPTH

from .oracle import Oracle

_T = TypeVar("_T")
FAKE = FakeMissions()  # in-process only (never started)
RUN = FAKE.runs[0]
PATH = f"/v2/ai/missions/{RUN.mission_id}/runs/{RUN.run_id}"
JSON = {"content-type": "application/json"}
DEEPEST_ECHO = 963
"""The deepest body whose 422 FastAPI 0.128 writes (the body's object, then 962 levels inside)."""


def nested(field: str, levels: int, opener: str) -> bytes:
    """``{field: ...}`` nesting ``levels`` levels in all: the body's object and ``levels - 1``
    lists (``opener="["``) or objects (``opener='{"a":'``) inside, around a 1."""
    inner = levels - 1
    closer = "]" if opener == "[" else "}"
    return f'{{"{field}":{opener * inner}1{closer * inner}}}'.encode()


@pytest.fixture
def fake() -> Iterator[Client]:
    FAKE.reset()
    yield Client(FAKE.wsgi_app())
    assert FAKE._unhandled_problems() == ""  # never an internal error


def _on_a_fresh_stack(call: Callable[[], _T]) -> _T:
    """Run ``call`` on a new thread: decoding an answer nested 960 levels deep needs most of
    the default stack, which pytest's own frames would otherwise take."""
    with ThreadPoolExecutor(1) as executor:
        return executor.submit(call).result()


def _fake_answer(client: Client, body: bytes) -> tuple[int, object]:
    response = client.patch(PATH, data=body, headers={**JSON, "authorization": "Bearer k"})
    return response.status_code, _on_a_fresh_stack(lambda: json.loads(response.get_data()))


def _oracle_answer(oracle: Oracle, body: bytes) -> tuple[int, object]:
    return _on_a_fresh_stack(lambda: oracle.send("PATCH", PATH, body, JSON))


@pytest.mark.parametrize("levels", [2, 10, 250, 486, 500, 700, 900, 960, DEEPEST_ECHO])
@pytest.mark.parametrize(
    ("field", "opener"),
    [("status", '{"a":'), ("status", "["), ("result_summary", '{"a":'), ("metadata", "[")],
    ids=["status-objects", "status-lists", "summary-objects", "metadata-lists"],
)
def test_invalid_deep_values_get_fastapis_422_echoing_them(
    fake: Client, oracle: Oracle, field: str, opener: str, levels: int
) -> None:
    body = nested(field, levels, opener)

    answer, expected = _fake_answer(fake, body), _oracle_answer(oracle, body)

    assert (answer[0], expected[0]) == (422, 422)
    # Compared on a fresh stack too (== recurses); the bodies are too deep to show in a diff.
    assert _on_a_fresh_stack(lambda: answer == expected), "the 422 differs from FastAPI's"


@pytest.mark.parametrize("levels", [MAX_JSON_DEPTH + 1, 980, 1000, 1500, 20_000])
def test_bodies_too_deep_to_parse_get_fastapis_400(
    fake: Client, oracle: Oracle, levels: int
) -> None:
    body = nested("status", levels, "[")

    answer = _fake_answer(fake, body)

    assert answer == _oracle_answer(oracle, body)
    assert answer == (400, {"detail": "There was an error parsing the body"})


@pytest.mark.parametrize("levels", range(DEEPEST_ECHO + 1, MAX_JSON_DEPTH + 1))
def test_where_fastapi_crashes_the_fake_still_echoes(
    fake: Client, oracle: Oracle, levels: int
) -> None:
    """A deviation, written down in the README: FastAPI's 500 is its own crash."""
    body = nested("status", levels, "[")

    status, detail = _fake_answer(fake, body)

    assert _oracle_answer(oracle, body)[0] == 500
    assert status == 422
    assert isinstance(detail, dict)
    assert detail["detail"][0]["type"] == "enum"


def test_over_a_socket_the_deepest_echo_works_too(telnyx_missions: FakeMissions) -> None:
    """The server's threads have a deeper stack than an in-process call: no difference."""
    run = telnyx_missions.runs[0]
    url = f"{telnyx_missions.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}"
    headers = {**JSON, "authorization": f"Bearer {telnyx_missions.api_key}"}

    echoed = httpx.patch(url, content=nested("status", DEEPEST_ECHO, "["), headers=headers)
    too_deep = httpx.patch(url, content=nested("status", MAX_JSON_DEPTH + 1, "["), headers=headers)

    assert echoed.status_code == 422
    assert echoed.content.count(b"[") == DEEPEST_ECHO - 1 + 2  # the input's, detail's and loc's
    assert too_deep.status_code == 400
    assert telnyx_missions.get_run(run.run_id).status == run.status
