"""FakeMissions as an object: semantics of PATCH run, ids, routing, journal, concurrency."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from pytest_telnyx_missions import FakeMissions, MissionRun


@pytest.fixture
def fake() -> Iterator[FakeMissions]:
    with FakeMissions() as started:
        yield started


@pytest.fixture(params=["socket", "in-process"])
def client(fake: FakeMissions, request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    """A client of the fake over its socket, or through its in-process transport."""
    headers = {"authorization": f"Bearer {fake.api_key}"}
    transport = fake.httpx_transport() if request.param == "in-process" else None
    with httpx.Client(base_url=fake.base_url, headers=headers, transport=transport) as http:
        yield http


def run_path(run: MissionRun) -> str:
    return f"/ai/missions/{run.mission_id}/runs/{run.run_id}"


def patch(client: httpx.Client, run: MissionRun, body: dict[str, Any]) -> dict[str, Any]:
    response = client.patch(run_path(run), json=body)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def test_two_fakes_are_independent() -> None:
    with FakeMissions(seed=1) as one, FakeMissions(seed=1) as two:
        assert one.url != two.url
        assert one.runs == two.runs
        one.add_run()
        assert len(one.runs) == len(two.runs) + 1


def test_seeding_is_deterministic_and_realistic() -> None:
    default, again, other = FakeMissions(), FakeMissions(), FakeMissions(seed=99, runs=7)
    assert default.runs == again.runs
    assert default.runs != other.runs[:3]
    assert len(default.runs) == 3
    assert len(other.runs) == 7
    assert {r.status for r in other.runs} >= {"running", "pending", "succeeded", "failed", "paused"}
    for run in other.runs:
        assert run.input
        assert run.input["task"]
        assert run.started_at.tzinfo is not None
        assert run.started_at < datetime.now(run.started_at.tzinfo)
        assert (run.finished_at is not None) == (run.status in {"succeeded", "failed", "cancelled"})
    assert {r.mission_id for r in other.runs} <= {m.mission_id for m in other.missions}


def test_partial_update_changes_only_sent_fields(fake: FakeMissions, client: httpx.Client) -> None:
    run = fake.runs[0]
    data = patch(client, run, {"result_summary": "half way"})
    assert data["status"] == run.status
    assert data["metadata"] == run.metadata
    assert data["result_summary"] == "half way"
    assert data["updated_at"] > run.updated_at.isoformat()


def test_null_clears_field_but_not_status(fake: FakeMissions, client: httpx.Client) -> None:
    run = fake.runs[0]
    patch(client, run, {"metadata": {"a": 1}, "error": "x"})
    data = patch(client, run, {"status": None, "metadata": None, "error": None})
    assert (data["status"], data["metadata"], data["error"]) == (run.status, None, None)


def test_metadata_is_replaced_not_merged(fake: FakeMissions, client: httpx.Client) -> None:
    run = fake.runs[0]
    patch(client, run, {"metadata": {"a": 1}})
    assert patch(client, run, {"metadata": {"b": 2}})["metadata"] == {"b": 2}


def test_finished_at_follows_terminal_status(fake: FakeMissions, client: httpx.Client) -> None:
    run = fake.runs[0]
    assert run.finished_at is None
    done = patch(client, run, {"status": "failed"})
    assert done["finished_at"] == done["updated_at"]
    again = patch(client, run, {"result_summary": "post mortem"})
    assert again["finished_at"] == done["finished_at"]
    assert patch(client, run, {"status": "running"})["finished_at"] is None


def test_updated_at_moves_on_every_update(fake: FakeMissions, client: httpx.Client) -> None:
    run = fake.runs[0]
    stamps = [patch(client, run, {})["updated_at"] for _ in range(5)]
    assert stamps == sorted(set(stamps))
    assert all(stamp.endswith("Z") for stamp in stamps)


@pytest.mark.parametrize(
    "spell",
    [str.upper, lambda s: s.replace("-", ""), lambda s: f"urn:uuid:{s}", lambda s: f"{{{s}}}"],
    ids=["upper", "no-hyphens", "urn", "braces"],
)
def test_uuid_spellings_are_canonicalised(
    fake: FakeMissions, client: httpx.Client, spell: Any
) -> None:
    run = fake.runs[0]
    response = client.patch(
        f"/ai/missions/{spell(run.mission_id)}/runs/{spell(run.run_id)}", json={"status": "paused"}
    )
    assert response.status_code == 200
    assert response.json()["data"]["run_id"] == run.run_id
    [update] = fake.run_updates(spell(run.run_id))
    assert (update.run_id, update.mission_id) == (run.run_id, run.mission_id)


def test_root_and_v2_paths_are_both_served(fake: FakeMissions) -> None:
    run = fake.runs[0]
    auth = {"authorization": "Bearer anything"}
    assert httpx.get(fake.url + run_path(run), headers=auth).status_code == 200
    assert httpx.get(fake.base_url + run_path(run), headers=auth).status_code == 200


def test_run_of_another_mission_is_404(fake: FakeMissions, client: httpx.Client) -> None:
    first, second = fake.runs[0], fake.runs[1]
    assert first.mission_id != second.mission_id
    response = client.get(f"/ai/missions/{second.mission_id}/runs/{first.run_id}")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "10005"


@pytest.mark.parametrize(
    "authorization", [None, "", "Bearer", "BearerXYZ", "Basic dXNlcjpwYXNz", "Token abc"]
)
def test_unusable_authorization_is_401(fake: FakeMissions, authorization: str | None) -> None:
    headers = {} if authorization is None else {"authorization": authorization}
    response = httpx.patch(fake.base_url + run_path(fake.runs[0]), json={}, headers=headers)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "10009"
    assert fake.requests[-1].status_code == 401
    assert fake.runs[0].updated_at == FakeMissions().runs[0].updated_at


def test_unrouted_and_wrong_method(fake: FakeMissions, client: httpx.Client) -> None:
    nowhere = client.get("/ai/missions/x/nowhere")
    assert nowhere.status_code == 404
    assert nowhere.headers["x-should-retry"] == "false"
    wrong = client.delete(run_path(fake.runs[0]))
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "GET"  # as Starlette: the first route of that path
    assert [r.operation for r in fake.requests] == [None, None]


def test_journal_records_everything(fake: FakeMissions, client: httpx.Client) -> None:
    run = fake.runs[0]
    client.patch(run_path(run), json={"status": "nope"}, params={"trace": "1"})
    [entry] = fake.requests
    assert (entry.method, entry.operation, entry.status_code) == ("PATCH", "update_run", 422)
    assert entry.path == "/v2" + run_path(run)
    assert entry.path_params == {"mission_id": run.mission_id, "run_id": run.run_id}
    assert entry.query == {"trace": ["1"]}
    assert entry.headers["authorization"] == f"Bearer {fake.api_key}"
    assert entry.body == b'{"status":"nope"}'
    assert entry.json == {"status": "nope"}
    assert entry.response["detail"][0]["type"] == "enum"
    assert entry.time.tzinfo is not None


def test_reset_restores_seed_and_forgets_requests(fake: FakeMissions, client: httpx.Client) -> None:
    original = fake.runs
    patch(client, original[0], {"status": "cancelled"})
    fake.add_run()
    fake.reset()
    assert fake.runs == original
    assert fake.requests == []


def test_returned_runs_are_copies(fake: FakeMissions) -> None:
    run = fake.runs[0]
    assert run.metadata is not None
    run.metadata["tampered"] = True
    fake.get_run(run.run_id).metadata["tampered"] = True  # type: ignore[index]
    assert "tampered" not in (fake.runs[0].metadata or {})


def test_add_run_and_get_run(fake: FakeMissions, client: httpx.Client) -> None:
    mine = "2f1e0c52-3c1a-4d0e-9a51-5c8e8d4b2f10"
    fake.add_mission(mission_id=mine)
    run = fake.add_run(mission_id=mine.upper(), status="pending", metadata={"k": 1})
    assert run.mission_id == mine
    assert mine in {m.mission_id for m in fake.missions}
    assert patch(client, run, {"status": "running"})["metadata"] == {"k": 1}
    assert fake.get_run(run.run_id).status == "running"
    with pytest.raises(LookupError, match="Known runs"):
        fake.get_run("nope")


def test_concurrent_clients_lose_no_update_and_journal_replays(fake: FakeMissions) -> None:
    runs = [fake.add_run() for _ in range(4)]
    per_thread = 25
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            with httpx.Client(
                base_url=fake.base_url, headers={"authorization": "Bearer k"}
            ) as http:
                for n in range(per_thread):
                    run = runs[n % len(runs)]
                    body = {"result_summary": f"{index}-{n}", "metadata": {"n": n}}
                    assert http.patch(run_path(run), json=body).status_code == 200
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    updates = fake.run_updates()
    assert len(updates) == 6 * per_thread
    for run in runs:
        last = [u for u in updates if u.run_id == run.run_id][-1]
        # The last update in the journal is the state the store ended with.
        assert fake.get_run(run.run_id).result_summary == last.fields["result_summary"]
        assert last.response["data"]["updated_at"] == fake.get_run(
            run.run_id
        ).updated_at.isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize(
    "raw",
    [
        b"GARBAGE\r\n\r\n",
        b"PATCH /v2/ai/missions/x/runs/y HTTP/1.1\r\nContent-Length: 5\r\n\r\n{",
        b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n",
    ],
    ids=["not-http", "short-body", "huge-path"],
)
def test_bad_bytes_never_crash_or_hang(fake: FakeMissions, raw: bytes) -> None:
    import socket

    with socket.create_connection(("127.0.0.1", int(fake.url.rsplit(":", 1)[1])), timeout=60) as s:
        s.sendall(raw)
        s.shutdown(socket.SHUT_WR)
        s.recv(65536)  # an answer or a clean close; the timeout only catches a hang
    run = fake.runs[0]
    ok = httpx.get(fake.base_url + run_path(run), headers={"authorization": "Bearer k"})
    assert ok.status_code == 200


def test_listens_on_loopback_only(fake: FakeMissions) -> None:
    server = fake._server.server
    assert server is not None
    assert server.socket.getsockname()[0] == "127.0.0.1"
    assert fake.url.startswith("http://127.0.0.1:")


def test_seeded_runs_have_plans_and_events_that_fit_their_status() -> None:
    fake = FakeMissions(runs=7)
    for run in fake.runs:
        plan = fake.plan(run.run_id)
        assert [s.sequence for s in plan] == [1, 2, 3]
        events = fake.events(run.run_id)
        assert events[0].summary == "Run started"
        assert all(run.started_at <= e.timestamp <= run.updated_at for e in events)
        if run.status == "succeeded":
            assert {s.status for s in plan} == {"completed"}
            assert events[-1].summary == "Run succeeded"
        if run.status == "pending":
            assert {s.status for s in plan} == {"pending"}
            assert len(events) == 1
    assert len(fake.events()) == sum(len(fake.events(r.run_id)) for r in fake.runs)


def test_stop_closes_the_listening_socket() -> None:
    fake = FakeMissions().start()
    server = fake._server.server
    assert server is not None
    listening = server.socket
    fake.stop()
    assert listening.fileno() == -1  # closed now, not whenever the server is collected


def test_refuses_to_listen_beyond_loopback_unless_asked() -> None:
    with pytest.raises(ValueError, match="not a loopback address"):
        FakeMissions(host="192.0.2.1")  # a documentation address: nothing is bound
    assert FakeMissions(host="localhost")._server.host == "localhost"


def test_a_busy_port_is_an_os_error_not_an_exit(fake: FakeMissions) -> None:
    port = int(fake.url.rsplit(":", 1)[1])
    with pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{port}"):
        FakeMissions(port=port).start()


@pytest.mark.parametrize(("runs", "missions"), [(-1, 2), (3, -2)])
def test_negative_counts_are_refused(runs: int, missions: int) -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        FakeMissions(runs=runs, missions=missions)
