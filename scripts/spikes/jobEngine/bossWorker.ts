// A pg-boss 10 worker process. argv: url, comma-separated queue names. env BOSS_OPTS (constructor options, JSON).
// Each job's data.ms says how long the "job" runs (a sleep: no CPU). Logs START/DONE lines for the controller.
import PgBoss from 'pg-boss';
const [url, queues] = process.argv.slice(2);
const opts = JSON.parse(process.env.BOSS_OPTS ?? '{}');
const workOpts = JSON.parse(process.env.WORK_OPTS ?? '{"pollingIntervalSeconds":0.5}');
const boss = new PgBoss({ connectionString: url, ...opts });
boss.on('error', (e: Error) => console.log('ERROR', e.message));
(async () => {
  await boss.start();
  for (const q of queues!.split(',')) {
    await boss.work(q, workOpts, async ([job]) => {
      const j = job as PgBoss.Job<{ ms?: number; label?: string }>;
      const meta = await boss.getJobById(q, j.id);
      console.log(`START ${q} ${j.data?.label ?? j.id} retry=${meta?.retryCount} pid=${process.pid}`);
      await new Promise((r) => setTimeout(r, j.data?.ms ?? 100));
      console.log(`DONE ${q} ${j.data?.label ?? j.id} pid=${process.pid}`);
      return { by: process.pid };
    });
  }
  console.log(`READY pid=${process.pid}`);
})().catch((e) => { console.log('FATAL', e.message); process.exit(1); });
process.on('SIGTERM', async () => { await boss.stop({ graceful: false, wait: false }); process.exit(0); });
