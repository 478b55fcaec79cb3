/**
 * `scanselect serve` and `scanselect worker` as real processes (the built CLI), for tests of the
 * cluster: started with their own environment, their output kept, waited for by a line they
 * print, stopped with a signal or killed with SIGKILL (as a node or the kernel would).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const BIN = path.join(__dirname, '..', '..', 'bin', 'scanselect.js');

export class CliProcess {
  private output = '';
  private readonly exited: Promise<number | null>;

  private constructor(readonly name: string, private readonly child: ChildProcess) {
    child.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Starts `scanselect …args` and waits until its output matches `ready` (60 s). */
  static async start(name: string, args: readonly string[], ready: RegExp, env: NodeJS.ProcessEnv = {}): Promise<CliProcess> {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const started = new CliProcess(name, child);
    try {
      await started.waitFor(ready, 60_000);
    } catch (error) {
      await started.kill();
      throw error;
    }
    return started;
  }

  /** Its exit code once it has exited (null while it runs, or when a signal ended it). */
  get exitCode(): number | null {
    return this.child.exitCode;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Everything it printed so far. */
  get log(): string {
    return this.output;
  }

  /** The first match of `pattern` in its output, waited for. */
  async waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.output);
      if (match) return match;
      if (this.child.exitCode !== null) throw new Error(`${this.name} exited (${this.child.exitCode}) before printing ${pattern}:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`${this.name} did not print ${pattern} within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGKILL: no handler runs, nothing is flushed or handed back. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, as an orchestrator stops a pod; SIGKILL after `graceMs`. */
  async stop(graceMs = 20_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
