/**
 * A ScanSelect server for tests: `createServer` with a configuration of the test's choosing, a
 * temporary data directory, one token per role, listening on a free port of 127.0.0.1; plus a
 * small HTTP client that answers status, JSON (or bytes) and the request id. Its database is
 * SQLite in the data directory, or a PostgreSQL database of its own under
 * `SCANSELECT_TEST_DATABASE=postgres` (test/harness/testDatabase.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseServerConfig } from '../../server/src/config/serverConfig';
import { createServer, type ScanSelectServer, type ServerOptions } from '../../server/src/server';
import { dropTestDatabase, testDatabaseFor } from './testDatabase';

export type RoleName = 'admin' | 'annotator' | 'service';

export interface TestServer {
  readonly server: ScanSelectServer;
  readonly url: string;
  readonly dir: string;
  readonly token: Record<RoleName, string>;
  /** What the server logged (operator log lines). */
  readonly logs: readonly string[];
  call(method: string, route: string, options?: CallOptions): Promise<CallResult>;
  /** Stops the server (the data directory stays, for a restart). */
  stop(): Promise<void>;
  /** Stops it and deletes the data directory (and its PostgreSQL database). */
  dispose(): Promise<void>;
}

export interface CallOptions {
  readonly role?: RoleName;
  readonly token?: string;
  readonly json?: unknown;
  readonly body?: Uint8Array | string;
  readonly type?: string;
}

export interface CallResult {
  readonly status: number;
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test assertions read arbitrary response shapes
  readonly bytes: Buffer;
  readonly headers: Headers;
  readonly requestId: string | null;
}

/**
 * Starts a server on `config` (sources, projects …) with its data in `dir` (a new temporary
 * folder by default; a restart passes the same one, and finds the same database). A config with
 * a `database` of its own keeps it.
 */
export async function startTestServer(config: Record<string, unknown>, options: Partial<ServerOptions> & { dir?: string } = {}): Promise<TestServer> {
  const dir = options.dir ?? mkdtempSync(path.join(os.tmpdir(), 'scanselect-server-'));
  const database = 'database' in config ? undefined : await testDatabaseFor(dir);
  // On PostgreSQL, the job engine's waits made test-sized: a retry or a job handed back by a stop
  // resumes within a second or two, a killed worker's job is taken up after 30 s.
  const jobs = database && { jobs: { retryDelaySeconds: 1, maintenanceIntervalSeconds: 1, pollSeconds: 0.5, timeoutSeconds: { sync: 60, round: 30 } } };
  const parsed = parseServerConfig({ dataDir: path.join(dir, 'data'), ...(database && { database }), ...jobs, ...config }, dir);
  const lines: string[] = [];
  const server = await createServer(parsed, { version: '0.0.0-test', log: (l) => lines.push(l), outboxIntervalMs: 200, ...options });
  const token = {} as Record<RoleName, string>;
  for (const role of ['admin', 'annotator', 'service'] as const) token[role] = (await server.tokens.create(`${role} tester`, role)).token;
  const url = await server.listen(0, '127.0.0.1');
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await server.close();
  };
  return {
    server, url, dir, token, logs: lines,
    call: async (method, route, o = {}) => {
      const headers: Record<string, string> = {};
      const bearer = o.token ?? (o.role ? token[o.role] : undefined);
      if (bearer) headers.Authorization = `Bearer ${bearer}`;
      let body: Uint8Array | string | undefined = o.body;
      if (o.json !== undefined) {
        body = JSON.stringify(o.json);
        headers['Content-Type'] = 'application/json';
      }
      if (o.type) headers['Content-Type'] = o.type;
      const response = await fetch(`${url}${route}`, { method, headers, ...(body !== undefined && { body }) });
      const bytes = Buffer.from(await response.arrayBuffer());
      const isJson = (response.headers.get('content-type') ?? '').includes('json');
      return { status: response.status, json: isJson && bytes.length > 0 ? JSON.parse(bytes.toString('utf8')) : null, bytes, headers: response.headers, requestId: response.headers.get('x-request-id') };
    },
    stop,
    dispose: async () => {
      await stop();
      await dropTestDatabase(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until no job is queued or running. */
export async function waitForJobs(server: ScanSelectServer, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const busy = (await server.ctx.jobs.list({ state: 'queued' })).length + (await server.ctx.jobs.list({ state: 'running' })).length;
    if (busy === 0) return;
    if (Date.now() > deadline) throw new Error('jobs did not finish in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
