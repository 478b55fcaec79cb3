// Graceful stop (SIGTERM, as Kubernetes sends) of a worker running a long job: when does another worker
// get it? And the connections each worker process holds (sampled every 200 ms).
import PgBoss from 'pg-boss';
import { makeWorkerUtils } from 'graphile-worker';
import { withPostgres, Child, ts, sleep, query } from './pg';

withPostgres(async (url) => {
  const samples = new Map<string, number>();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      for (const r of await query(url, `select application_name a, count(*)::int n from pg_stat_activity where backend_type='client backend' and application_name like 'w-%' group by 1`)) samples.set(r.a, Math.max(samples.get(r.a) ?? 0, r.n));
      await sleep(200);
    }
  })();

  // pg-boss
  const boss = new PgBoss({ connectionString: url, schedule: false, supervise: false, application_name: 'admin' });
  await boss.start();
  await boss.createQueue('round', { name: 'round', policy: 'singleton', expireInSeconds: 3600, retryLimit: 2 });
  const bw = ['B1', 'B2'].map((n) => new Child(n, 'bossWorker.ts', [url, 'round'], { BOSS_OPTS: JSON.stringify({ application_name: `w-boss-${n}` }) }));
  await Promise.all(bw.map((c) => c.waitFor(/READY/, 30_000)));
  await boss.send('round', { ms: 600_000, label: 'long' }, { singletonKey: 'p' });
  const bh = await Promise.race(bw.map(async (c) => ((await c.waitFor(/START round long/, 20_000)) ? c : null)));
  await sleep(2000);
  let t = Date.now();
  bh!.kill('SIGTERM'); // bossWorker: boss.stop({ graceful: false }) then exit
  const bo = bw.find((c) => c !== bh)!;
  const bt = await bo.waitFor(/START round long/, 60_000);
  console.log(`RESULT pg-boss SIGTERM (stop({graceful:false})): taken up ${bt ? ((bt.at - t) / 1000).toFixed(1) + ' s' : 'never (60 s)'} later`);
  console.log(await query(url, `select state, retry_count, output->>'message' msg from pgboss.job where name='round'`));
  await bo.stop();
  await boss.stop({ graceful: false, wait: true });

  // graphile-worker (its own SIGTERM handler: graceful shutdown, abortSignal after 5 s, then releases the job)
  const utils = await makeWorkerUtils({ connectionString: url });
  await utils.migrate();
  const gw = ['G1', 'G2'].map((n) => new Child(n, 'gwWorker.ts', [`${url}?application_name=w-gw-${n}`]));
  await Promise.all(gw.map((c) => c.waitFor(/LISTENING/, 30_000)));
  await utils.addJob('round', { ms: 600_000, label: 'long' }, { queueName: 'project:p' });
  const gh = await Promise.race(gw.map(async (c) => ((await c.waitFor(/START round long/, 20_000)) ? c : null)));
  await sleep(2000);
  t = Date.now();
  gh!.kill('SIGTERM');
  const go = gw.find((c) => c !== gh)!;
  const gt = await go.waitFor(/START round long/, 60_000);
  console.log(`RESULT graphile SIGTERM: taken up ${gt ? ((gt.at - t) / 1000).toFixed(1) + ' s' : 'never (60 s)'} later; holder exited: ${gh!.proc.exitCode !== null || gh!.proc.signalCode !== null}`);
  console.log(await query(url, `select attempts, run_at, locked_by, last_error from graphile_worker._private_jobs`));
  await go.stop();
  await utils.release();
  sampling = false;
  await sampler;
  console.log('RESULT max connections per worker process:', Object.fromEntries(samples));
}).catch((e) => { console.error(e); process.exit(1); });
