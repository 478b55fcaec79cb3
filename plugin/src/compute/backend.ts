/**
 * Chooses and initialises the tfjs compute backend the engine trains and infers with.
 *
 * Order of preference ('auto'): `tensorflow` (native libtensorflow through
 * `@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node`), then `wasm` (XNNPACK, with the
 * training kernels of ./wasmTrainingKernels), then `cpu` (plain JavaScript, ~50–100× slower for
 * convolutions). A preference set by the `backend` option or the `SCANSELECT_BACKEND` environment
 * variable is tried first; if it cannot be loaded the remaining backends are tried in the usual
 * order, and {@link ComputeInfo} records why.
 */
import * as os from 'os';
import * as path from 'path';
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidInputError } from '../core/errors';
import { registerWasmTrainingKernels } from './wasmTrainingKernels';

/** A concrete compute backend. */
export type ComputeBackendName = 'tensorflow' | 'wasm' | 'cpu';
/** What the caller may ask for: a backend, or 'auto' for the default order of preference. */
export type ComputeBackendRequest = 'auto' | ComputeBackendName;

/** Options of {@link initCompute}. */
export interface ComputeOptions {
  /** Preferred backend; 'auto' (or absent) defers to `SCANSELECT_BACKEND`, then the default order. */
  backend?: ComputeBackendRequest;
  /**
   * Threads for the backend's thread pool. Passed to tfjs-backend-wasm's `setThreadsCount`; note
   * that tfjs-backend-wasm 4.22 never enables wasm threads under Node (tfjs issue #3830), so there
   * it runs on one thread whatever this says (ComputeInfo.threads reports what is really used).
   */
  threads?: number;
}

/** What {@link initCompute} chose and why. */
export interface ComputeInfo {
  /** The backend in use (also the name tfjs knows it by). */
  backend: ComputeBackendName;
  /** What was asked for, after applying option and environment. */
  requested: ComputeBackendRequest;
  /** Where `requested` came from. */
  requestedBy: 'option' | 'env' | 'default';
  /** For every backend not in use: why not. */
  notChosen: Partial<Record<ComputeBackendName, string>>;
  /** The package that provides the `tensorflow` backend, when it is in use. */
  tensorflowPackage?: string;
  /** GPU name when the native backend reports one, else the CPU model from `os.cpus()`. */
  device: string;
  /** 'gpu' when the native backend runs on a GPU. */
  deviceKind: 'gpu' | 'cpu';
  /** Logical CPU cores of this machine. */
  cpuCount: number;
  /** Threads the chosen backend computes with. */
  threads: number;
  /** wasm details, when wasm is in use. */
  wasm?: {
    /** SIMD build in use. */
    simd: boolean;
    /** Multi-threaded build in use. */
    threads: boolean;
    /** Directory the .wasm binaries were loaded from. */
    wasmDir: string;
    /** Kernels registered by ScanSelect so that training works on wasm. */
    trainingKernels: string[];
  };
  /** tfjs-core version. */
  tfjsVersion: string;
}

/** The environment variable that overrides the default order of preference. */
export const BACKEND_ENV_VAR = 'SCANSELECT_BACKEND';

const ORDER: readonly ComputeBackendName[] = ['tensorflow', 'wasm', 'cpu'];
const REQUESTS: readonly ComputeBackendRequest[] = ['auto', ...ORDER];
/** Packages providing the `tensorflow` backend, most capable first. */
const TENSORFLOW_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

function isRequest(value: string): value is ComputeBackendRequest {
  return (REQUESTS as readonly string[]).includes(value);
}

function parseRequest(value: unknown, source: string): ComputeBackendRequest {
  if (typeof value === 'string' && isRequest(value.trim().toLowerCase())) {
    return value.trim().toLowerCase() as ComputeBackendRequest;
  }
  throw new InvalidInputError(
    'invalid-option',
    `${source}: unknown compute backend ${JSON.stringify(value)}; expected one of ${REQUESTS.join(', ')}`,
  );
}

/** Result of trying one backend. */
type Attempt = { ok: true; info: Omit<ComputeInfo, 'requested' | 'requestedBy' | 'notChosen'> } | { ok: false; reason: string };

function cpuModel(): string {
  const model = os.cpus()[0]?.model.trim();
  return model !== undefined && model !== '' ? model : 'unknown CPU';
}

function cpuCount(): number {
  return Math.max(1, os.cpus().length);
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Whether `e` is Node's "cannot find module X" for module `name` itself (not one of its dependencies). */
function isMissingModule(e: unknown, name: string): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const code = (e as { code?: unknown }).code;
  return code === 'MODULE_NOT_FOUND' && errorMessage(e).includes(`'${name}'`);
}

