/**
 * Starts a worker thread on a module of the server: the compiled `<name>.js` next to the caller
 * (server/dist, what production runs), or — where the TypeScript sources run without a build
 * (Jest through ts-jest, the benchmark scripts) — `<name>.ts` through a small bootstrap, so that
 * tests exercise the real worker thread rather than an in-thread fallback.
 *
 * The bootstrap transpiles each `.ts` file the worker requires, one file at a time (the project
 * compiles with `isolatedModules`, so a file transpiles alone as it does under ts-jest), and maps
 * `@scanselect/plugin` to the engine's sources as jest.config.js does. It transpiles with
 * esbuild's `transformSync`, not `typescript.transpileModule`: a worker requires the whole
 * engine, which TypeScript took several seconds per worker to transpile and esbuild a fraction of
 * that, and esbuild compiles outside the worker's heap (a `resourceLimits` heap cap applies to
 * the worker's own work in tests as in production).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker, type ResourceLimits } from 'node:worker_threads';

const TS_BOOTSTRAP = `'use strict';
const Module = require('node:module');
const fs = require('node:fs');
const { workerData } = require('node:worker_threads');
const esbuild = require(workerData.esbuild);
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolveFilename.call(this, Object.hasOwn(workerData.aliases, request) ? workerData.aliases[request] : request, ...rest);
};
Module._extensions['.ts'] = (module, filename) => {
  const options = { loader: 'ts', format: 'cjs', target: 'es2022', sourcefile: filename, sourcemap: 'inline' };
  module._compile(esbuild.transformSync(fs.readFileSync(filename, 'utf8'), options).code, filename);
};
require(workerData.entry);
esbuild.stop(); // ends the service thread and process of esbuild's sync API; a later require of a .ts file starts them again`;

/** Options of {@link startWorkerThread}. */
export interface WorkerThreadOptions {
  /** V8 heap limits of the worker (typed arrays live outside them). */
  readonly resourceLimits?: ResourceLimits;
}

/**
 * Starts `<dir>/<name>.js` in a worker thread, or `<dir>/<name>.ts` through the bootstrap when
 * there is no compiled file (see the module comment). `dir` is the caller's `__dirname`.
 */
export function startWorkerThread(dir: string, name: string, options: WorkerThreadOptions = {}): Worker {
  const compiled = path.join(dir, `${name}.js`);
  if (existsSync(compiled)) return new Worker(compiled, options);
  const workerData = {
    entry: path.join(dir, `${name}.ts`),
    esbuild: require.resolve('esbuild'),
    aliases: { '@scanselect/plugin': path.resolve(__dirname, '../../../plugin/src/index.ts') },
  };
  return new Worker(TS_BOOTSTRAP, { ...options, eval: true, workerData });
}
