// graphile-worker 0.17: one '* * * * *' cron item (nightly_tick) in every worker; the tick evaluates the
// projects' own cron + time zone (stored in our table, added at run time) and queues their nightly sync.
import { makeWorkerUtils } from 'graphile-worker';
import { withPostgres, Child, ts, sleep, query } from './pg';
import { targetMinute, PROJECTS, cronFor } from './cronTarget';

withPostgres(async (url) => {
  const utils = await makeWorkerUtils({ connectionString: url });
  await utils.migrate();
  await query(url, 'create table spike_project (id text primary key, cron text not null, tz text not null)');
  const env = { GW_CRONTAB: JSON.stringify([{ task: 'nightly_tick', match: '* * * * *', identifier: 'nightly_tick', options: { backfillPeriod: 0, maxAttempts: 3 } }]) };
  const w = [new Child('W1', 'gwWorker.ts', [url], env), new Child('W2', 'gwWorker.ts', [url], env)];
  await Promise.all(w.map((c) => c.waitFor(/LISTENING/, 30_000)));
  const T = targetMinute(45);
  for (const p of PROJECTS) {
    const cron = cronFor(p, T);
    await query(url, 'insert into spike_project values ($1, $2, $3)', [p.id, cron, p.tz]);
    console.log(`${ts()} project ${p.id} nightly '${cron}' tz=${p.tz}${p.wrongOnPurpose ? ' (UTC numbers: must not fire now)' : ''}`);
  }
  console.log(`${ts()} T = ${T.toISOString()}`);
  const killBefore = Number(process.env.KILL_BEFORE ?? 15);
  await sleep(T.getTime() - Date.now() - killBefore * 1000);
  w[0]!.kill('SIGKILL');
  console.log(`${ts()} kill -9 W1 (${killBefore} s before T)`);
  await sleep(T.getTime() + 130_000 - Date.now());
  const ticks = w.flatMap((c) => c.lines.filter((l) => /START nightly_tick/.test(l.line)));
  console.log(`RESULT ticks run: ${ticks.length} (one per minute expected; ${ticks.map((l) => l.line.split(' ')[2]).join(' ')})`);
  for (const p of PROJECTS) {
    const starts = w.flatMap((c) => c.lines.filter((l) => new RegExp(`START sync nightly-${p.id}-`).test(l.line)));
    console.log(`RESULT ${p.id}: ${starts.length} nightly sync run(s)${starts[0] ? `, first ${((starts[0].at - T.getTime()) / 1000).toFixed(1)} s after T` : ''}`);
  }
  console.log(await query(url, 'select identifier, known_since, last_execution from graphile_worker._private_known_crontabs'));
  await w[1]!.stop();
  await utils.release();
}).catch((e) => { console.error(e); process.exit(1); });
