/**
 * Everything the backend choice needs from the process it runs in, behind one interface so that
 * tests can replace it: which optional packages resolve and load, tfjs' backend registry, the
 * GPU list, the libraries the process has mapped, the CPU. {@link nodeComputeHost} is the real one.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as tf from '@tensorflow/tfjs-core';
import { tryCpu, tryWasm, type CpuFacts } from './bundledBackends';
import type { BackendAttempt, GpuDevice } from './computeInfo';
import { NVIDIA_SMI_ARGS, parseNvidiaSmiGpus } from './gpuProbe';

/** The GPUs `nvidia-smi` lists, or why it could not list them. */
export type GpuListing = { gpus: GpuDevice[] } | { error: string };

/** The process as the backend choice sees it. */
export interface ComputeHost {
  /** Environment variables (`SCANSELECT_BACKEND`, `CUDA_VISIBLE_DEVICES`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** tfjs-core's version. */
  readonly tfjsVersion: string;
  /** Whether a module specifier resolves (`require.resolve`), without loading it. */
  resolves(specifier: string): boolean;
  /** The version in an installed package's package.json, if readable. */
  packageVersion(name: string): string | undefined;
  /** Loads a module; rejects as Node does (module not found, a native library missing …). */
  load(specifier: string): Promise<unknown>;
  /** `tf.setBackend(name)`: false, or a rejection, when the backend cannot be initialised. */
  setBackend(name: string): Promise<boolean>;
  /** tfjs' active backend object (`tf.backend()`), undefined if there is none. */
  activeBackend(): unknown;
  /** The GPUs nvidia-smi lists. Called only once tfjs-node-gpu has loaded. */
  listGpus(): GpuListing;
  /** The text of /proc/self/maps (the files this process has mapped); undefined where there is none. */
  processMaps(): string | undefined;
  /** This machine's CPU. */
  cpu(): CpuFacts;
  /** Loads and activates the wasm backend (with ScanSelect's training kernels). */
  tryWasm(threads: number | undefined): Promise<BackendAttempt>;
  /** Loads and activates the cpu backend. */
  tryCpu(): Promise<BackendAttempt>;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function cpuFacts(): CpuFacts {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim();
  return { model: model !== undefined && model !== '' ? model : 'unknown CPU', cores: Math.max(1, cpus.length) };
}

function listGpus(): GpuListing {
  try {
    const csv = execFileSync('nvidia-smi', NVIDIA_SMI_ARGS, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
    return { gpus: parseNvidiaSmiGpus(csv) };
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return { error: 'nvidia-smi not found' };
    const stderr = String((e as { stderr?: unknown }).stderr ?? '').trim().split('\n')[0];
    return { error: `nvidia-smi failed: ${stderr !== undefined && stderr !== '' ? stderr : errorMessage(e).split('\n')[0]}` };
  }
}

/** The real host: this Node process, its `process.env`, tfjs-core and the installed packages. */
export function nodeComputeHost(): ComputeHost {
  return {
    env: process.env,
    tfjsVersion: tf.version_core,
    resolves(specifier) {
      try {
        require.resolve(specifier);
        return true;
      } catch {
        return false;
      }
    },
    packageVersion(name) {
      try {
        const json: unknown = JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`), 'utf8'));
        const version = (json as { version?: unknown }).version;
        return typeof version === 'string' ? version : undefined;
      } catch {
        return undefined;
      }
    },
    async load(specifier) {
      // A non-literal specifier keeps TypeScript from requiring the (absent) type declarations.
      const mod: unknown = await import(specifier);
      return mod;
    },
    setBackend: (name) => tf.setBackend(name),
    activeBackend() {
      try {
        return tf.backend();
      } catch {
        return undefined;
      }
    },
    listGpus,
    processMaps() {
      if (process.platform !== 'linux') return undefined;
      try {
        return fs.readFileSync('/proc/self/maps', 'utf8');
      } catch {
        return undefined;
      }
    },
    cpu: cpuFacts,
    tryWasm: (threads) => tryWasm(threads, cpuFacts()),
    tryCpu: () => tryCpu(cpuFacts()),
  };
}
