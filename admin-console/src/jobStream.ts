import { createParser } from 'eventsource-parser';
import type { Job } from './types';

/** The most characters one event may buffer: a job event is well under a kilobyte. */
const MAX_EVENT_CHARS = 1 << 20;

/**
 * Follows `/api/events?project=` (Server-Sent Events read with fetch: an EventSource cannot send
 * the bearer token) and calls `onJob` for every job change; reconnects after a drop, with back-off.
 * Returns a function that stops it.
 */
export function followJobs(token: string, projectId: number | null, onJob: (job: Job) => void, onState: (connected: boolean) => void): () => void {
  const controller = new AbortController();
  let delay = 1000;
  const run = async (): Promise<void> => {
    while (!controller.signal.aborted) {
      try {
        const response = await fetch(`/api/events${projectId === null ? '' : `?project=${projectId}`}`, { headers: { Authorization: `Bearer ${token}` }, signal: controller.signal });
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        onState(true);
        delay = 1000;
        const parser = createParser({
          maxBufferSize: MAX_EVENT_CHARS,
          onEvent: (event) => {
            if (event.event !== 'job') return;
            try {
              onJob(JSON.parse(event.data) as Job);
            } catch {
              // a malformed event is skipped; the next one tells the truth
            }
          },
        });
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch {
        if (controller.signal.aborted) return;
      }
      onState(false);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(30_000, delay * 2);
    }
  };
  void run();
  return () => controller.abort();
}

/**
 * Estimated seconds left of a running job, from its progress since the console first saw it
 * (progress is not linear in time — training and prediction differ — so this is a rough guide).
 */
export function etaSeconds(first: { at: number; progress: number }, now: { at: number; progress: number }): number | null {
  const done = now.progress - first.progress;
  const elapsed = (now.at - first.at) / 1000;
  if (done <= 0.01 || elapsed < 2 || now.progress >= 1) return null;
  return ((1 - now.progress) * elapsed) / done;
}
