import { CancelledError } from '@scanselect/plugin';

/**
 * Runs a training `run` that Ctrl-C stops cleanly: SIGINT aborts the signal it gets (checked
 * between steps), a cancelled run says that nothing was saved and rethrows; the handler is removed
 * however the run ends.
 */
export async function cancelOnSigint<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    return await run(controller.signal);
  } catch (error) {
    if (error instanceof CancelledError) process.stderr.write('training cancelled; nothing saved\n');
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
