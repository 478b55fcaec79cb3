// pg-boss 10: per-project nightly schedules (added at run time, IANA time zones), two worker processes with
// the scheduler on (defaults), one of them kill -9'd shortly before the time. How many jobs are created?
import PgBoss from 'pg-boss';
import { withPostgres, Child, ts, sleep, query } from './pg';
import { targetMinute, PROJECTS, cronFor } from './cronTarget';

withPostgres(async (url) => {
  const boss = new PgBoss({ connectionString: url, schedule: false, supervise: false });
  await boss.start();
  for (const p of PROJECTS) await boss.createQueue(`nightly__${p.id}`, { name: `nightly__${p.id}` });
  const queues = PROJECTS.map((p) => `nightly__${p.id}`).join(',');
  const w = [new Child('W1', 'bossWorker.ts', [url, queues]), new Child('W2', 'bossWorker.ts', [url, queues])];
  await Promise.all(w.map((c) => c.waitFor(/READY/, 30_000)));
  const T = targetMinute(45);
  for (const p of PROJECTS) {
    const cron = cronFor(p, T);
    await boss.schedule(`nightly__${p.id}`, cron, { label: `nightly-${p.id}` }, { tz: p.tz });
    console.log(`${ts()} schedule nightly__${p.id} '${cron}' tz=${p.tz}${p.wrongOnPurpose ? ' (UTC numbers: must not fire now)' : ''}`);
  }
  console.log(`${ts()} T = ${T.toISOString()}`);
  const killBefore = Number(process.env.KILL_BEFORE ?? 15);
  await sleep(T.getTime() - Date.now() - killBefore * 1000);
  w[0]!.kill('SIGKILL');
  console.log(`${ts()} kill -9 W1 (${killBefore} s before T)`);
  await sleep(T.getTime() + 130_000 - Date.now());
  for (const p of PROJECTS) {
    const starts = w.flatMap((c) => c.lines.filter((l) => new RegExp(`START nightly__${p.id} `).test(l.line)));
    const rows = await query(url, `select count(*)::int n, min(created_on) first from pgboss.job where name = $1`, [`nightly__${p.id}`]);
    console.log(`RESULT ${p.id}: ${rows[0].n} job(s) created, ${starts.length} run(s)${starts[0] ? `, first ${((starts[0].at - T.getTime()) / 1000).toFixed(1)} s after T` : ''}`);
  }
  await w[1]!.stop();
  await boss.stop({ graceful: false, wait: true });
}).catch((e) => { console.error(e); process.exit(1); });
