import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import Telnyx from 'telnyx';
import { startFake } from './fake.js';
import { runJob } from './worker.js';

const RUN = 'a3bb189e-8bf9-4888-9912-ace4e6543002';
let fake;
let client;

before(async () => {
  fake = await startFake('--seed', '7');
  client = new Telnyx({ baseURL: fake.base_url, apiKey: fake.api_key, maxRetries: 2 });
});

after(async () => {
  assert.equal(await fake.stop(), 0); // a clean stop
});

beforeEach(async () => {
  // The server is shared by the tests: each starts from seeded data, then arranges its own run.
  await fake.control('POST', '/_fake/reset');
  const [seeded] = (await fake.control('GET', '/_fake/runs')).data;
  const made = await fake.control('POST', '/_fake/runs', { mission_id: seeded.mission_id, run_id: RUN, status: 'pending' });
  assert.equal(made.data.run_id, RUN);
});

async function runOf(runId) {
  return (await fake.control('GET', '/_fake/runs')).data.find((run) => run.run_id === runId);
}

test('a job that succeeds is reported running, then succeeded with its summary', async () => {
  const { mission_id } = await runOf(RUN);
  assert.equal(await runJob(RUN, mission_id, async () => '3 calls made', client), 'succeeded');

  const updates = (await fake.control('GET', `/_fake/run-updates?run_id=${RUN}`)).data;
  assert.deepEqual(updates.map((u) => u.fields), [
    { status: 'running' },
    { status: 'succeeded', result_summary: '3 calls made' },
  ]);
  assert.equal((await runOf(RUN)).status, 'succeeded');
  assert.deepEqual(await fake.control('GET', '/_fake/check'), { ok: true, problems: '' });
});

test('a job that throws is reported failed with the error', async () => {
  const { mission_id } = await runOf(RUN);
  const outcome = await runJob(RUN, mission_id, async () => { throw new Error('CRM unreachable'); }, client);
  assert.equal(outcome, 'failed');
  const run = await runOf(RUN);
  assert.equal(run.status, 'failed');
  assert.equal(run.error, 'CRM unreachable');
});

test('a 503 on the first update is retried by the SDK and the work is not lost', async () => {
  await fake.control('POST', '/_fake/faults', {
    operation: 'update_run',
    faults: [{ status: 503, retry_after_ms: 1 }],
  });
  const { mission_id } = await runOf(RUN);
  assert.equal(await runJob(RUN, mission_id, async () => 'done', client), 'succeeded');
  const statuses = (await fake.control('GET', `/_fake/run-updates?run_id=${RUN}`)).data.map((u) => u.status_code);
  assert.deepEqual(statuses, [503, 200, 200]);
});

test('the worker reads TELNYX_BASE_URL and TELNYX_API_KEY as the SDK does', async () => {
  process.env.TELNYX_BASE_URL = fake.base_url;
  process.env.TELNYX_API_KEY = fake.api_key;
  const { mission_id } = await runOf(RUN);
  assert.equal(await runJob(RUN, mission_id, async () => 'from the environment'), 'succeeded');
  assert.equal((await runOf(RUN)).result_summary, 'from the environment');
});
