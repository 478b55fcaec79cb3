/**
 * `serve --jobs external` with a worker process the operator starts (`scanselect worker`), on the
 * embedded SQLite database: the worker stays up while idle (its timers alone would not keep
 * it), takes the API's job and ends with exit code 0 on SIGTERM. Needs the build (`npm run build`).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { CliProcess } from './harness/cliProcess';
import { startPhantomServer } from './harness/phantomMasks';
import type { TestServer } from './harness/serverHarness';
import { requireBuiltCli } from './helpers';

jest.setTimeout(120_000);

let t: TestServer;
let worker: CliProcess | null = null;
beforeAll(async () => {
  requireBuiltCli();
  ({ t } = await startPhantomServer(6, 21, { name: 'ext', classes: ['lung'], budget: { coldStart: 2, perRound: 1, total: 4 }, encoder: { id: 'intensity-texture', inputSize: 32 } }, { jobs: 'external' }));
});
afterAll(async () => {
  await worker?.stop();
  await t?.dispose();
});

it('runs the API’s job in an idle worker process started beside it, which stops cleanly', async () => {
  const file = path.join(t.dir, 'worker.json');
  writeFileSync(file, JSON.stringify(t.server.ctx.config));
  worker = await CliProcess.start('worker', ['worker', '--config', file, '--name', 'w1'], /worker w1 started/);
  // Idle for a while first: a worker that ended here would leave the job queued forever.
  await new Promise((r) => setTimeout(r, 1500));
  const sync = (await t.call('POST', '/api/projects/1/sync', { role: 'service' })).json as { id: number };
  await t.server.ctx.queue.idle();
  expect(await t.server.ctx.jobs.get(sync.id)).toMatchObject({ state: 'succeeded' });
  expect((await t.server.ctx.sql.get<{ worker: string }>('SELECT worker FROM jobs WHERE id = @id', { id: sync.id }))!.worker).toBe('w1');
  await worker.stop();
  expect(worker.exitCode).toBe(0);
});
