/** The environment variable that starts a process's clock at another time (tests of schedules across processes). */
export const TEST_CLOCK_ENV = 'SCANSELECT_TEST_CLOCK';

/**
 * A clock that starts at the ISO time in `SCANSELECT_TEST_CLOCK` and runs at the real pace, or
 * undefined (the system clock) when it is not set. It lets a test see a nightly schedule fire
 * across several worker processes without waiting for the night; the process says so in its log.
 */
export function clockFromEnvironment(env: NodeJS.ProcessEnv, log: (line: string) => void): (() => Date) | undefined {
  const value = env[TEST_CLOCK_ENV];
  if (value === undefined || value === '') return undefined;
  const start = Date.parse(value);
  if (!Number.isFinite(start)) throw new Error(`${TEST_CLOCK_ENV}="${value}" is not an ISO date and time`);
  const offset = start - Date.now();
  log(`${TEST_CLOCK_ENV} is set: this process's clock starts at ${new Date(start).toISOString()} (for tests only)`);
  return () => new Date(Date.now() + offset);
}
