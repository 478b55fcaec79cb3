import { missedRun, parseCron } from './cronSchedule';
import type { ServerContext } from '../domain/context';

/**
 * The nightly runs. Every tick (and once at start) each project whose cron schedule has a run
 * in (its last scheduled run, now] gets a sync job that queues a round when one is due. The last
 * scheduled run is stored, so schedules survive restarts, and a run missed while the server was
 * down is run once at start (not once per missed night). A project counts from its creation.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly ctx: ServerContext, private readonly intervalMs = 30_000, private readonly log: (line: string) => void = () => {}) {}

  /** Starts ticking; resolves when the first tick (the catch-up of a run missed while stopped) is done. */
  async start(): Promise<void> {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tickLogged(), this.intervalMs);
    this.timer.unref();
    await this.tickLogged();
  }

  private async tickLogged(): Promise<void> {
    try {
      await this.tick();
    } catch (error) {
      this.log(`schedule: ${(error as Error).message}`);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Queues what is due now; returns the ids of the projects it queued a run for. */
  async tick(): Promise<number[]> {
    const now = this.ctx.now();
    const started: number[] = [];
    for (const project of await this.ctx.projects.list()) {
      const { schedule, timeZone } = project.settings;
      if (!schedule || project.settings.status !== 'active') continue; // paused or archived: no nightly run
      let due: Date | null;
      try {
        due = missedRun(parseCron(schedule), new Date(project.lastScheduledRun ?? project.createdAt), now, timeZone);
      } catch (error) {
        this.log(`project ${project.id}: schedule "${schedule}" cannot be evaluated: ${(error as Error).message}`);
        continue;
      }
      if (!due) continue;
      // Only the scheduler that records this run queues it (several workers may look at once),
      // in the same transaction: a crash between the two neither loses nor doubles the run.
      const recorded = await this.ctx.sql.transaction(async (tx) => {
        if (!(await this.ctx.projects.markScheduledRun(project.id, due, tx))) return false;
        if (!(await this.ctx.jobs.pending('sync', project.id, tx))) {
          const job = await this.ctx.queue.enqueue('sync', project.id, { then: 'round-if-due', scheduledFor: due.toISOString() }, tx);
          await this.ctx.audit.record('schedule', 'sync.queue', project.id, { job: job.id, scheduledFor: due.toISOString() }, tx);
        }
        return true;
      });
      if (recorded) started.push(project.id);
    }
    return started;
  }
}
