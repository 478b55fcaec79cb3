// graphile-worker 0.17: at most one running round per project with named queues (queueName = project),
// de-duplication of queued rounds with jobKey; retries with exponential back-off.
import { makeWorkerUtils } from 'graphile-worker';
import { withPostgres, Child, ts, sleep, query } from './pg';

withPostgres(async (url) => {
  const utils = await makeWorkerUtils({ connectionString: url });
  await utils.migrate();
  const w = [new Child('W1', 'gwWorker.ts', [url]), new Child('W2', 'gwWorker.ts', [url])];
  await Promise.all(w.map((c) => c.waitFor(/LISTENING/, 30_000)));
  const first = (re: RegExp) => Math.min(...w.flatMap((x) => x.lines.filter((l) => re.test(l.line)).map((l) => l.at)));
  const t = Date.now();
  await utils.addJob('round', { ms: 12_000, label: 'A1' }, { queueName: 'project:A', jobKey: 'round:A' });
  await sleep(1500);
  for (const label of ['A2', 'A3', 'A4']) await utils.addJob('round', { ms: 500, label }, { queueName: 'project:A', jobKey: 'round:A' });
  await utils.addJob('round', { ms: 500, label: 'B1' }, { queueName: 'project:B', jobKey: 'round:B' });
  console.log(`${ts()} A1 (12 s) in queue project:A, then A2, A3, A4 (same jobKey round:A) and B1 in project:B`);
  console.log('jobs while A1 runs:', (await query(url, `select payload->>'label' label, key, locked_by is not null locked from graphile_worker._private_jobs order by id`)).map((r) => `${r.label}${r.key ? '[' + r.key + ']' : ''}${r.locked ? '(running)' : ''}`).join(' '));
  await sleep(14_000);
  const rel = (x: number) => (Number.isFinite(x) ? ((x - t) / 1000).toFixed(1) + ' s' : 'never');
  console.log(`RESULT named queues: B1 started ${rel(first(/START round B1/))}, A4 started ${rel(first(/START round A4/))}, A2/A3 started ${rel(first(/START round A[23]/))}, A1 done ${rel(first(/DONE round A1/))}`);

  // Retries with back-off: a job that fails twice, then succeeds.
  const t2 = Date.now();
  await utils.addJob('sync', { ms: 100, label: 'flaky', fail: 2 }, { maxAttempts: 5 });
  await sleep(14_000);
  const starts = w.flatMap((x) => x.lines.filter((l) => /START sync flaky/.test(l.line))).map((l) => ((l.at - t2) / 1000).toFixed(1));
  console.log(`RESULT retries: flaky sync attempts started at ${starts.join(', ')} s (docs: delay exp(min(10, attempt)) s: 2.7, 7.4, …)`);
  await Promise.all(w.map((c) => c.stop()));
  await utils.release();
}).catch((e) => { console.error(e); process.exit(1); });
