// pg-boss 10: kill -9 the worker holding a long job; time until the other worker starts it.
// Then: a job that legitimately runs longer than expireIn (is it run twice, concurrently?).
import PgBoss from 'pg-boss';
import { withPostgres, Child, ts, sleep, query } from './pg';

const EXPIRE = Number(process.env.EXPIRE ?? 20);
const MAINT = Number(process.env.MAINT ?? 5);

withPostgres(async (url) => {
  const bossOpts = { maintenanceIntervalSeconds: MAINT, schedule: false };
  const boss = new PgBoss({ connectionString: url, ...bossOpts });
  boss.on('error', (e: Error) => console.log('controller error', e.message));
  await boss.start();
  await boss.createQueue('round', { name: 'round', policy: 'singleton', expireInSeconds: EXPIRE, retryLimit: 2, retryDelay: 1, retryBackoff: true });
  const env = { BOSS_OPTS: JSON.stringify(bossOpts) };
  const w = [new Child('W1', 'bossWorker.ts', [url, 'round'], env), new Child('W2', 'bossWorker.ts', [url, 'round'], env)];
  await Promise.all(w.map((c) => c.waitFor(/READY/, 30_000)));

  // --- 1. crash recovery
  console.log(`${ts()} send long job (expireInSeconds=${EXPIRE}, maintenanceIntervalSeconds=${MAINT})`);
  await boss.send('round', { ms: 600_000, label: 'crash' }, { singletonKey: 'p1' });
  const holder = await Promise.race(w.map(async (c) => ((await c.waitFor(/START round crash/, 30_000)) ? c : null)));
  const started = holder!.lines.find((l) => /START round crash/.test(l.line))!.at;
  await sleep(3000);
  const killedAt = Date.now();
  holder!.kill('SIGKILL');
  console.log(`${ts()} kill -9 ${holder!.name} (${((killedAt - started) / 1000).toFixed(1)} s after it started the job)`);
  const other = w.find((c) => c !== holder)!;
  const taken = await other.waitFor(/START round crash/, (EXPIRE + MAINT + 60) * 1000);
  if (taken) {
    console.log(`RESULT crash: taken up by ${other.name} ${((taken.at - killedAt) / 1000).toFixed(1)} s after kill -9, ${((taken.at - started) / 1000).toFixed(1)} s after first start`);
  } else console.log('RESULT crash: NOT taken up');
  console.log(await query(url, `select name, state, retry_count, retry_limit, expire_in::text, output from pgboss.job where name='round'`));

  // --- 2. a legitimate job longer than expireIn, with two live workers
  const w3 = new Child('W3', 'bossWorker.ts', [url, 'round2'], env);
  const w4 = new Child('W4', 'bossWorker.ts', [url, 'round2'], env);
  await Promise.all([w3.waitFor(/READY/, 30_000), w4.waitFor(/READY/, 30_000)]);
  await boss.createQueue('round2', { name: 'round2', policy: 'singleton', expireInSeconds: 6, retryLimit: 1, retryDelay: 0 });
  console.log(`${ts()} send a 20 s job to a queue with expireInSeconds=6`);
  await boss.send('round2', { ms: 20_000, label: 'legit' }, { singletonKey: 'p1' });
  await sleep(32_000);
  console.log(await query(url, `select name, state, retry_count, output from pgboss.job where name='round2'`));
  const starts = [...w4.lines, ...w3.lines].filter((l) => /START round2 legit/.test(l.line)).length;
  const dones = [...w4.lines, ...w3.lines].filter((l) => /DONE round2 legit/.test(l.line)).length;
  console.log(`RESULT legit-long: ${starts} starts, ${dones} handlers ran to the end`);
  await Promise.all([other.stop(), w3.stop(), w4.stop()]);
  await boss.stop({ graceful: false, wait: true });
}).catch((e) => { console.error(e); process.exit(1); });
