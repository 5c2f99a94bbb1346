"""Fault options are checked where they are given, and every accepted one can be served.

Refused: from Python (``Fault``, ``fail_next``, ``add_fault``: ``ValueError`` naming the option)
and from the control API (``POST /_fake/faults``: 400 naming it). Accepted: fired over a real
socket, each edge answers what it says, with no internal error and no broken connection.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pytest_telnyx_missions import FakeMissions, Fault
from pytest_telnyx_missions._pipeline.faults.options import (
    MAX_DELAY_SECONDS,
    MAX_NESTING,
    MAX_RETRY_AFTER_SECONDS,
)

HANG = 60.0
"""Seconds only a hung fake would take: never a bound a loaded machine could break."""


def _nested(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels - 1):
        value = {"a": value}
    return {"a": value} if levels else value


def _self_referencing() -> dict[str, Any]:
    loop: dict[str, Any] = {}
    loop["me"] = loop
    return loop


REFUSED: list[tuple[dict[str, Any], str]] = [
    ({"delay": math.nan}, "delay must be a number from 0 to 300, got nan"),
    ({"delay": math.inf}, "delay must be a number from 0 to 300, got inf"),
    ({"delay": 1e308}, "delay must be a number from 0 to 300, got 1e\\+308"),
    ({"delay": MAX_DELAY_SECONDS + 0.001}, "delay must be a number from 0 to 300"),
    ({"delay": -0.001}, "delay must be a number from 0 to 300"),
    ({"delay": "1"}, "delay must be a number from 0 to 300, got '1'"),
    ({"delay": True}, "delay must be a number from 0 to 300, got True"),
    ({"status": 503, "retry_after": math.inf}, "retry_after must be a number from 0 to 86400"),
    ({"status": 503, "retry_after": -1}, "retry_after must be a number from 0 to 86400, got -1"),
    ({"status": 503, "retry_after_ms": math.nan}, "retry_after_ms must be a number from 0 to"),
    ({"status": 503, "retry_after_ms": 86_400_001}, "retry_after_ms must be a number from 0 to"),
    ({"status": 399}, r"status must be an HTTP error \(400-599\), got 399"),
    ({"status": 600}, r"status must be an HTTP error \(400-599\), got 600"),
    ({"status": 503.0}, r"status must be an HTTP error \(400-599\), got 503.0"),
    ({"status": "503"}, r"status must be an HTTP error \(400-599\), got '503'"),
    ({"status": True}, r"status must be an HTTP error \(400-599\), got True"),
    ({"status": 503, "headers": {"x-a": "1\r\nset-cookie: a=1"}}, "value of 'x-a' must be text"),
    ({"status": 503, "headers": {"x-a": "line\nbreak"}}, "no line breaks"),
    ({"status": 503, "headers": {"x-a": "nul\x00"}}, "control characters"),
    ({"status": 503, "headers": {"x-a": "snow ☃"}}, "latin-1"),
    ({"status": 503, "headers": {"x-a": 1}}, "value of 'x-a' must be text"),
    ({"status": 503, "headers": {"x a": "1"}}, "'x a' is not a header name HTTP can carry"),
    ({"status": 503, "headers": {"x:a": "1"}}, "'x:a' is not a header name"),
    ({"status": 503, "headers": {"": "1"}}, "'' is not a header name"),
    ({"status": 503, "headers": {"é": "1"}}, "'é' is not a header name"),
    ({"status": 503, "headers": {"Content-Length": "0"}}, "'Content-Length' frames the answer"),
    ({"status": 503, "headers": {"transfer-encoding": "chunked"}}, "frames the answer"),
    ({"status": 503, "headers": {"Server": "proxy"}}, "the server always sends 'Server'"),
    ({"status": 503, "headers": {"x-a": " a"}}, "starts or ends with white space"),
    ({"status": 503, "headers": {"x-a": "a\t"}}, "the client would see 'a'"),
    ({"status": 503, "headers": {"X-A": "1", "x-a": "2"}}, "'X-A' and 'x-a' are the same"),
    # Latin-1, but a line break (U+0085) or white space (U+00A0) to clients reading text.
    ({"status": 503, "headers": {"x-a": "next\x85line"}}, "no line breaks"),
    ({"status": 503, "headers": {"x-a": "\xa0a"}}, "starts or ends with white space"),
    ({"status": 503, "headers": {"x-a": "a\xa0"}}, "the client would see 'a'"),
    # A plain JSON body said to be encoded: every client fails to decode it.
    ({"status": 503, "headers": {"Content-Encoding": "gzip"}}, "'Content-Encoding' would tell"),
    ({"status": 503, "headers": {"content-encoding": "br"}}, "every client would fail to"),
    ({"status": 503, "headers": ["x-a"]}, "headers must map header names to values"),
    (
        {"status": 503, "retry_after": 1, "headers": {"Retry-After": "2"}},
        "headers= sets retry-after and so does retry_after=",
    ),
    ({"status": 503, "body": {1, 2}}, "body must be JSON"),
    ({"status": 503, "body": object()}, "body must be JSON"),
    ({"status": 503, "body": 10**5000}, "body must be JSON"),
    ({"status": 503, "body": _nested(MAX_NESTING + 1)}, "body nests lists and objects more than"),
    ({"status": 503, "body": _self_referencing()}, "or refers to itself"),
    ({"status": 422, "detail": [{"a": _nested(MAX_NESTING)}]}, "detail nests"),
    ({"status": 422, "detail": [1, 2]}, "detail must be a text or a list of error objects"),
    ({"status": 422, "detail": [{"input": b"bytes"}]}, "detail must be JSON"),
    ({"body": {}}, "body= and detail= describe an error answer: pass status="),
    ({"detail": "down"}, "body= and detail= describe an error answer: pass status="),
    ({"status": 422, "field": "status", "detail": []}, "detail= .* or field= .*, not both"),
    ({"status": 422, "field": "status", "body": {}}, "body= replaces the whole answer"),
    ({"status": 422, "field": 1}, "field must be the name of a body field"),
    ({"drop": True, "headers": {"x-a": "1"}}, "headers cannot be sent"),
    ({"malformed": "garbage", "retry_after": 1}, "retry_after cannot be sent"),
    ({"drop": "yes"}, "drop must be True or False, got 'yes'"),
    ({"status": 503, "applied": 1}, "applied must be True or False, got 1"),
]


@pytest.mark.parametrize(("options", "message"), REFUSED)
def test_fault_refuses_what_it_could_not_serve(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Fault(**options)


@pytest.mark.parametrize(("options", "message"), REFUSED[:6])
def test_fail_next_refuses_it_too_and_adds_no_rule(
    telnyx_missions: FakeMissions, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        telnyx_missions.fail_next("update_run", **options)
    assert telnyx_missions.faults == []


@pytest.mark.parametrize("times", [0, -1, 1.5, True, "2"])
def test_times_is_a_positive_whole_number_or_none(
    telnyx_missions: FakeMissions, times: Any
) -> None:
    with pytest.raises(ValueError, match="times must be >= 1"):
        telnyx_missions.add_fault("update_run", Fault(status=503), times=times)
    assert telnyx_missions.faults == []


def test_a_dict_changed_after_the_check_cannot_slip_through() -> None:
    headers = {"x-a": "1"}
    body: dict[str, Any] = {"errors": []}
    fault = Fault(status=503, headers=headers, body=body)

    headers["x-a"] = "1\r\nx-b: 2"
    body["errors"] = {1, 2}

    assert fault.headers == {"x-a": "1"}
    assert fault.body == {"errors": []}


# -- the control API ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def controlled() -> Iterator[FakeMissions]:
    with FakeMissions(control_api=True) as fake:
        yield fake


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ('{"delay": NaN}', "faults.0: delay must be a number from 0 to 300, got nan"),
        ('{"delay": 1e308}', "faults.0: delay must be a number from 0 to 300, got 1e+308"),
        ('{"delay": 1e400}', "faults.0: delay must be a number from 0 to 300, got inf"),
        ('{"status": 503, "retry_after": Infinity}', "faults.0: retry_after must be a number"),
        ('{"status": 503, "headers": {"x-a": "1\\r\\nx-b: 2"}}', "the value of 'x-a' must be"),
        ('{"status": 503, "headers": {"x-a": "\\u2603"}}', "(latin-1, no line breaks"),
        ('{"status": 503, "headers": {"bad name": "1"}}', "'bad name' is not a header name"),
        ('{"status": 700}', r"faults.0: status must be an HTTP error (400-599), got 700"),
        ('{"status": true}', "faults.0.status: Input should be a valid integer (got True)"),
        ('{"status": 503.0}', "faults.0.status: Input should be a valid integer (got 503.0)"),
        ('{"drop": "yes"}', "faults.0.drop: Input should be a valid boolean (got 'yes')"),
    ],
)
def test_control_api_refuses_with_a_400_naming_the_option(
    controlled: FakeMissions, fault: str, message: str
) -> None:
    controlled.reset()
    body = '{"operation": "update_run", "faults": [' + fault + "]}"

    answer = httpx.post(f"{controlled.url}/_fake/faults", content=body)

    assert answer.status_code == 400, answer.text
    assert message in answer.json()["error"]
    assert controlled.faults == []


def test_control_api_refuses_a_count_given_as_true(controlled: FakeMissions) -> None:
    controlled.reset()
    body = {"operation": "update_run", "times": True, "faults": [{"status": 503}]}

    answer = httpx.post(f"{controlled.url}/_fake/faults", json=body)

    assert answer.status_code == 400
    assert "times: Input should be a valid integer (got True)" in answer.json()["error"]


# -- every accepted edge, fired ----------------------------------------------------------------


class Served:
    """Sends the seeded first run's PATCH, as a client on the wire."""

    def __init__(self, fake: FakeMissions) -> None:
        self.fake = fake
        run = fake.runs[0]
        self.url = f"{fake.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}"

    def patch(self, **kwargs: Any) -> httpx.Response:
        headers = {"authorization": f"Bearer {self.fake.api_key}"}
        return httpx.patch(
            self.url, json={"status": "paused"}, headers=headers, timeout=HANG, **kwargs
        )

    def assert_served_cleanly(self) -> None:
        """The fake did not crash, and still answers the next request normally."""
        problems = [entry.internal_error for entry in self.fake.requests if entry.internal_error]
        assert problems == []
        assert self.fake._unhandled_problems() == ""
        self.fake.reset()
        assert self.patch().status_code == 200


