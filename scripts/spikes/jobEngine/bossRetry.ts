// pg-boss 10: a job failing twice, retryDelay 2 s with retryBackoff. When are the attempts started?
import PgBoss from 'pg-boss';
import { withPostgres, sleep } from './pg';
withPostgres(async (url) => {
  const boss = new PgBoss({ connectionString: url, schedule: false, supervise: false });
  await boss.start();
  await boss.createQueue('sync', { name: 'sync', retryLimit: 3, retryDelay: 2, retryBackoff: true });
  const starts: number[] = [];
  const t = Date.now();
  await boss.work('sync', { pollingIntervalSeconds: 0.5 }, async () => {
    starts.push(Date.now() - t);
    if (starts.length <= 2) throw new Error(`planned failure ${starts.length}`);
  });
  await boss.send('sync', {});
  await sleep(16_000);
  console.log(`RESULT attempts started at ${starts.map((s) => (s / 1000).toFixed(1)).join(', ')} s (formula: delay = retryDelay·2^(n)/2·(1+random) → [2,4] s then [4,8] s)`);
  await boss.stop({ graceful: false, wait: true });
}).catch((e) => { console.error(e); process.exit(1); });
