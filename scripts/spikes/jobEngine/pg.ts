// Starts a throwaway PostgreSQL with the project's harness, runs `main(url)`, always stops it.
import { PostgresProcess } from '../../../test/harness/postgres.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';

export async function withPostgres(main: (url: string) => Promise<void>): Promise<void> {
  const pgp = await PostgresProcess.start();
  console.log(`# postgres up on port ${pgp.port} (pid ${pgp.pid})`);
  try {
    await main(pgp.url);
  } finally {
    await pgp.dispose();
    console.log('# postgres stopped');
  }
}

export const t0 = Date.now();
export const ts = () => ((Date.now() - t0) / 1000).toFixed(1).padStart(6) + 's';
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A worker child process running `npx tsx file args`; its stdout lines are forwarded with a prefix and collected. */
export class Child {
  readonly proc: ChildProcess;
  readonly lines: { at: number; line: string }[] = [];
  constructor(readonly name: string, file: string, args: string[], env: Record<string, string> = {}) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: __dirname, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (d: Buffer) => {
      for (const line of d.toString().split('\n').filter(Boolean)) {
        this.lines.push({ at: Date.now(), line });
        console.log(`${ts()} [${name}] ${line}`);
      }
    };
    this.proc.stdout!.on('data', onData);
    this.proc.stderr!.on('data', onData);
  }
  async waitFor(re: RegExp, timeoutMs: number): Promise<{ at: number; line: string } | null> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const hit = this.lines.find((l) => re.test(l.line));
      if (hit) return hit;
      await sleep(100);
    }
    return null;
  }
  kill(signal: NodeJS.Signals = 'SIGKILL') {
    if (this.proc.exitCode === null) this.proc.kill(signal);
  }
  async stop() {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 8000);
    await exited;
    clearTimeout(timer);
  }
}

export async function query(url: string, sql: string, params: unknown[] = []) {
  const c = new pg.Client(url);
  await c.connect();
  try {
    return (await c.query(sql, params)).rows;
  } finally {
    await c.end();
  }
}