/** Is `name` resolvable from here? Used to explain skipped backends without loading them. */
function isInstalled(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

/** Loads a module whose name is only known at run time (the optional native packages). */
async function loadOptional(name: string): Promise<unknown> {
  // A non-literal specifier keeps TypeScript from requiring the (absent) type declarations.
  const mod: unknown = await import(name);
  return mod;
}

/** Best-effort GPU name from tfjs-node-gpu; it exposes only whether a GPU is used. */
function gpuDeviceName(): string | undefined {
  const backend: unknown = tf.backend();
  if (typeof backend !== 'object' || backend === null) return undefined;
  const flag = (backend as { isUsingGpuDevice?: unknown }).isUsingGpuDevice;
  if (flag !== true) return undefined;
  // libtensorflow does not report the model name through tfjs-node; CUDA's own variable is the
  // best hint of which GPU was picked.
  const visible = process.env['CUDA_VISIBLE_DEVICES'];
  return visible !== undefined && visible !== '' ? `CUDA GPU (CUDA_VISIBLE_DEVICES=${visible})` : 'CUDA GPU';
}

async function tryTensorflow(): Promise<Attempt> {
  const failures: string[] = [];
  for (const pkg of TENSORFLOW_PACKAGES) {
    try {
      await loadOptional(pkg);
    } catch (e) {
      failures.push(isMissingModule(e, pkg) ? `module ${pkg} not installed` : `module ${pkg} failed to load: ${errorMessage(e)}`);
      continue;
    }
    if (!(await tf.setBackend('tensorflow'))) {
      failures.push(`module ${pkg} loaded but the tensorflow backend did not initialise`);
      continue;
    }
    const gpu = gpuDeviceName();
    return {
      ok: true,
      info: {
        backend: 'tensorflow',
        tensorflowPackage: pkg,
        device: gpu ?? cpuModel(),
        deviceKind: gpu !== undefined ? 'gpu' : 'cpu',
        cpuCount: cpuCount(),
        // libtensorflow sizes its intra-op pool to the core count by default.
        threads: cpuCount(),
        tfjsVersion: tf.version_core,
      },
    };
  }
  return { ok: false, reason: failures.join('; ') };
}

/** Directory holding tfjs-backend-wasm's .wasm binaries, resolved from the package itself so any cwd works. */
export function wasmBinaryDir(): string {
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
}

let wasmPathsSet = false;

async function tryWasm(threads: number | undefined): Promise<Attempt> {
  let wasmDir: string;
  try {
    wasmDir = wasmBinaryDir();
  } catch (e) {
    return { ok: false, reason: isMissingModule(e, '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm') ? 'module @tensorflow/tfjs-backend-wasm not installed' : errorMessage(e) };
  }
  const wasmPkg = await import('@tensorflow/tfjs-backend-wasm');
  if (!wasmPathsSet) {
    // Emscripten would otherwise look for the binaries next to the calling script (wrong under jest and dist/).
    wasmPkg.setWasmPaths(wasmDir + path.sep);
    if (threads !== undefined) wasmPkg.setThreadsCount(threads);
    wasmPathsSet = true;
  }
  if (!(await tf.setBackend('wasm'))) {
    const missing = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'].filter((f) => !fs.existsSync(path.join(wasmDir, f)));
    return { ok: false, reason: missing.length > 0 ? `wasm binaries missing in ${wasmDir}: ${missing.join(', ')}` : 'wasm backend failed to initialise (see the tfjs warning above)' };
  }
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const multithread = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) === true;
  const trainingKernels = registerWasmTrainingKernels();
  return {
    ok: true,
    info: {
      backend: 'wasm',
      device: cpuModel(),
      deviceKind: 'cpu',
      cpuCount: cpuCount(),
      threads: multithread && simd ? Math.max(1, wasmPkg.getThreadsCount()) : 1,
      wasm: { simd, threads: multithread && simd, wasmDir, trainingKernels },
      tfjsVersion: tf.version_core,
    },
  };
}

async function tryCpu(): Promise<Attempt> {
  try {
    await import('@tensorflow/tfjs-backend-cpu');
  } catch (e) {
    return { ok: false, reason: isMissingModule(e, '@tensorflow/tfjs-backend-cpu') ? 'module @tensorflow/tfjs-backend-cpu not installed' : errorMessage(e) };
  }
  if (!(await tf.setBackend('cpu'))) return { ok: false, reason: 'cpu backend did not initialise' };
  return {
    ok: true,
    info: { backend: 'cpu', device: cpuModel(), deviceKind: 'cpu', cpuCount: cpuCount(), threads: 1, tfjsVersion: tf.version_core },
  };
}

function attempt(name: ComputeBackendName, options: ComputeOptions): Promise<Attempt> {
  switch (name) {
    case 'tensorflow':
      return tryTensorflow();
    case 'wasm':
      return tryWasm(options.threads);
    case 'cpu':
      return tryCpu();
  }
}

