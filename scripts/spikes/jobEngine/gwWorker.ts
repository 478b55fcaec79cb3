// A graphile-worker 0.17 worker process. argv: url. env: GW_OPTS (extra RunnerOptions, JSON), GW_CRONTAB.
// Tasks sleep for payload.ms (no CPU) and log START/DONE for the controller.
import { run, Logger, parseCronItems, type Task } from 'graphile-worker';
import { Cron } from 'croner';
const [url] = process.argv.slice(2);
const extra = JSON.parse(process.env.GW_OPTS ?? '{}');
const logger = new Logger(() => (level: string, message: string) => {
  if (level === 'error' || level === 'warning') console.log(`GW-${level} ${message.split('\n')[0]}`);
});
const sleepTask: Task = async (payload, helpers) => {
  const p = payload as { ms?: number; label?: string; fail?: number };
  console.log(`START ${helpers.job.task_identifier} ${p.label ?? helpers.job.id} attempt=${helpers.job.attempts} queue=${helpers.job.queue_name ?? '-'} lockedBy=${helpers.job.locked_by} pid=${process.pid}`);
  if (p.fail && helpers.job.attempts <= p.fail) throw new Error(`planned failure ${helpers.job.attempts}`);
  await new Promise((r) => setTimeout(r, p.ms ?? 100));
  console.log(`DONE ${helpers.job.task_identifier} ${p.label ?? helpers.job.id} pid=${process.pid}`);
};
// The nightly dispatcher: fires once per UTC minute cluster-wide (graphile's known_crontabs), evaluates each
// project's own cron in its own time zone (croner, as our server does today) for that minute, queues a sync.
const nightlyTick: Task = async (payload, helpers) => {
  const ts = new Date((payload as { _cron: { ts: string } })._cron.ts);
  console.log(`START nightly_tick ${ts.toISOString()} pid=${process.pid}`);
  const projects = await helpers.withPgClient((c) => c.query<{ id: string; cron: string; tz: string }>('select id, cron, tz from spike_project'));
  for (const p of projects.rows) {
    const next = new Cron(p.cron, { timezone: p.tz }).nextRun(new Date(ts.getTime() - 1000));
    if (next && Math.floor(next.getTime() / 60000) === Math.floor(ts.getTime() / 60000)) {
      await helpers.addJob('sync', { label: `nightly-${p.id}-${ts.toISOString()}` }, { jobKey: `nightly:${p.id}:${ts.toISOString()}`, queueName: `project:${p.id}` });
      console.log(`TICK ${ts.toISOString()} queued nightly sync for ${p.id} pid=${process.pid}`);
    }
  }
};
(async () => {
  const crontab = process.env.GW_CRONTAB;
  const runner = await run({
    connectionString: url,
    concurrency: 1,
    pollInterval: 500,
    logger,
    taskList: { round: sleepTask, sync: sleepTask, nightly_tick: nightlyTick },
    ...(crontab ? { parsedCronItems: parseCronItems(JSON.parse(crontab)) } : {}),
    ...extra,
  });
  runner.events.on('pool:listen:success', () => console.log(`LISTENING pid=${process.pid}`));
  console.log(`READY pid=${process.pid}`);
  await runner.promise;
})().catch((e) => { console.log('FATAL', e.message); process.exit(1); });
