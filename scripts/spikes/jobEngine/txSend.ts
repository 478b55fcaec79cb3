// pg-boss 10: enqueue inside OUR transaction (send's `db` option): rolled back -> no job; committed -> job.
// Also fetch() with includeMetadata from a per-project queue (what a round loop of ours would call).
import PgBoss from 'pg-boss';
import pg from 'pg';
import { withPostgres, query } from './pg';
withPostgres(async (url) => {
  const boss = new PgBoss({ connectionString: url, schedule: false, supervise: false });
  await boss.start();
  await boss.createQueue('deliver', { name: 'deliver', policy: 'short' });
  await query(url, 'create table spike_mask (id int primary key)');
  const c = new pg.Client(url); await c.connect();
  const db = { executeSql: (text: string, values: unknown[]) => c.query(text, values) };
  for (const [id, end] of [[1, 'rollback'], [2, 'commit']] as const) {
    await c.query('begin');
    await c.query('insert into spike_mask values ($1)', [id]);
    const jobId = await boss.send('deliver', { mask: id }, { db, singletonKey: `mask-${id}` } as PgBoss.SendOptions);
    await c.query(end);
    console.log(`mask ${id}: send -> ${jobId ? 'id' : 'null'}, ${end}`);
  }
  console.log('RESULT deliver jobs:', await query(url, `select data from pgboss.job where name='deliver'`), 'masks:', await query(url, 'select id from spike_mask'));
  await boss.createQueue('round__7', { name: 'round__7', policy: 'stately', expireInSeconds: 5400, retryLimit: 2, retryBackoff: true, retryDelay: 30 });
  await boss.send('round__7', { project: 7 });
  const [job] = await boss.fetch('round__7', { includeMetadata: true });
  console.log('RESULT fetch with metadata:', { id: !!job?.id, retryCount: (job as PgBoss.JobWithMetadata).retryCount, expireIn: (job as PgBoss.JobWithMetadata).expireIn, state: (job as PgBoss.JobWithMetadata).state });
  await c.end();
  await boss.stop({ graceful: false, wait: true });
}).catch((e) => { console.error(e); process.exit(1); });
