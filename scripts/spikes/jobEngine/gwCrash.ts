// graphile-worker 0.17: kill -9 the worker holding a long job in a named queue; does the other take it up?
// Then: simulate the 4-hour lock expiry; then: release by forceUnlockWorkers.
import { makeWorkerUtils } from 'graphile-worker';
import { withPostgres, Child, ts, sleep, query } from './pg';

withPostgres(async (url) => {
  const utils = await makeWorkerUtils({ connectionString: url });
  await utils.migrate();
  const env = { GW_OPTS: JSON.stringify({ minResetLockedInterval: 2000, maxResetLockedInterval: 3000 }) };
  const w = [new Child('W1', 'gwWorker.ts', [url], env), new Child('W2', 'gwWorker.ts', [url], env)];
  await Promise.all(w.map((c) => c.waitFor(/READY/, 30_000)));
  await sleep(1000);
  await utils.addJob('round', { ms: 600_000, label: 'crash' }, { queueName: 'project:p1', jobKey: 'round:p1', maxAttempts: 5 });
  const holder = await Promise.race(w.map(async (c) => ((await c.waitFor(/START round crash/, 30_000)) ? c : null)));
  const deadPool = /lockedBy=(\S+)/.exec(holder!.lines.find((l) => /START round crash/.test(l.line))!.line)![1]!;
  await sleep(2000);
  await utils.addJob('round', { ms: 1000, label: 'p1-next' }, { queueName: 'project:p1' });
  await utils.addJob('round', { ms: 1000, label: 'p2' }, { queueName: 'project:p2' });
  const killedAt = Date.now();
  holder!.kill('SIGKILL');
  console.log(`${ts()} kill -9 ${holder!.name}`);
  const other = w.find((c) => c !== holder)!;
  const early = await other.waitFor(/START round crash/, 45_000);
  console.log(`RESULT within 45 s after kill -9 (reset sweep every 2-3 s): ${early ? 'taken up' : 'NOT taken up'}; p2 ran: ${!!other.lines.find((l) => /START round p2/.test(l.line))}; p1-next ran: ${!!other.lines.find((l) => /START round p1-next/.test(l.line))}`);
  console.log(await query(url, `select j.id, t.identifier, q.queue_name, j.locked_by, j.locked_at, j.attempts, j.key from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id=j.task_id left join graphile_worker._private_job_queues q on q.id=j.job_queue_id`));
  console.log(await query(url, `select queue_name, locked_by, locked_at from graphile_worker._private_job_queues`));

  // Simulate 4 h passing for the dead worker's locks.
  await query(url, `update graphile_worker._private_jobs set locked_at = locked_at - interval '4 hours 1 second' where locked_by = $1`, [deadPool]);
  await query(url, `update graphile_worker._private_job_queues set locked_at = locked_at - interval '4 hours 1 second' where locked_by = $1`, [deadPool]);
  const shifted = Date.now();
  console.log(`${ts()} moved the dead pool's locked_at 4 h into the past`);
  const late = await other.waitFor(/START round crash/, 30_000);
  console.log(`RESULT after simulated 4 h: ${late ? `taken up ${((late.at - shifted) / 1000).toFixed(1)} s later (the reset sweep's interval)` : 'NOT taken up'}`);
  await other.waitFor(/START round p1-next/, 5000);
  await sleep(1000);

  // Third: the new holder dies too; release its locks with forceUnlockWorkers (as an operator or a liveness check would).
  const w3 = new Child('W3', 'gwWorker.ts', [url], env);
  await w3.waitFor(/READY/, 30_000);
  const pool2 = /lockedBy=(\S+)/.exec(other.lines.find((l) => /START round crash/.test(l.line))!.line)![1]!;
  other.kill('SIGKILL');
  console.log(`${ts()} kill -9 ${other.name}, then forceUnlockWorkers([${pool2}])`);
  const t = Date.now();
  await utils.forceUnlockWorkers([pool2]);
  const again = await w3.waitFor(/START round crash/, 30_000);
  console.log(`RESULT forceUnlockWorkers: ${again ? `taken up ${((again.at - t) / 1000).toFixed(1)} s later` : 'NOT taken up'}`);
  console.log(await query(url, `select id, attempts, run_at, locked_by, last_error from graphile_worker._private_jobs`));
  await w3.stop();
  await utils.release();
}).catch((e) => { console.error(e); process.exit(1); });
