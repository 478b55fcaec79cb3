import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ServerConfig } from '../config/serverConfig';

/** The `scanselect` entry point (bin/scanselect.js), from server/src/runtime or server/dist/runtime alike. */
export const CLI_ENTRY = path.resolve(__dirname, '..', '..', '..', 'bin', 'scanselect.js');

/**
 * The worker process of an API server that runs no jobs itself (`scanselect serve` on SQLite by
 * default): `scanselect worker --embedded` on the server's own configuration (written, with the
 * paths already resolved, to the data directory, readable by the service's user only). It is
 * restarted with back-off when it dies (1 s, 2 s, … 30 s), and ends with its server: stopped by
 * SIGTERM, and by itself when the server's process is gone (the IPC channel closes).
 */
export class EmbeddedWorker {
  private child: ChildProcess | null = null;
  private stopping = false;
  private restarts = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly configFile: string;

  constructor(config: ServerConfig, private readonly log: (line: string) => void, private readonly extraArgs: readonly string[] = []) {
    this.configFile = path.join(config.dataDir, 'worker-config.json');
    writeFileSync(this.configFile, JSON.stringify(config, null, 2), { mode: 0o600 });
  }

  /** The worker's process id while it runs. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  start(): void {
    if (this.child || this.stopping) return;
    const child = spawn(process.execPath, [CLI_ENTRY, 'worker', '--config', this.configFile, '--embedded', ...this.extraArgs], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child = child;
    child.once('message', () => {
      this.restarts = 0; // it started: the next failure is a new one
    });
    child.once('exit', (code, signal) => {
      this.child = null;
      if (this.stopping) return;
      const delay = Math.min(30_000, 1000 * 2 ** this.restarts++);
      this.log(`the worker process ended (${signal ?? `exit ${code}`}); starting it again in ${delay / 1000} s`);
      this.timer = setTimeout(() => this.start(), delay);
      this.timer.unref();
    });
  }

  /** Stops the worker: SIGTERM (its running job is aborted and resumed later), SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(killer);
  }
}
