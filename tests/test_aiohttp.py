"""aiohttp, alone and as the SDK's async transport, against the fake."""

from __future__ import annotations

import asyncio

import aiohttp
import telnyx
from telnyx import DefaultAioHttpClient

from pytest_telnyx_missions import FakeMissions


def test_plain_aiohttp_client(telnyx_missions: FakeMissions) -> None:
    run = telnyx_missions.runs[0]
    url = f"{telnyx_missions.base_url}/ai/missions/{run.mission_id}/runs/{run.run_id}"
    auth = {"Authorization": f"Bearer {telnyx_missions.api_key}"}

    async def report() -> list[int]:
        async with aiohttp.ClientSession(headers=auth) as session:
            statuses = []
            for body in ({"status": "paused"}, {"status": "Paused"}):
                async with session.patch(url, json=body) as response:
                    statuses.append(response.status)
                    await response.json()
            return statuses

    assert asyncio.run(report()) == [200, 422]
    telnyx_missions.assert_run_updated_once(run.run_id, status="paused")
    assert [u.status_code for u in telnyx_missions.run_updates(run.run_id)] == [200, 422]


def test_sdk_with_the_aiohttp_transport(telnyx_missions: FakeMissions) -> None:
    run = telnyx_missions.runs[0]

    async def finish() -> str:
        async with telnyx.AsyncTelnyx(http_client=DefaultAioHttpClient()) as client:
            updated = await client.ai.missions.runs.update(
                run.run_id, mission_id=run.mission_id, status="succeeded", result_summary="ok"
            )
            return updated.data.status

    assert asyncio.run(finish()) == "succeeded"
    telnyx_missions.assert_run_status_history(run.run_id, ["succeeded"])
