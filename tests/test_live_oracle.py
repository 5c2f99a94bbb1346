"""The FastAPI reference as a second stand-in, for invalid requests: the engine finds nothing
between its answers and the fake's for every bad-input case of the differential suite, and
exactly the one injected change in a 422 body (its ``loc``, ``msg`` or ``type``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from pytest_telnyx_missions import FakeMissions
from pytest_telnyx_missions.live._compare import Answer, Comparison, Divergence, Sent

from .live_pairs import operation_of
from .oracle import Oracle
from .test_differential_api import CASES, Case, Sender


@pytest.fixture(scope="module")
def oracle() -> Oracle:
    return Oracle()


@pytest.fixture
def sender(oracle: Oracle) -> Iterator[Sender]:
    with FakeMissions() as fake, httpx.Client() as http:
        yield Sender(fake, oracle, http)


def _answers(sender: Sender, case: Case) -> tuple[str, Sent, Answer, Answer]:
    path = sender.prepare(case.path)
    auth = {"authorization": f"Bearer {sender.fake.api_key}"}
    ours = sender.http.request(
        case.method, sender.fake.url + path, content=case.body, headers={**case.headers, **auth}
    )
    theirs = sender.oracle.raw(case.method, path, case.body, case.headers)
    split = urlsplit(path)
    api_path = split.path.removeprefix("/v2")
    sent = Sent(case.method, api_path, dict(parse_qsl(split.query)), _json(case.body or b""))
    return (
        operation_of(case.method, api_path),
        sent,
        Answer(ours.status_code, dict(ours.headers), _json(ours.content)),
        Answer(theirs.status_code, dict(theirs.headers), _json(theirs.content)),
    )


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def test_no_divergence_on_any_bad_input_case(sender: Sender) -> None:
    assert len(CASES) >= 300
    diverging: dict[str, list[Divergence]] = {}
    statuses: set[int] = set()
    for case in CASES:
        operation, sent, fake, real = _answers(sender, case)
        statuses.add(real.status)
        found = Comparison().compare(operation, sent, fake, real)
        if found:
            diverging[case.id] = found
    assert diverging == {}
    assert statuses == {422}  # every case was refused by the reference: none compared as a success


def _first_422(sender: Sender) -> tuple[str, Sent, Answer, Answer]:
    for case in CASES:
        answers = _answers(sender, case)
        if answers[3].status == 422 and len(answers[3].body["detail"]) >= 2:
            return answers
    raise AssertionError("no case with two 422 items")


@pytest.mark.parametrize(
    ("key", "value", "path"),
    [
        ("loc", ["query", "nowhere"], "$.detail[1].loc[1]"),
        ("msg", "Something else", "$.detail[1].msg"),
        ("type", "something_else", "$.detail[1].type"),
    ],
)
def test_an_injected_422_change_is_found_exactly_once(
    sender: Sender, key: str, value: Any, path: str
) -> None:
    operation, sent, fake, real = _first_422(sender)
    item = dict(real.body["detail"][1])
    if key == "loc":
        value = [item["loc"][0], value[1]]
    item[key] = value
    detail = [real.body["detail"][0], item, *real.body["detail"][2:]]
    mutated = Answer(real.status, real.headers, {**real.body, "detail": detail})
    found = Comparison().compare(operation, sent, fake, mutated)
    assert [(d.kind, d.path, d.severity) for d in found] == [("value", path, "breaks")]