/** Why a backend that was never tried was skipped. */
function skippedReason(name: ComputeBackendName, chosen: ComputeBackendName, requested: ComputeBackendRequest, requestedBy: ComputeInfo['requestedBy']): string {
  const by = requestedBy === 'env' ? ` by ${BACKEND_ENV_VAR}` : requestedBy === 'option' ? ' by the backend option' : '';
  let reason = requested === chosen && requestedBy !== 'default'
    ? `skipped: ${chosen} preferred${by}`
    : `skipped: ${chosen} comes first in the order of preference (${ORDER.join(' > ')})`;
  if (name === 'tensorflow') {
    const installed = TENSORFLOW_PACKAGES.filter(isInstalled);
    reason += installed.length > 0 ? ` (${installed.join(', ')} installed)` : ` (${TENSORFLOW_PACKAGES.map((p) => `module ${p} not installed`).join('; ')})`;
  }
  return reason;
}

let cached: { key: string; info: Promise<ComputeInfo> } | undefined;

/**
 * Selects, loads and initialises the compute backend (see the module comment for the order of
 * preference), registers the wasm training kernels when wasm is chosen, and makes the choice
 * the active tfjs backend. Idempotent: calls with the same effective request return the same
 * {@link ComputeInfo} object without re-initialising.
 * @throws (rejects with) InvalidInputError('invalid-option') for an unknown backend name (option or
 *   env var) or a bad thread count; Error when no backend at all can be initialised.
 */
export async function initCompute(options: ComputeOptions = {}): Promise<ComputeInfo> {
  if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
    throw new InvalidInputError('invalid-option', `threads must be a positive integer, got ${options.threads}`);
  }
  const fromOption = options.backend === undefined ? 'auto' : parseRequest(options.backend, 'backend option');
  const envValue = process.env[BACKEND_ENV_VAR];
  const fromEnv = envValue === undefined || envValue.trim() === '' ? 'auto' : parseRequest(envValue, BACKEND_ENV_VAR);
  const requested = fromOption !== 'auto' ? fromOption : fromEnv;
  const requestedBy: ComputeInfo['requestedBy'] = fromOption !== 'auto' ? 'option' : fromEnv !== 'auto' ? 'env' : 'default';
  const key = `${requested}|${requestedBy}|${options.threads ?? ''}`;
  if (cached !== undefined && cached.key === key) return cached.info;

  const run = async (): Promise<ComputeInfo> => {
    const order = requested === 'auto' ? ORDER : [requested, ...ORDER.filter((b) => b !== requested)];
    const notChosen: Partial<Record<ComputeBackendName, string>> = {};
    for (const name of order) {
      const result = await attempt(name, options);
      if (!result.ok) {
        notChosen[name] = result.reason;
        continue;
      }
      for (const other of ORDER) {
        if (other !== name && notChosen[other] === undefined) notChosen[other] = skippedReason(other, name, requested, requestedBy);
      }
      return { ...result.info, requested, requestedBy, notChosen };
    }
    throw new Error(`no tfjs backend could be initialised: ${ORDER.map((b) => `${b}: ${notChosen[b] ?? '?'}`).join('; ')}`);
  };
  const info = run();
  cached = { key, info };
  // A failed initialisation must not stay cached: the next call should try again.
  info.catch(() => {
    if (cached?.info === info) cached = undefined;
  });
  return info;
}

/**
 * Forgets the cached result of {@link initCompute} so that the next call selects again. For tests;
 * it does not change the active tfjs backend.
 */
export function resetComputeCache(): void {
  cached = undefined;
}

/** Human-readable lines describing `info`, for `scanselect doctor`. */
export function describeCompute(info: ComputeInfo): string[] {
  const lines: string[] = [];
  const source = info.requestedBy === 'env' ? ` (from ${BACKEND_ENV_VAR})` : info.requestedBy === 'option' ? ' (from the backend option)' : '';
  lines.push(`compute backend: ${info.backend}${info.tensorflowPackage !== undefined ? ` via ${info.tensorflowPackage}` : ''} — requested ${info.requested}${source}; tfjs-core ${info.tfjsVersion}`);
  if (info.requested !== 'auto' && info.requested !== info.backend) {
    lines.push(`warning: ${info.requested} was requested but could not be used; fell back to ${info.backend}`);
  }
  lines.push(`device: ${info.device} (${info.deviceKind}; ${info.cpuCount} logical CPU core${info.cpuCount === 1 ? '' : 's'})`);
  if (info.wasm !== undefined) {
    lines.push(`threads: ${info.threads} (wasm SIMD ${info.wasm.simd ? 'on' : 'off'}, wasm threads ${info.wasm.threads ? 'on' : 'off — tfjs-backend-wasm does not enable them under Node'})`);
    lines.push(`wasm binaries: ${info.wasm.wasmDir}`);
    lines.push(`wasm training kernels added by ScanSelect: ${info.wasm.trainingKernels.join(', ')}`);
  } else {
    lines.push(`threads: ${info.threads}`);
  }
  for (const name of ORDER) {
    const reason = info.notChosen[name];
    if (reason !== undefined) lines.push(`${name}: not used — ${reason}`);
  }
  return lines;
}
