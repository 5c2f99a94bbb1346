"""The request pipeline's shortcuts answer exactly what the long way answers.

Each shortcut (``docs/explanation/performance.md``, "Where the in-process time goes") is checked
against the code it stands in for: the same bytes, the same values, the same errors.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_telnyx_missions import FakeMissions, RecordedRequest
from pytest_telnyx_missions._api.json_text import DataAnswer, data_answer, dump_json
from pytest_telnyx_missions._api.models import (
    Event,
    Mission,
    MissionRun,
    PlanStep,
    UpdateMissionRequest,
    UpdateMissionRunRequest,
    UpdatePlanStepRequest,
    canonical_id,
)
from pytest_telnyx_missions._api.request import HEADERS, Incoming, headers_of
from pytest_telnyx_missions._journal.recording import recorded_request
from pytest_telnyx_missions._pipeline.body import loads as _loads
from pytest_telnyx_missions._pipeline.operations import Call
from pytest_telnyx_missions._serving.inprocess import _environ
from pytest_telnyx_missions._state.rules import replaced

NOW = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=timezone.utc)
TEXT = st.text(st.characters(codec="utf-8") | st.sampled_from(["\ud800", "\x7f", "\u2028", "\x00"]))
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats()
    | TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=12,
)


def _run(**changes: Any) -> MissionRun:
    fields: dict[str, Any] = {
        "run_id": "3f1c2a9e-0000-4000-8000-000000000001",
        "mission_id": "3f1c2a9e-0000-4000-8000-000000000002",
        "status": "running",
        "started_at": NOW,
        "updated_at": NOW,
    }
    return MissionRun.model_validate({**fields, **changes})


def _long_way(model: Any) -> bytes:
    return dump_json({"data": model.model_dump(mode="json")})


@settings(max_examples=300, deadline=None)
@given(metadata=st.dictionaries(TEXT, JSON_VALUES, max_size=4), summary=TEXT | st.none())
def test_a_data_answer_has_the_bytes_of_the_long_way(metadata: Any, summary: Any) -> None:
    run = _run(metadata=metadata, result_summary=summary, input={"nested": [metadata]})

    answer = data_answer(run)

    assert dump_json(answer) == _long_way(run)
    value = answer.value if isinstance(answer, DataAnswer) else answer
    assert json.dumps(value, allow_nan=True) == json.dumps(
        {"data": run.model_dump(mode="json")}, allow_nan=True
    )


@pytest.mark.parametrize(
    ("metadata", "written_by_pydantic_core"),
    [
        ({"step": 3, "who": "ann", "deep": [{"a": None, "b": True}]}, True),
        ({"big": 2**70}, True),
        ({"ratio": 0.5}, False),  # a float: Python and pydantic-core may write it differently
        ({"ratio": 1e16}, False),
        ({"nested": {"x": [1.0]}}, False),
        ({"lone": "\ud800"}, False),  # pydantic-core refuses it; dump_json escapes it
    ],
)
def test_only_plain_json_without_floats_takes_the_shortcut(
    metadata: dict[str, Any], written_by_pydantic_core: bool
) -> None:
    run = _run(metadata=metadata)

    answer = data_answer(run)

    assert isinstance(answer, DataAnswer) is written_by_pydantic_core
    assert dump_json(answer) == _long_way(run)


def test_every_stored_model_can_take_the_shortcut() -> None:
    models = [
        _run(metadata={"a": 1}),
        Mission(mission_id="m", name="n", created_at=NOW, updated_at=NOW, metadata={"k": "v"}),
        Event(event_id="e", run_id="r", type="custom", summary="s", timestamp=NOW, payload={}),
        PlanStep(step_id="s", run_id="r", sequence=1, description="d", metadata=None),
    ]
    for model in models:
        answer = data_answer(model)
        assert isinstance(answer, DataAnswer), type(model).__name__
        assert dump_json(answer) == _long_way(model)


def _patch(fake: FakeMissions, body: Any, *, run_id: str | None = None) -> httpx.Response:
    run = fake.runs[0]
    with httpx.Client(transport=fake.httpx_transport(), base_url="http://fake.invalid") as client:
        return client.patch(
            f"/v2/ai/missions/{run.mission_id}/runs/{run_id or run.run_id}",
            json=body,
            headers={"authorization": "Bearer k"},
        )


def test_the_journal_reads_an_answer_written_ahead_as_its_json_value() -> None:
    fake = FakeMissions()
    response = _patch(fake, {"status": "paused", "metadata": {"step": 3}})

    entry = fake.requests[-1]

    assert entry.__dict__["response"].__class__ is DataAnswer  # stored as written
    assert type(entry.response) is dict
    assert entry.response == response.json()
    assert entry.response is entry.response  # made once, then kept
    fields = {name: getattr(entry, name) for name in RecordedRequest.__dataclass_fields__}
    assert RecordedRequest(**fields) == entry


def test_recorded_request_is_the_dataclass_with_every_field() -> None:
    values: dict[str, Any] = {
        "method": "PATCH",
        "path": "/v2/ai/missions/m/runs/r",
        "operation": "update_run",
        "path_params": {"mission_id": "m", "run_id": "r"},
        "query": {},
        "headers": {"host": "fake"},
        "body": b"{}",
        "json": {},
        "status_code": 200,
        "response": {"data": {}},
        "time": NOW,
        "internal_error": None,
        "response_headers": {},
        "fault": None,
        "processed_status": None,
        "auto_created": (),
        "duration": 0.5,
        "response_size": 12,
    }
    assert set(values) == set(RecordedRequest.__dataclass_fields__)

    assert recorded_request(dict(values)) == RecordedRequest(**values)
    with pytest.raises(TypeError, match="missing: duration"):
        recorded_request({k: v for k, v in values.items() if k != "duration"})


@pytest.mark.parametrize(
    "changes",
    [
        {"status": "paused", "updated_at": NOW},
        {"metadata": {"a": 1}, "finished_at": None, "result_summary": "done"},
        {},
    ],
)
def test_replaced_is_model_copy_with_an_update(changes: dict[str, Any]) -> None:
    run = _run(input={"q": 1})

    mine, theirs = replaced(run, changes), run.model_copy(update=changes)

    assert mine == theirs
    assert mine.__pydantic_fields_set__ == theirs.__pydantic_fields_set__
    assert mine.model_dump(exclude_unset=True) == theirs.model_dump(exclude_unset=True)
    assert mine is not run
    assert run.status == "running"


JSON_TEXTS = st.one_of(
    JSON_VALUES.map(lambda value: json.dumps(value, allow_nan=True)),
    st.text(max_size=30),
    st.sampled_from(['{"a": 1} ', ' {"a": 1}', '{"a": 1}x', "[1,", '{"a": NaN}', "[]", "{}"]),
)


@settings(max_examples=400, deadline=None)
@given(
    text=JSON_TEXTS,
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32"]),
)
def test_loads_gives_what_json_loads_gives(text: str, encoding: str) -> None:
    try:
        raw = text.encode(encoding, "surrogatepass")
    except UnicodeEncodeError:
        return
    try:
        expected: Any = ("value", json.loads(raw))
    except Exception as exc:  # noqa: BLE001 - the error itself is compared
        expected = ("error", type(exc), str(exc))
    try:
        got: Any = ("value", _loads(raw))
    except Exception as exc:  # noqa: BLE001
        got = ("error", type(exc), str(exc))

    if expected[0] == "value" and got[0] == "value":
        # NaN is not equal to itself: compare what it is written as.
        assert json.dumps(got[1]) == json.dumps(expected[1])
        if text == '{"a": NaN}':
            assert math.isnan(got[1]["a"])
    else:
        assert got == expected


def test_a_routed_path_is_validated_again_unless_its_ids_are_canonical() -> None:
    fake = FakeMissions()
    run = fake.runs[0]
    upper = run.run_id.upper()

    for _ in range(2):  # the second time, the path is known
        assert _patch(fake, {"status": "paused"}, run_id=upper).status_code == 200
        assert _patch(fake, {"status": "running"}).status_code == 200

    entries = fake.requests
    assert [entry.path_params["run_id"] for entry in entries] == [run.run_id] * 4
    assert isinstance(entries[1].path_params, dict)
    entries[1].path_params["run_id"] = "changed"  # each entry has params of its own
    assert entries[3].path_params["run_id"] == run.run_id
    assert fake.run_updates(upper)[-1].run_id == run.run_id


def test_a_known_path_with_a_bad_id_is_still_refused() -> None:
    fake = FakeMissions()
    for _ in range(2):
        response = _patch(fake, {"status": "paused"}, run_id="not-a-uuid")
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["path", "run_id"]


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("3f1c2a9e-0000-4000-8000-000000000001", "3f1c2a9e-0000-4000-8000-000000000001"),
        ("3F1C2A9E-0000-4000-8000-000000000001", "3f1c2a9e-0000-4000-8000-000000000001"),
        (" 3f1c2a9e000040008000000000000001 ", "3f1c2a9e-0000-4000-8000-000000000001"),
        ("run-7", "run-7"),
    ],
)
def test_canonical_id(given: str, canonical: str) -> None:
    assert canonical_id(given) == canonical


def test_headers_are_read_alike_the_first_time_and_after() -> None:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/",
        "HTTP_X_SEEN_ONCE_IN_THIS_TEST": "1",
        "CONTENT_TYPE": "",
        "CONTENT_LENGTH": "0",
        "HTTP_CONTENT_TYPE": "dropped",
        "wsgi.input": None,
    }
    first = Incoming(dict(environ)).headers()
    again = Incoming(dict(environ)).headers()

    assert first == again == {"x-seen-once-in-this-test": "1", "content-length": "0"}
    assert list(first) == list(again)


def test_in_process_headers_repeated_are_joined_every_time() -> None:
    headers = [("x-tag", "a"), ("X-Tag", "b"), ("authorization", "Bearer k")]
    for _ in range(2):  # the second time from the kept conversion
        request = httpx.Request("GET", "http://fake.invalid/v2/ai/missions", headers=headers)
        environ = _environ(request)
        assert environ["HTTP_X_TAG"] == "a,b"
        assert environ["HTTP_AUTHORIZATION"] == "Bearer k"
        assert environ["CONTENT_LENGTH"] == "0"


@settings(max_examples=200, deadline=None)
@given(
    sent=st.fixed_dictionaries(
        {},
        optional={
            "status": st.sampled_from(["pending", "running", "succeeded", "failed", None]),
            "result_summary": TEXT | st.none(),
            "result_payload": st.dictionaries(TEXT, JSON_VALUES, max_size=3) | st.none(),
            "error": TEXT | st.none(),
            "metadata": st.dictionaries(TEXT, JSON_VALUES, max_size=3) | st.none(),
        },
    )
)
def test_changes_as_is_model_dump_of_what_was_set(sent: dict[str, Any]) -> None:
    body = UpdateMissionRunRequest.model_validate(sent)
    call = Call(store=None, path={}, body=body, sent=sent)  # type: ignore[arg-type]

    changes = call.changes_as(UpdateMissionRunRequest)

    long_way = body.model_dump(mode="json", exclude_unset=True)
    assert json.dumps(changes, allow_nan=True) == json.dumps(long_way, allow_nan=True)


@pytest.mark.parametrize(
    ("model", "sent"),
    [
        (UpdateMissionRequest, {"name": "n", "instructions": None, "metadata": {"a": [1, 2.5]}}),
        (UpdatePlanStepRequest, {"status": "completed", "metadata": {"k": "v"}}),
    ],
)
def test_changes_as_for_every_update(model: Any, sent: dict[str, Any]) -> None:
    body = model.model_validate(sent)
    call = Call(store=None, path={}, body=body, sent=sent)  # type: ignore[arg-type]

    assert call.changes_as(model) == body.model_dump(mode="json", exclude_unset=True)


@pytest.mark.parametrize(
    "path", ["/v2/ai/missions", "", "/", "//v2//x", "v2/x", "/caf\xc3\xa9", "/bad\xff", "/a%2Fb"]
)
def test_a_path_is_read_alike_with_or_without_the_ascii_shortcut(path: str) -> None:
    long_way = "/" + path.encode("latin-1").decode(errors="replace").lstrip("/")

    assert Incoming({"PATH_INFO": path}).path == long_way


@pytest.mark.parametrize(
    ("method", "headers", "content"),
    [
        ("PATCH", [("authorization", "Bearer k"), ("content-type", "application/json")], b"{}"),
        ("GET", [("x-tag", "a"), ("X-Tag", "b")], None),
        ("POST", [("content-type", "")], b"raw"),
        ("PUT", [("content-length", "3")], b"abc"),
    ],
)
def test_in_process_headers_are_those_the_environ_lists(
    method: str, headers: list[tuple[str, str]], content: bytes | None
) -> None:
    for _ in range(2):  # the second time from the kept entries
        request = httpx.Request(method, "http://fake.invalid/x", headers=headers, content=content)
        environ = _environ(request)
        without = {key: value for key, value in environ.items() if key != HEADERS}
        listed = Incoming(environ).headers()

        assert listed == headers_of(without)
        assert list(listed) == list(headers_of(without))
        listed["x-changed"] = "by the test"  # a copy: the kept entries stay as they were
        assert "x-changed" not in Incoming(_environ(request)).headers()


def test_in_process_answers_have_their_own_headers() -> None:
    with FakeMissions() as fake, httpx.Client(transport=fake.httpx_transport()) as client:
        url = f"{fake.base_url}/ai/missions"
        auth = {"authorization": f"Bearer {fake.api_key}"}
        first = client.get(url, headers=auth)
        first.headers["x-changed"] = "by the test"
        second = client.get(url, headers=auth)

    assert "x-changed" not in second.headers
    length = str(len(second.content)).encode()
    assert second.headers.raw == [
        (b"Content-Type", b"application/json"),
        (b"Content-Length", length),
    ]
