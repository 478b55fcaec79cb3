// Progress across processes with our own table + LISTEN/NOTIFY: one listener (an API replica), one writer process (a worker).
import pg from 'pg';
import { withPostgres, Child } from './pg';
withPostgres(async (url) => {
  const admin = new pg.Client(url); await admin.connect();
  await admin.query('create table spike_job_progress (job_id int primary key, progress real, updated_at timestamptz)');
  await admin.query('insert into spike_job_progress values (1, 0, now())');
  const listener = new pg.Client(url); await listener.connect();
  const lat: number[] = [];
  listener.on('notification', (n) => { const m = JSON.parse(n.payload!); lat.push(Date.now() - m.sentAt); });
  await listener.query('listen scanselect_jobs');
  const w = new Child('worker', 'notifyWriter.ts', [url]);
  await new Promise((r) => w.proc.once('exit', r));
  await new Promise((r) => setTimeout(r, 200));
  lat.sort((a, b) => a - b);
  console.log(`RESULT ${lat.length}/20 notifications received; latency ms median ${lat[Math.floor(lat.length / 2)]}, max ${lat[lat.length - 1]} (tx 10 held open 500 ms: delivered only at commit)`);
  await listener.end(); await admin.end();
}).catch((e) => { console.error(e); process.exit(1); });