def _sent_headers(answer: httpx.Response, fault: Fault) -> dict[str, bytes]:
    """The fault's headers as they came over the wire: bytes, since a client decoding them
    guesses (httpx reads b"\\xc3\\xa9" as UTF-8 when every header is valid UTF-8)."""
    wanted = fault.response_headers()
    return {
        name.decode().lower(): value
        for name, value in answer.headers.raw
        if name.decode().lower() in wanted
    }


def _expected_headers(fault: Fault) -> dict[str, bytes]:
    return {name: value.encode("latin-1") for name, value in fault.response_headers().items()}


@pytest.fixture
def served(telnyx_missions: FakeMissions) -> Served:
    return Served(telnyx_missions)


LATIN_1_VISIBLE = "<" + "".join(map(chr, range(0xA0, 0x100))) + ">"
"""Every latin-1 letter (U+00A0 inside: at either end it would be white space to strip)."""

ANSWERED: list[Fault] = [
    Fault(status=400),
    Fault(status=418),  # no Telnyx code, a reason phrase
    Fault(status=499),  # no reason phrase at all
    Fault(status=599),
    Fault(status=422),
    Fault(status=422, detail=[]),
    Fault(status=422, detail=[{"loc": ["body"], "input": math.nan, "msg": "\ud800"}]),
    Fault(status=422, detail=[{"x": _nested(MAX_NESTING - 2)}]),  # 100 levels
    Fault(status=503, detail=""),
    Fault(status=503, detail="\ud800 lone surrogate, ☃ and \x00"),
    Fault(status=503, body=_nested(MAX_NESTING)),
    Fault(status=503, body=False),
    Fault(status=503, body=[]),
    Fault(status=503, body=math.inf),
    Fault(status=503, body=10**4000),
    Fault(status=503, body={"text": "\ud800"}),
    Fault(status=503, headers={}),
    Fault(status=503, headers={"!#$%&'*+-.^_`|~09azAZ": ""}),
    Fault(status=503, headers={"x-latin-1": LATIN_1_VISIBLE, "x-inner-space": "a\t  b"}),
    Fault(status=503, headers={"x-reads-as-utf-8": "\u00c3\u00a9"}),  # bytes C3 A9
    Fault(status=503, headers={"Content-Type": "text/plain"}),
    Fault(status=503, headers={"Content-Encoding": "identity"}),
    Fault(status=503, headers={"x-should-retry": "false", "Location": "/elsewhere"}),
    Fault(status=503, retry_after=0, retry_after_ms=0),
    Fault(status=503, retry_after=MAX_RETRY_AFTER_SECONDS, retry_after_ms=1e-9),
    Fault(
        status=503,
        retry_after=Fraction(1, 3),  # type: ignore[arg-type]
        retry_after_ms=MAX_RETRY_AFTER_SECONDS * 1000,
    ),
    Fault(status=503, delay=1e-9),
    Fault(status=503, delay=Fraction(1, 1000), applied=True),  # type: ignore[arg-type]
    Fault(delay=0.001),
    Fault(status=599, malformed="truncated", headers={"x-latin-1": LATIN_1_VISIBLE}),
    Fault(malformed="truncated"),
    Fault(malformed="truncated", applied=True),
]


