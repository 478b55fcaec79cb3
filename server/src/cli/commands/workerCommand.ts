import { Command } from 'commander';
import { loadServerConfig } from '../../config/serverConfig';
import { JOB_KINDS } from '../../jobs/pollingJobQueue';
import { createWorker } from '../../runtime/createWorker';
import { clockFromEnvironment } from '../../runtime/testClock';
import { UsageError } from '../errors';

const positiveNumber = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`"${value}" is not a positive number`);
  return n;
};
import { untilSignal } from './serveCommand';

interface WorkerCommandOptions {
  config: string;
  jobs?: string;
  outbox: boolean;
  schedule: boolean;
  name?: string;
  embedded: boolean;
  heartbeatSeconds?: number;
  staleAfterSeconds?: number;
}

/**
 * `scanselect worker --config FILE`: does the work of the service — sync, rounds (training),
 * PACS deliveries, schedules — on the configuration and database the API (`serve`) uses. Stops
 * on SIGINT/SIGTERM (its running job is resumed by the next worker).
 */
export function workerCommand(): Command {
  return new Command('worker')
    .description('Run jobs (sync, rounds, site-encoder training), PACS deliveries and schedules for the service, beside `serve`.')
    .requiredOption('--config <file>', 'the configuration `serve` uses (docs/server.md)')
    .option('--jobs <kinds>', 'only these job kinds, comma-separated (sync, round, train-encoder); default all')
    .option('--no-outbox', 'do not deliver the PACS outbox here')
    .option('--no-schedule', 'do not fire the nightly schedules here')
    .option('--name <name>', "this worker's name in the jobs table (default host:pid:random)")
    .option('--embedded', "run as a server's own worker: end when the server's process is gone", false)
    .option('--heartbeat-seconds <s>', 'how often it says it still runs its job (default 5)', positiveNumber)
    .option('--stale-after-seconds <s>', "take up a job whose worker was silent this long (default 60)", positiveNumber)
    .action(async (options: WorkerCommandOptions) => {
      const config = loadServerConfig(options.config);
      const kinds = options.jobs?.split(',').map((k) => k.trim()).filter((k) => k.length > 0);
      const unknown = kinds?.filter((k) => !(JOB_KINDS as readonly string[]).includes(k)) ?? [];
      if (unknown.length > 0 || kinds?.length === 0) throw new UsageError(`--jobs: ${unknown.join(', ') || 'none given'}; kinds are ${JOB_KINDS.join(', ')}`);
      const now = clockFromEnvironment(process.env, (line) => process.stderr.write(`${line}\n`));
      const worker = await createWorker(config, {
        kinds, ...(now && { now }), outbox: options.outbox, schedule: options.schedule, ...(options.name !== undefined && { name: options.name }),
        ...(options.heartbeatSeconds !== undefined && { heartbeatMs: options.heartbeatSeconds * 1000 }),
        ...(options.staleAfterSeconds !== undefined && { staleAfterMs: options.staleAfterSeconds * 1000 }),
      });
      await worker.start();
      // Its timers do not keep a process alive (they are unref'd) and SQLite holds no socket: an
      // idle worker would end at once. It lives until it is told to stop.
      const alive = setInterval(() => {}, 1 << 30);
      const stopped = untilSignal();
      if (options.embedded && process.send) {
        process.send('started');
        await Promise.race([stopped, new Promise<void>((resolve) => process.once('disconnect', resolve))]);
      } else {
        await stopped;
      }
      clearInterval(alive);
      await worker.stop();
      process.exit(0);
    });
}
