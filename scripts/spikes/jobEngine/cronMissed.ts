// Both engines in ONE database beside our own table: a nightly time passes while no worker runs.
// pg-boss 10 (schedule) vs graphile-worker 0.17 (tick cron item with backfillPeriod). Then connection counts
// and schema footprint.
import PgBoss from 'pg-boss';
import { makeWorkerUtils } from 'graphile-worker';
import { withPostgres, Child, ts, sleep, query } from './pg';
import { targetMinute, PROJECTS, cronFor } from './cronTarget';

withPostgres(async (url) => {
  const gwUrl = `${url}?application_name=graphile`;
  await query(url, 'create table spike_project (id text primary key, cron text not null, tz text not null)');
  const boss = new PgBoss({ connectionString: url, schedule: false, supervise: false, application_name: 'pgboss-admin' });
  await boss.start();
  const utils = await makeWorkerUtils({ connectionString: gwUrl });
  await utils.migrate();
  const gwEnv = { GW_CRONTAB: JSON.stringify([{ task: 'nightly_tick', match: '* * * * *', identifier: 'nightly_tick', options: { backfillPeriod: 30 * 60_000, maxAttempts: 3 } }]) };
  // graphile only backfills cron items it already knows: run a worker once, stop it.
  const pre = new Child('GW0', 'gwWorker.ts', [gwUrl], gwEnv);
  await pre.waitFor(/LISTENING/, 30_000);
  await pre.stop();
  const T = targetMinute(20);
  for (const p of PROJECTS.slice(0, 2)) {
    const cron = cronFor(p, T);
    await boss.createQueue(`nightly__${p.id}`, { name: `nightly__${p.id}` });
    await boss.schedule(`nightly__${p.id}`, cron, { label: `nightly-${p.id}` }, { tz: p.tz });
    await query(url, 'insert into spike_project values ($1, $2, $3)', [p.id, cron, p.tz]);
  }
  console.log(`${ts()} schedules for T = ${T.toISOString()}; no worker runs until T + 70 s`);
  await sleep(T.getTime() + 70_000 - Date.now());
  const bw = new Child('BOSS', 'bossWorker.ts', [url, 'nightly__A,nightly__B']);
  const gw = new Child('GW', 'gwWorker.ts', [gwUrl], gwEnv);
  await sleep(45_000);
  const bossJobs = await query(url, `select name, count(*)::int n from pgboss.job where name like 'nightly__%' group by 1`);
  console.log(`RESULT missed night, pg-boss: ${JSON.stringify(bossJobs)} (jobs created after restart)`);
  const syncs = gw.lines.filter((l) => /START sync nightly-/.test(l.line)).map((l) => l.line.split(' ')[2]);
  console.log(`RESULT missed night, graphile tick+backfill: ${syncs.length} nightly sync(s): ${syncs.join(' ')}; ticks run: ${gw.lines.filter((l) => /START nightly_tick/.test(l.line)).length}`);

  console.log('connections (client backends by application_name):', await query(url, `select application_name, count(*)::int from pg_stat_activity where backend_type = 'client backend' group by 1 order by 1`));
  console.log('objects per schema:', await query(url, `select n.nspname, c.relkind, count(*)::int from pg_class c join pg_namespace n on n.oid=c.relnamespace where n.nspname in ('pgboss','graphile_worker','public') group by 1,2 order by 1,2`));
  console.log('functions per schema:', await query(url, `select n.nspname, count(*)::int from pg_proc p join pg_namespace n on n.oid=p.pronamespace where n.nspname in ('pgboss','graphile_worker') group by 1`));
  console.log('tables:', (await query(url, `select schemaname||'.'||tablename t from pg_tables where schemaname in ('pgboss','graphile_worker','public') order by 1`)).map((r) => r.t).join(' '));
  await Promise.all([bw.stop(), gw.stop()]);
  await utils.release();
  await boss.stop({ graceful: false, wait: true });
}).catch((e) => { console.error(e); process.exit(1); });
