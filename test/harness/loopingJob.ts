import type { JobHandler } from '../../server/src/jobs/jobRunner';

/**
 * A job that runs until it is stopped: progress, and a look at its signal, every 20 ms;
 * `started` records the id of each run (for cancel and take-over tests).
 */
export const loopingJob = (started: number[]): JobHandler => async (job, { signal, progress }) => {
  started.push(job.id);
  for (let step = 0; ; step++) {
    if (signal.aborted) throw signal.reason;
    progress(Math.min(0.99, step / 1000), `step ${step}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
