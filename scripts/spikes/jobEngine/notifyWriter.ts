// A "worker" process: 20 progress updates, each one transaction: UPDATE our row + pg_notify (delivered at commit).
import pg from 'pg';
(async () => {
  const c = new pg.Client(process.argv[2]);
  await c.connect();
  for (let i = 1; i <= 20; i++) {
    await c.query('begin');
    await c.query('update spike_job_progress set progress = $1, updated_at = now() where job_id = 1', [i / 20]);
    await c.query(`select pg_notify('scanselect_jobs', $1)`, [JSON.stringify({ jobId: 1, progress: i / 20, sentAt: Date.now() })]);
    if (i === 10) { await new Promise((r) => setTimeout(r, 500)); console.log(`held tx 10 open 500 ms before commit`); }
    await c.query('commit');
    await new Promise((r) => setTimeout(r, 50));
  }
  await c.end();
})();
