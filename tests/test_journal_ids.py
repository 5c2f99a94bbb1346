"""The journal finds a run's calls by the run's canonical id, whatever form the path gave it:
``run_updates(run_id)`` lists every PATCH that ``calls()`` lists, refused ones included."""

from __future__ import annotations

import httpx

from pytest_telnyx_missions import FakeMissions


def test_run_updates_find_refused_patches_sent_with_any_form_of_the_run_id() -> None:
    with FakeMissions() as fake:
        run = fake.runs[0]
        forms = [
            run.run_id.upper(),
            "{" + run.run_id + "}",
            f"urn:uuid:{run.run_id}",
            run.run_id.replace("-", ""),
        ]
        with httpx.Client(base_url=fake.base_url) as client:
            for form in forms:
                path = f"/ai/missions/{run.mission_id}/runs/{form}"
                client.patch(path, json={"status": "paused"})  # no key: 401
                client.patch(path, json={"status": "nope"}, headers={"authorization": "Bearer k"})

        listed = fake.calls("update_run", run_id=run.run_id)
        assert [call.status_code for call in listed] == [401, 422] * len(forms)
        for asked in (run.run_id, run.run_id.upper(), f"urn:uuid:{run.run_id}"):
            updates = fake.run_updates(asked)
            assert [u.request.path for u in updates] == [c.request.path for c in listed]
            assert [u.status_code for u in updates] == [401, 422] * len(forms)