@pytest.mark.parametrize("fault", ANSWERED, ids=repr)
def test_every_accepted_answer_is_served(served: Served, fault: Fault) -> None:
    served.fake.add_fault("update_run", fault)

    answer = served.patch()

    [entry] = served.fake.requests
    assert answer.status_code == (fault.status or 200)
    assert answer.status_code == entry.status_code
    assert _sent_headers(answer, fault) == _expected_headers(fault)
    if fault.malformed == "truncated":
        with pytest.raises(json.JSONDecodeError):
            answer.json()
    elif fault.status:
        answer.json()  # an error body, valid JSON even for NaN or a lone surrogate
    served.assert_served_cleanly()


@pytest.mark.parametrize(
    "fault",
    [
        Fault(drop=True),
        Fault(drop=True, applied=True, delay=0.001),
        Fault(malformed="garbage"),
        Fault(malformed="garbage", applied=True),
    ],
    ids=repr,
)
def test_every_accepted_broken_answer_breaks_only_its_connection(
    served: Served, fault: Fault
) -> None:
    served.fake.add_fault("update_run", fault)

    with pytest.raises(httpx.RemoteProtocolError):
        served.patch()

    [entry] = served.fake.requests
    assert entry.status_code == 0
    served.assert_served_cleanly()


def test_the_longest_delay_is_served_and_ends_with_the_test(served: Served) -> None:
    served.fake.fail_next("update_run", delay=MAX_DELAY_SECONDS, status=503)
    answers: list[int] = []
    client = threading.Thread(target=lambda: answers.append(served.patch().status_code))
    client.start()
    deadline = time.monotonic() + HANG
    while not served.fake.requests and time.monotonic() < deadline:
        time.sleep(0.005)

    served.fake.reset()  # what the fixture does before the next test

    client.join(HANG)
    assert answers == [503]


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 599, "headers": {"x-latin-1": "\u00e9\u00ff", "x-tab": "a\tb"}},
        {"status": 503, "retry_after": 0, "retry_after_ms": 86_400_000, "delay": 0},
        {"status": 422, "detail": [{"input": None}]},
        {"status": 503, "body": {"deep": [[[[[]]]]]}},
        {"malformed": "truncated", "applied": True},
    ],
)
def test_every_accepted_rule_from_the_control_api_is_served(
    controlled: FakeMissions, fault: dict[str, Any]
) -> None:
    controlled.reset()
    added = httpx.post(
        f"{controlled.url}/_fake/faults", json={"operation": "update_run", "faults": [fault]}
    )
    assert added.status_code == 201, added.text

    Served(controlled).patch()

    [entry] = controlled.requests
    assert entry.status_code == fault.get("status", 200)
    Served(controlled).assert_served_cleanly()


