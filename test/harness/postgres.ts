/**
 * A real PostgreSQL for tests: Debian's server binaries (`initdb`, `postgres`), a fresh cluster in
 * a temporary folder, started as a foreground child process on a free port of 127.0.0.1 with its
 * socket in that folder, stopped by its PID. PostgreSQL refuses to run as root: when the tests run
 * as root (CI), the cluster belongs to the `postgres` user of the Debian package and both commands
 * run as that user (`runuser`). Trust authentication on loopback only; `fsync` off (a test
 * cluster's durability is not under test; the server's own fsyncs are).
 *
 * Install: `apt-get install -y postgresql` (done by `.ci/run`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './orthanc';

/** The newest installed PostgreSQL's bin directory, or null. */
export function postgresBinDir(): string | null {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base).filter((v) => /^\d+$/.test(v) && existsSync(path.join(base, v, 'bin', 'postgres'))).sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? path.join(base, versions[0]!, 'bin') : null;
}

/** Why PostgreSQL tests cannot run here, or null when they can (tests print it when they skip). */
export function postgresUnavailable(): string | null {
  if (!postgresBinDir()) return 'PostgreSQL is not installed (apt-get install -y postgresql)';
  if (process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres']).status !== 0) return 'running as root and there is no "postgres" user to run PostgreSQL as';
  return null;
}

/** A running PostgreSQL cluster of a test. */
export class PostgresProcess {
  private child: ChildProcess | null = null;
  private log = '';

  private constructor(readonly dir: string, readonly port: number, private readonly asUser: string | null) {}

  /** Connection URL of the `postgres` database as the cluster's superuser. */
  get url(): string {
    return `postgresql://${this.asUser ?? os.userInfo().username}@127.0.0.1:${this.port}/postgres`;
  }

  /** The server's own output so far (for failure messages). */
  get output(): string {
    return this.log;
  }

  /** `initdb` into a fresh temporary folder, then starts the server and waits until it accepts connections. */
  static async start(): Promise<PostgresProcess> {
    const why = postgresUnavailable();
    if (why) throw new Error(why);
    const asUser = process.getuid?.() === 0 ? 'postgres' : null;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'scanselect-postgres-'));
    if (asUser) {
      const uid = Number(spawnSync('id', ['-u', asUser]).stdout.toString().trim());
      const gid = Number(spawnSync('id', ['-g', asUser]).stdout.toString().trim());
      chownSync(dir, uid, gid);
    }
    chmodSync(dir, 0o700);
    const pg = new PostgresProcess(dir, await freePort(), asUser);
    const init = pg.run('initdb', ['-D', path.join(dir, 'data'), '-A', 'trust', '-U', asUser ?? os.userInfo().username, '--no-sync', '-E', 'UTF8', '--locale', 'C']);
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr.toString()}${init.stdout.toString()}`);
    await pg.launch();
    return pg;
  }

  /** Runs one of the cluster's binaries (as the `postgres` user when this process is root). */
  private run(binary: string, args: readonly string[]): ReturnType<typeof spawnSync> {
    const file = path.join(postgresBinDir()!, binary);
    return this.asUser ? spawnSync('runuser', ['-u', this.asUser, '--', file, ...args]) : spawnSync(file, args);
  }

  private async launch(): Promise<void> {
    const file = path.join(postgresBinDir()!, 'postgres');
    const args = ['-D', path.join(this.dir, 'data'), '-p', String(this.port), '-k', this.dir, '-h', '127.0.0.1', '-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'max_connections=100'];
    const child = this.asUser ? spawn('runuser', ['-u', this.asUser, '--', file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => (this.log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.log += d.toString()));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`PostgreSQL exited (${child.exitCode}): ${this.log}`);
      if (this.run('pg_isready', ['-h', '127.0.0.1', '-p', String(this.port), '-q']).status === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`PostgreSQL did not accept connections within 60 s: ${this.log}`);
  }

  /** The postmaster's PID (from `postmaster.pid`; not runuser's), or null when it is not running. */
  get pid(): number | null {
    try {
      const pid = Number(readFileSync(path.join(this.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
      return Number.isInteger(pid) && pid > 0 ? pid : null;
    } catch {
      return null;
    }
  }

  /**
   * Stops the server by its PID (fast shutdown: SIGINT to the postmaster — runuser does not pass
   * signals on) and waits until it has exited; SIGKILL after 20 s.
   */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const pid = this.pid;
    if (pid !== null) process.kill(pid, 'SIGINT');
    else child.kill('SIGINT');
    const killer = setTimeout(() => {
      if (pid !== null) process.kill(pid, 'SIGKILL');
      child.kill('SIGKILL');
    }, 20_000);
    await exited;
    clearTimeout(killer);
  }

  /** Stops it and deletes the cluster. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
