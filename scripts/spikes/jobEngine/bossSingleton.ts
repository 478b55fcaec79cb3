// pg-boss 10: at most one running round per project. (a) one queue, policy singleton, singletonKey=project;
// (b) policy stately (dedupe of queued rounds); (c) one queue per project.
import PgBoss from 'pg-boss';
import { withPostgres, Child, ts, sleep } from './pg';

withPostgres(async (url) => {
  const bossOpts = { schedule: false, supervise: false };
  const boss = new PgBoss({ connectionString: url, ...bossOpts });
  boss.on('error', (e: Error) => console.log('controller error', e.message));
  await boss.start();
  const env = { BOSS_OPTS: JSON.stringify(bossOpts) };
  const first = (c: Child[], re: RegExp) => Math.min(...c.flatMap((x) => x.lines.filter((l) => re.test(l.line)).map((l) => l.at)));

  for (const policy of ['singleton', 'stately'] as const) {
    const q = `round_${policy}`;
    await boss.createQueue(q, { name: q, policy });
    const w = [new Child('W1', 'bossWorker.ts', [url, q], env), new Child('W2', 'bossWorker.ts', [url, q], env)];
    await Promise.all(w.map((c) => c.waitFor(/READY/, 30_000)));
    const t = Date.now();
    const ids = [];
    ids.push(await boss.send(q, { ms: 12_000, label: 'A1' }, { singletonKey: 'A' }));
    await sleep(1500);
    ids.push(await boss.send(q, { ms: 500, label: 'A2' }, { singletonKey: 'A' }));
    ids.push(await boss.send(q, { ms: 500, label: 'A3' }, { singletonKey: 'A' }));
    ids.push(await boss.send(q, { ms: 500, label: 'B1' }, { singletonKey: 'B' }));
    console.log(`${ts()} ${policy}: send A1 (12 s), then A2, A3, B1 -> ids ${ids.map((i) => (i ? 'id' : 'null')).join(',')}`);
    await sleep(17_000);
    const b1 = first(w, /START \S+ B1/);
    const a2 = first(w, /START \S+ A2/);
    const a1done = first(w, /DONE \S+ A1/);
    console.log(`RESULT ${policy}: B1 started ${Number.isFinite(b1) ? ((b1 - t) / 1000).toFixed(1) + ' s' : 'never'}, A2 started ${Number.isFinite(a2) ? ((a2 - t) / 1000).toFixed(1) + ' s' : 'never'}, A1 done ${((a1done - t) / 1000).toFixed(1)} s after A1 was sent`);
    await Promise.all(w.map((c) => c.stop()));
  }

  // (c) one queue per project, ONE worker process working both queues
  for (const p of ['A', 'B']) await boss.createQueue(`round__${p}`, { name: `round__${p}`, policy: 'singleton' });
  const w1 = new Child('W1', 'bossWorker.ts', [url, 'round__A,round__B'], env);
  await w1.waitFor(/READY/, 30_000);
  const t = Date.now();
  await boss.send('round__A', { ms: 8000, label: 'A1' });
  await sleep(1000);
  await boss.send('round__A', { ms: 500, label: 'A2' });
  await boss.send('round__B', { ms: 3000, label: 'B1' });
  await sleep(11_000);
  const at = (re: RegExp) => ((w1.lines.find((l) => re.test(l.line))!.at - t) / 1000).toFixed(1);
  console.log(`RESULT queue-per-project, one process: A1 ${at(/START \S+ A1/)}–${at(/DONE \S+ A1/)} s, B1 ${at(/START \S+ B1/)}–${at(/DONE \S+ B1/)} s, A2 ${at(/START \S+ A2/)} s (two jobs at once in one process)`);
  await w1.stop();
  await boss.stop({ graceful: false, wait: true });
}).catch((e) => { console.error(e); process.exit(1); });
