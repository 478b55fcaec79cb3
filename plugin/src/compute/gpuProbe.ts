/**
 * What can be learnt about the GPU that `@tensorflow/tfjs-node-gpu` runs on. tfjs-node exposes
 * only `isUsingGpuDevice` and libtensorflow's version (`TF_Version`), not the GPU's name nor the
 * CUDA or cuDNN version, so the rest comes from two other sources, both parsed here by pure
 * functions: `nvidia-smi`'s GPU list, and the CUDA libraries this process has loaded (Linux's
 * `/proc/self/maps` names each mapped file; the real file behind `libcudnn.so.8` is e.g.
 * `libcudnn.so.8.1.1`).
 */
import type { GpuDevice } from './computeInfo';

/** Arguments of the `nvidia-smi` query whose output {@link parseNvidiaSmiGpus} reads (fields that every driver since 2013 knows). */
export const NVIDIA_SMI_ARGS: readonly string[] = ['--query-gpu=index,uuid,name,memory.total,driver_version', '--format=csv,noheader,nounits'];

/**
 * What `@tensorflow/tfjs-node-gpu` 4.22 (libtensorflow 2.9.1) needs, from tfjs-node/README.md at
 * tag tfjs-v4.22.0: NVIDIA driver > 450.x, CUDA Toolkit 11.2, cuDNN SDK 8.1.0.
 */
export const TFJS_NODE_GPU_NEEDS = 'NVIDIA driver > 450, CUDA 11.2 and cuDNN 8.1';

/** Parses the output of `nvidia-smi` {@link NVIDIA_SMI_ARGS}: one GPU per line, `index, uuid, name, memory, driver`. */
export function parseNvidiaSmiGpus(csv: string): GpuDevice[] {
  const gpus: GpuDevice[] = [];
  for (const line of csv.split(/\r?\n/)) {
    const fields = line.split(',').map((f) => f.trim());
    if (fields.length < 5 || !/^\d+$/.test(fields[0]!)) continue;
    // A model name with a comma in it would split; everything between uuid and memory is the name.
    const name = fields.slice(2, fields.length - 2).join(', ');
    const memory = Number(fields[fields.length - 2]);
    gpus.push({ index: Number(fields[0]), uuid: fields[1]!, name, memoryMiB: Number.isFinite(memory) ? memory : 0, driver: fields[fields.length - 1]! });
  }
  return gpus;
}

/**
 * The GPUs a CUDA program sees under `CUDA_VISIBLE_DEVICES` (unset: all; empty: none; else the
 * listed indices or `GPU-…` UUID prefixes, in that order, up to the first entry CUDA would not
 * accept, as CUDA itself does).
 */
export function visibleGpus(gpus: readonly GpuDevice[], cudaVisibleDevices: string | undefined): GpuDevice[] {
  if (cudaVisibleDevices === undefined) return [...gpus];
  const visible: GpuDevice[] = [];
  for (const token of cudaVisibleDevices.split(',').map((t) => t.trim())) {
    const match = /^\d+$/.test(token) ? gpus.find((g) => g.index === Number(token)) : token.startsWith('GPU-') ? gpus.find((g) => g.uuid.startsWith(token)) : undefined;
    if (match === undefined) break;
    if (!visible.includes(match)) visible.push(match);
  }
  return visible;
}

/** One line for the GPU(s) in use: `Tesla T4 (GPU 0, 15360 MiB)`; with several visible, all of them. */
export function gpuDeviceName(devices: readonly GpuDevice[]): string | undefined {
  if (devices.length === 0) return undefined;
  const one = (g: GpuDevice): string => `${g.name} (GPU ${g.index}${g.memoryMiB > 0 ? `, ${g.memoryMiB} MiB` : ''})`;
  if (devices.length === 1) return one(devices[0]!);
  // tfjs-node places its ops on one GPU device (the last one TensorFlow lists: tfjs-node/binding/tfjs_backend.cc).
  return `${devices.map(one).join(', ')} — tfjs-node computes on one of them`;
}

/** CUDA libraries found among the files a process has mapped, with the version their file names carry. */
export interface CudaLibraries {
  /** libcudart: CUDA runtime (`11.2.152`, or only the soname's `11.0` when no versioned file is behind it). */
  cudaRuntime?: string;
  /** libcudnn: cuDNN. */
  cudnn?: string;
  /** libcuda: the NVIDIA driver (its file is named after the driver version). */
  driver?: string;
}

const CUDA_LIBRARY = /(?:^|\/)lib(cudart|cudnn|cuda)\.so\.(\d+(?:\.\d+)*)$/;

/** Reads {@link CudaLibraries} from the text of `/proc/<pid>/maps`. */
export function cudaLibrariesFromMaps(maps: string): CudaLibraries {
  const found: CudaLibraries = {};
  for (const line of maps.split('\n')) {
    const slash = line.indexOf('/');
    const m = slash < 0 ? null : CUDA_LIBRARY.exec(line.slice(slash).trim());
    if (m === null) continue;
    const lib = m[1]!;
    const version = m[2]!;
    if (lib === 'cudart') found.cudaRuntime = longer(found.cudaRuntime, version);
    else if (lib === 'cudnn') found.cudnn = longer(found.cudnn, version);
    // libcuda.so.1 is the soname; only the real file (libcuda.so.535.104.05) names the driver.
    else if (Number(version.split('.')[0]) >= 100) found.driver = version;
  }
  return found;
}

function longer(a: string | undefined, b: string): string {
  return a === undefined || b.length > a.length ? b : a;
}

/**
 * Why libtensorflow found no GPU, as far as the mapped libraries tell: the ones among libcuda,
 * libcudart and libcudnn that were not loaded (libtensorflow dlopens them while it looks for GPUs
 * and skips the GPU when one is missing).
 */
export function missingCudaLibraries(libraries: CudaLibraries): string[] {
  const missing: string[] = [];
  if (libraries.driver === undefined) missing.push('libcuda (NVIDIA driver)');
  if (libraries.cudaRuntime === undefined) missing.push('libcudart (CUDA runtime)');
  if (libraries.cudnn === undefined) missing.push('libcudnn (cuDNN)');
  return missing;
}
