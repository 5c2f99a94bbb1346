// Starts the standalone fake (python -m pytest_telnyx_missions) for the tests, through its ready
// file: --port 0 picks a free port, and the file says where it serves once it does.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const PYTHON = process.env.PYTHON ?? 'python3';

export async function startFake(...flags) {
  const directory = mkdtempSync(join(tmpdir(), 'telnyx-missions-'));
  const readyFile = join(directory, 'ready.json');
  const child = spawn(PYTHON, ['-m', 'pytest_telnyx_missions', '--port', '0', '--ready-file', readyFile, ...flags], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let exited = null;
  child.on('exit', (code) => { exited = code; });
  const deadline = Date.now() + 60_000; // only to catch a hang
  while (!existsSync(readyFile)) {
    if (exited !== null) throw new Error(`the fake exited (${exited}) before serving`);
    if (Date.now() > deadline) throw new Error('the fake did not serve within 60 s');
    await sleep(10);
  }
  const ready = JSON.parse(readFileSync(readyFile, 'utf8')); // written whole, then renamed
  return {
    ...ready,
    async control(method, path, body) {
      const answer = await fetch(ready.url + path, { method, body: body && JSON.stringify(body) });
      return answer.status === 204 ? null : answer.json();
    },
    async stop() {
      const stopped = new Promise((resolve) => child.once('exit', resolve));
      if (exited === null) child.kill('SIGTERM');
      const code = exited ?? (await stopped);
      rmSync(directory, { recursive: true, force: true });
      return code;
    },
  };
}
