// A small agent worker: reports a run's progress to Telnyx AI Missions through the official SDK.
// It reads TELNYX_BASE_URL and TELNYX_API_KEY from the environment, as the SDK does.
import Telnyx from 'telnyx';

export async function runJob(runId, missionId, job, client = new Telnyx({ maxRetries: 2 })) {
  const runs = client.ai.missions.runs;
  await runs.update(runId, { mission_id: missionId, status: 'running' });
  await runs.events.log(runId, {
    mission_id: missionId,
    type: 'step_started',
    summary: 'Working',
    idempotency_key: `${runId}-start`,
  });
  try {
    const summary = await job();
    await runs.update(runId, { mission_id: missionId, status: 'succeeded', result_summary: summary });
    return 'succeeded';
  } catch (error) {
    await runs.update(runId, { mission_id: missionId, status: 'failed', error: String(error.message ?? error) });
    return 'failed';
  }
}