# -- anything hypothesis finds: refused naming an option, or served -----------------------------

_TEXT = st.text(st.characters(codec="utf-8"), max_size=8)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=8,
)
_SECONDS = st.one_of(
    st.floats(0, 0.002),
    st.sampled_from([0, 1, 1e-9, 300.0, 86_400.0, 86_400_000.0]),
    st.floats(allow_nan=True, allow_infinity=True),
)
_HEADER_NAMES = st.one_of(
    st.text(st.sampled_from("abcXYZ-_!~019"), min_size=1, max_size=6),
    st.sampled_from(["Content-Type", "Retry-After", "Server", "Connection", "x a", "é", ""]),
)
_HEADER_VALUES = st.one_of(
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0xFF), max_size=6),
    st.text(st.characters(max_codepoint=0x3000), max_size=6),
)
# What an HTTP answer can say, then how it can break: mostly servable, with hostile values mixed in.
_ANSWER = {
    "detail": st.one_of(_TEXT, st.lists(st.dictionaries(_TEXT, _JSON, max_size=3), max_size=2)),
    "body": _JSON,
    "headers": st.dictionaries(_HEADER_NAMES, _HEADER_VALUES, max_size=3),
    "retry_after": _SECONDS,
    "retry_after_ms": _SECONDS,
    "delay": _SECONDS,
    "malformed": st.sampled_from(["truncated", "garbage"]),
    "applied": st.booleans(),
}
_OPTIONS = st.one_of(
    st.fixed_dictionaries({"status": st.integers(395, 605)}, optional=_ANSWER),
    st.fixed_dictionaries(
        {"drop": st.just(True)},
        optional={"applied": st.booleans(), "delay": _SECONDS, "headers": _ANSWER["headers"]},
    ),
    st.fixed_dictionaries({"delay": _SECONDS}, optional={"headers": _ANSWER["headers"]}),
)


@settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(options=_OPTIONS)
def test_anything_is_refused_naming_an_option_or_served(
    controlled: FakeMissions, options: dict[str, Any]
) -> None:
    refusal = ""
    try:
        fault = Fault(**options)
    except ValueError as refused:
        refusal = str(refused)
    if refusal:
        event("refused")
        assert any(name in refusal for name in options), (options, refusal)
        return
    if fault.delay > 0.01:
        event("accepted, too slow to fire 200 times")
        return
    event("accepted and fired")
    controlled.reset()
    controlled.add_fault("update_run", fault)
    served = Served(controlled)

    try:
        answer: httpx.Response | None = served.patch()
    except httpx.RemoteProtocolError:
        answer = None

    [entry] = controlled.requests
    assert (answer is None) == (not fault.sends_http)
    if answer is not None:
        assert answer.status_code == entry.status_code
        assert _sent_headers(answer, fault) == _expected_headers(fault)
    served.assert_served_cleanly()
