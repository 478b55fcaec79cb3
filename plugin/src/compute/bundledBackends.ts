/**
 * The two backends the engine ships with: `wasm` (XNNPACK, with the training kernels of
 * ./wasmTrainingKernels, and the native oneDNN kernels of ./nativeKernels when built) and `cpu` (plain JavaScript). Each attempt loads the backend, makes it
 * tfjs' active backend and reports what it runs with, or says why it could not.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendAttempt } from './computeInfo';
import { registerNativeKernels } from './nativeKernels';
import { registerWasmTrainingKernels } from './wasmTrainingKernels';

/** This machine's CPU, as the attempts report it. */
export interface CpuFacts {
  /** Model name from `os.cpus()`. */
  model: string;
  /** Logical cores. */
  cores: number;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Whether `e` is Node's "cannot find module X" for module `name` itself (not one of its dependencies). */
function isMissingModule(e: unknown, name: string): boolean {
  if (typeof e !== 'object' || e === null) return false;
  return (e as { code?: unknown }).code === 'MODULE_NOT_FOUND' && errorMessage(e).includes(`'${name}'`);
}

/** Directory holding tfjs-backend-wasm's .wasm binaries, resolved from the package itself so any cwd works. */
export function wasmBinaryDir(): string {
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
}

let wasmPathsSet = false;

/** Loads and activates the wasm backend and registers the training kernels. */
export async function tryWasm(threads: number | undefined, cpu: CpuFacts): Promise<BackendAttempt> {
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
  // After the training kernels: they become the fallback of the native ones.
  const native = registerNativeKernels(threads);
  return {
    ok: true,
    info: {
      backend: 'wasm',
      device: cpu.model,
      deviceKind: 'cpu',
      cpuCount: cpu.cores,
      threads: multithread && simd ? Math.max(1, wasmPkg.getThreadsCount()) : 1,
      wasm: { simd, threads: multithread && simd, wasmDir, trainingKernels, nativeKernels: native },
      tfjsVersion: tf.version_core,
    },
  };
}

/** Loads and activates the plain-JavaScript cpu backend. */
export async function tryCpu(cpu: CpuFacts): Promise<BackendAttempt> {
  try {
    await import('@tensorflow/tfjs-backend-cpu');
  } catch (e) {
    return { ok: false, reason: isMissingModule(e, '@tensorflow/tfjs-backend-cpu') ? 'module @tensorflow/tfjs-backend-cpu not installed' : errorMessage(e) };
  }
  if (!(await tf.setBackend('cpu'))) return { ok: false, reason: 'cpu backend did not initialise' };
  return {
    ok: true,
    info: { backend: 'cpu', device: cpu.model, deviceKind: 'cpu', cpuCount: cpu.cores, threads: 1, tfjsVersion: tf.version_core },
  };
}
