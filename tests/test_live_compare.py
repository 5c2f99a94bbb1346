"""The comparison engine on hand-made answers: every kind, the masking rules, the cut."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_telnyx_missions.live._compare import (
    KINDS,
    SDK_HEADERS,
    Answer,
    Comparison,
    Divergence,
    Sent,
)

JSON = {"content-type": "application/json"}
MISSION = "5a1b7e2c-0000-4000-8000-000000000001"
LIST = Sent("GET", "/ai/missions", {}, None)


def ok(body: Any, status: int = 200, **headers: str) -> Answer:
    return Answer(status, {**JSON, **{k.replace("_", "-"): v for k, v in headers.items()}}, body)


def run(run_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "mission_id": MISSION,
        "status": "pending",
        "started_at": "2026-01-01T00:00:00Z",
        **fields,
    }


CREATE_RUN = Sent("POST", f"/ai/missions/{MISSION}/runs", {}, {"input": {}})


def get_run(run_id: str) -> Sent:
    return Sent("GET", f"/ai/missions/{MISSION}/runs/{run_id}", {}, None)


def one(divergences: list[Divergence]) -> Divergence:
    assert len(divergences) == 1, divergences
    return divergences[0]


def test_identical_answers_give_nothing() -> None:
    body = {"data": run("r-1", metadata={"a": [1, 2.5, None, True]})}
    assert Comparison().compare("get_run", get_run("r-1"), ok(body), ok(body)) == []


def test_minted_ids_become_the_same_placeholder_across_exchanges() -> None:
    comparison = Comparison()
    fake_created, real_created = ok({"data": run("fake-1")}), ok({"data": run("real-1")})
    assert comparison.compare("create_run", CREATE_RUN, fake_created, real_created) == []
    # the client now names the real id; each side echoes the id it minted
    sent = get_run("real-1")
    assert comparison.compare("get_run", sent, ok({"data": run("fake-1")}), real_created) == []


def test_an_id_not_echoed_is_an_id_divergence() -> None:
    comparison = Comparison()
    comparison.compare("create_run", CREATE_RUN, ok({"data": run("f1")}), ok({"data": run("r1")}))
    found = one(
        comparison.compare(
            "get_run", get_run("r1"), ok({"data": run("f1")}), ok({"data": run("r2")})
        )
    )
    assert (found.kind, found.path, found.severity) == ("id", "$.data.run_id", "breaks")
    assert (found.fake, found.real) == ("<run_id:1>", "<run_id:2>")


def test_ids_the_client_sent_are_compared_literally() -> None:
    found = one(
        Comparison().compare(
            "create_run",
            CREATE_RUN,
            ok({"data": run("r1")}),
            ok({"data": run("r1", mission_id="another")}),
        )
    )
    assert (found.kind, found.path) == ("id", "$.data.mission_id")
    assert (found.fake, found.real) == (MISSION, "<mission_id:1>")


def test_ids_to_pin_are_the_new_ids_of_the_real_answer_not_sent() -> None:
    comparison = Comparison()
    real = ok({"data": run("r1", metadata={"x": 1})})
    assert comparison.ids_to_pin(CREATE_RUN, real) == ["r1"]
    comparison.compare("create_run", CREATE_RUN, ok({"data": run("f1")}), real)
    assert comparison.ids_to_pin(get_run("r1"), real) == []


@pytest.mark.parametrize(
    ("fake", "real", "kind"),
    [
        ("2026-01-01T00:00:00Z", "2026-05-06T07:08:09.123456Z", None),  # a fixed clock
        ("2026-01-01T00:00:00.5Z", "2026-01-01T00:00:00.123456Z", "time_format"),
        ("2026-01-01T00:00:00.100000Z", "2026-02-01T00:00:00.123456Z", None),
        ("2026-01-01T00:00:00Z", "2026-01-01T00:00:00+00:00", "time_format"),
        ("2026-01-01T00:00:00Z", "2026-01-01 00:00:00Z", "time_format"),
        ("2026-01-01T00:00:00Z", "2026-01-01T00:00Z", "time_format"),
        ("2026-01-01T00:00:00Z", "2026-01-01T00:00:00", "time_format"),
        ("2026-01-01T00:00:00Z", "yesterday", "value"),
    ],
)
def test_timestamps_compare_by_format(fake: str, real: str, kind: str | None) -> None:
    found = Comparison().compare(
        "get_run",
        get_run("r1"),
        ok({"data": run("r1", started_at=fake)}),
        ok({"data": run("r1", started_at=real)}),
    )
    assert [(d.kind, d.path) for d in found] == (
        [] if kind is None else [(kind, "$.data.started_at")]
    )
    assert all(d.severity == ("note" if kind == "time_format" else "breaks") for d in found)


def test_a_timestamp_the_client_sent_is_compared_by_value() -> None:
    sent = Sent(
        "PATCH",
        f"/ai/missions/{MISSION}/runs/r1",
        {},
        {"metadata": {"due": "2026-01-01T00:00:00Z"}},
    )
    found = one(
        Comparison().compare(
            "update_run",
            sent,
            ok({"data": run("r1", metadata={"due": "2026-01-01T00:00:00Z"})}),
            ok({"data": run("r1", metadata={"due": "2026-01-02T00:00:00Z"})}),
        )
    )
    assert (found.kind, found.path) == ("value", "$.data.metadata.due")


def test_only_the_headers_the_sdk_acts_on_are_compared() -> None:
    assert SDK_HEADERS == ("content-type", "retry-after", "retry-after-ms", "x-should-retry")
    fake = Answer(200, {"Content-Type": "application/json", "Date": "x", "X-Request-Id": "1"}, None)
    real = Answer(200, {"content-type": "application/json", "server": "y"}, None)
    assert Comparison().compare("delete_run", get_run("r1"), fake, real) == []


@pytest.mark.parametrize(
    ("fake", "real", "kind", "severity"),
    [
        ({"retry-after": "1"}, {}, "header_only_in_fake", "breaks"),
        ({}, {"retry-after-ms": "250"}, "header_only_in_real", "poorer"),
        ({"x-should-retry": "true"}, {"x-should-retry": "false"}, "header", "breaks"),
        ({"retry-after": "1"}, {"retry-after": "30"}, None, None),
        (
            {"retry-after": "1"},
            {"retry-after": "Wed, 21 Oct 2026 07:28:00 GMT"},
            "header_format",
            "note",
        ),
        ({"content-type": "text/html"}, {}, "header", "breaks"),
        ({"content-type": "application/json; charset=utf-8"}, {}, "header_format", "note"),
    ],
)
def test_sdk_headers(
    fake: dict[str, str], real: dict[str, str], kind: str | None, severity: str | None
) -> None:
    found = Comparison().compare(
        "get_run",
        get_run("r1"),
        Answer(503, {**JSON, **fake}, None),
        Answer(503, {**JSON, **real}, None),
    )
    name = next(iter(fake or real))
    expected = [] if kind is None else [(kind, f"headers.{name}", severity)]
    assert [(d.kind, d.path, d.severity) for d in found] == expected


def test_a_status_divergence_alone_the_bodies_not_compared() -> None:
    fake = ok({"data": run("r1")})
    real = ok({"errors": [{"code": "10005", "title": "Not found"}]}, status=404)
    found = one(Comparison().compare("get_run", get_run("r1"), fake, real))
    assert (found.kind, found.path, found.fake, found.real) == ("status", "status", 200, 404)
    assert found.severity == "breaks"


def test_an_error_envelope_of_another_shape_is_one_divergence() -> None:
    fake = ok({"errors": [{"code": "10005", "title": "Not found", "detail": "x"}]}, status=404)
    real = ok({"detail": "Not Found"}, status=404)
    found = one(Comparison().compare("get_run", get_run("r1"), fake, real))
    assert (found.kind, found.path, found.fake, found.real) == (
        "error_shape",
        "$",
        ["errors"],
        ["detail"],
    )


def test_422_items_compare_key_by_key() -> None:
    def detail(loc: list[Any], msg: str) -> Answer:
        return ok({"detail": [{"type": "missing", "loc": loc, "msg": msg, "input": {}}]}, 422)

    sent = Sent("POST", "/ai/missions", {}, {})
    base = detail(["body", "name"], "Field required")
    assert Comparison().compare("create_mission", sent, base, base) == []
    moved = one(
        Comparison().compare(
            "create_mission", sent, base, detail(["body", "title"], "Field required")
        )
    )
    assert (moved.kind, moved.path, moved.fake, moved.real) == (
        "value",
        "$.detail[0].loc[1]",
        "name",
        "title",
    )
    said = one(
        Comparison().compare("create_mission", sent, base, detail(["body", "name"], "Missing"))
    )
    assert (said.kind, said.path) == ("value", "$.detail[0].msg")


@pytest.mark.parametrize(
    ("real_data", "kind", "path", "severity"),
    [
        ({"status": "pending"}, "key_only_in_fake", "$.data.extra", "breaks"),
        ({"status": "pending", "extra": 1, "more": 2}, "key_only_in_real", "$.data.more", "poorer"),
        ({"status": None, "extra": 1}, "type", "$.data.status", "breaks"),
        ({"status": "running", "extra": 1}, "value", "$.data.status", "breaks"),
        ({"status": "pending", "extra": 1.0}, None, None, None),
        ({"status": "pending", "extra": True}, "type", "$.data.extra", "breaks"),
    ],
)
def test_keys_types_and_values(
    real_data: dict[str, Any], kind: str | None, path: str | None, severity: str | None
) -> None:
    fake = ok({"data": {"status": "pending", "extra": 1}})
    found = Comparison().compare("get_run", get_run("r1"), fake, ok({"data": real_data}))
    expected = [] if kind is None else [(kind, path, severity)]
    assert [(d.kind, d.path, d.severity) for d in found] == expected


def test_a_key_only_one_side_has_shows_its_value_and_none() -> None:
    found = one(Comparison().compare("get_run", get_run("r1"), ok({"a": {"b": 1}}), ok({})))
    assert (found.fake, found.real) == ({"b": 1}, None)


def test_keys_that_are_not_identifiers_are_quoted_in_the_path() -> None:
    found = one(
        Comparison().compare("get_run", get_run("r1"), ok({"page[size]": 1}), ok({"page[size]": 2}))
    )
    assert found.path == '$["page[size]"]'


def _created(comparison: Comparison, pairs: list[tuple[str, str]]) -> None:
    for fake_id, real_id in pairs:
        comparison.compare(
            "create_run", CREATE_RUN, ok({"data": run(fake_id)}), ok({"data": run(real_id)})
        )


def test_the_same_items_in_another_order() -> None:
    comparison = Comparison()
    _created(comparison, [("f1", "r1"), ("f2", "r2"), ("f3", "r3")])
    fake = ok({"data": [run("f1"), run("f2"), run("f3", status="running")]})
    real = ok({"data": [run("r3", status="running"), run("r1"), run("r2")]})
    found = one(comparison.compare("list_runs", LIST, fake, real))
    assert (found.kind, found.path, found.severity) == ("order", "$.data", "breaks")
    assert found.fake == ["run_id=<run_id:1>,mission_id=" + MISSION] + [
        f"run_id=<run_id:{n}>,mission_id={MISSION}" for n in (2, 3)
    ]


def test_items_in_another_order_still_compare_by_identity() -> None:
    comparison = Comparison()
    _created(comparison, [("f1", "r1"), ("f2", "r2")])
    fake = ok({"data": [run("f1"), run("f2")]})
    real = ok({"data": [run("r2", status="failed"), run("r1")]})
    found = comparison.compare("list_runs", LIST, fake, real)
    assert [(d.kind, d.path) for d in found] == [("order", "$.data"), ("value", "$.data[1].status")]


def test_scalars_in_another_order() -> None:
    found = one(
        Comparison().compare("get_run", get_run("r1"), ok({"a": [1, 2]}), ok({"a": [2, 1]}))
    )
    assert (found.kind, found.fake, found.real) == ("order", ["1", "2"], ["2", "1"])


def test_another_length_is_one_divergence() -> None:
    comparison = Comparison()
    _created(comparison, [("f1", "r1"), ("f2", "r2")])
    fake = ok({"data": [run("f1"), run("f2")]})
    real = ok({"data": [run("r1")]})
    found = one(comparison.compare("list_runs", LIST, fake, real))
    assert (found.kind, found.path, found.fake, found.real) == ("length", "$.data", 2, 1)


def _page(items: list[dict[str, Any]], total: int) -> Answer:
    meta = {"total_pages": 1, "total_results": total, "page_number": 1, "page_size": 20}
    return ok({"data": items, "meta": meta})


def test_org_wide_lists_are_cut_to_own_resources() -> None:
    own = {"m-real"}
    comparison = Comparison(own_ids=lambda: own)
    mine = {"mission_id": "m-real", "name": "ptm-a"}
    theirs = {"mission_id": "m-other", "name": "someone else's"}
    fake = _page([{"mission_id": "m-real", "name": "ptm-a"}], 1)
    real = _page([theirs, mine, theirs], 3)
    assert comparison.compare("list_missions", LIST, fake, real) == []
    # not org-wide: not cut
    found = comparison.compare("list_runs", LIST, fake, real)
    assert [d.kind for d in found] == ["length", "value"]  # and its total_results
    # without own ids nothing is cut
    found = Comparison().compare("list_missions", LIST, fake, real)
    assert [d.kind for d in found] == ["length", "value"]


def test_a_cut_list_still_compares_its_totals_by_type() -> None:
    comparison = Comparison(own_ids=lambda: {"m"})
    items = [{"mission_id": "m"}]
    real = ok({"data": items, "meta": {"total_results": "3"}})
    found = one(
        comparison.compare(
            "list_missions", LIST, ok({"data": items, "meta": {"total_results": 1}}), real
        )
    )
    assert (found.kind, found.path) == ("value", "$.meta.total_results")


def test_to_json_has_every_field() -> None:
    found = Divergence("value", "get_run", "$.data.status", "pending", "running", "breaks")
    assert found.to_json() == {
        "operation": "get_run",
        "kind": "value",
        "path": "$.data.status",
        "severity": "breaks",
        "fake": "pending",
        "real": "running",
    }


def test_every_kind_has_a_severity_and_a_meaning() -> None:
    assert {severity for severity, _ in KINDS.values()} == {"breaks", "poorer", "note"}
    assert all(meaning for _, meaning in KINDS.values())


def test_the_org_wide_operations_are_the_route_tables_lists_under_no_id() -> None:
    from pytest_telnyx_missions._pipeline.routes import OPERATIONS
    from pytest_telnyx_missions.live._compare import ORG_WIDE_OPERATIONS

    lists = {o.name for o in OPERATIONS if o.method == "GET" and "{" not in o.path}
    assert lists == ORG_WIDE_OPERATIONS


def _nested(depth: int, leaf: Any) -> Any:
    value = leaf
    for _ in range(depth):
        value = {"a": [value]}
    return value


def test_a_body_nested_deeper_than_the_stack_is_compared_whole() -> None:
    deep = 300  # 600 containers: json.loads parses it; a walk level by level would not end
    sent = Sent("PATCH", "/ai/missions/m/runs/r", {}, {"metadata": _nested(deep, "x")})
    same = ok({"data": {"metadata": _nested(deep, "x")}})
    assert Comparison().compare("update_run", sent, same, same) == []
    other = ok({"data": {"metadata": _nested(deep, "y")}})
    found = one(Comparison().compare("update_run", sent, same, other))
    assert (found.kind, found.severity) == ("value", "breaks")
    assert found.path.startswith("$.data.metadata.a[0]")
