/**
 * Types of the compute-backend choice: what may be requested, what {@link ComputeInfo} reports
 * (the backend in use, why, why not the others, the device), and what trying one backend gives.
 */
import type { NativeKernelStatus } from './nativeKernels';

/** A concrete compute backend. */
export type ComputeBackendName = 'tensorflow' | 'wasm' | 'cpu';
/** What the caller may ask for: a backend, or 'auto' for the default order of preference. */
export type ComputeBackendRequest = 'auto' | ComputeBackendName;

/** The environment variable that overrides the default order of preference. */
export const BACKEND_ENV_VAR = 'SCANSELECT_BACKEND';

/** The default order of preference. */
export const BACKEND_ORDER: readonly ComputeBackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** Packages providing the `tensorflow` backend, most capable first. */
export const TENSORFLOW_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;
/** One of {@link TENSORFLOW_PACKAGES}. */
export type TensorflowPackage = (typeof TENSORFLOW_PACKAGES)[number];

/** Options of `initCompute`. */
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

/** One NVIDIA GPU as `nvidia-smi` lists it. */
export interface GpuDevice {
  /** nvidia-smi's index (PCI bus order). */
  index: number;
  /** `GPU-…` UUID. */
  uuid: string;
  /** Model, e.g. `Tesla T4`. */
  name: string;
  /** Total memory in MiB. */
  memoryMiB: number;
  /** NVIDIA driver version. */
  driver: string;
}

/** What is known about the GPU path when `@tensorflow/tfjs-node-gpu` was loaded. */
export interface GpuReport {
  /** libtensorflow runs on a GPU (tfjs-node's `isUsingGpuDevice`). */
  inUse: boolean;
  /** When not in use: why, as far as it can be told (which CUDA libraries did not load). */
  reason?: string;
  /** The GPUs visible to this process (nvidia-smi, filtered by CUDA_VISIBLE_DEVICES). */
  devices: GpuDevice[];
  /** Why `devices` is empty or unknown, e.g. `nvidia-smi not found`. */
  devicesError?: string;
  /** libtensorflow's version (tfjs-node's binding `TF_Version`). */
  libtensorflow?: string;
  /** CUDA runtime version, from the libcudart this process loaded (e.g. `11.2.152`). */
  cudaRuntime?: string;
  /** cuDNN version, from the libcudnn this process loaded (e.g. `8.1.1`). */
  cudnn?: string;
  /** NVIDIA driver version, from the libcuda this process loaded. */
  driver?: string;
}

/** What `initCompute` chose and why. */
export interface ComputeInfo {
  /** The backend in use (also the name tfjs knows it by). */
  backend: ComputeBackendName;
  /** What was asked for, after applying option and environment. */
  requested: ComputeBackendRequest;
  /** Where `requested` came from. */
  requestedBy: 'option' | 'env' | 'default';
  /** Why `backend` is the one in use (one sentence). */
  chosenBecause: string;
  /** For every backend not in use: why not. */
  notChosen: Partial<Record<ComputeBackendName, string>>;
  /**
   * For each package of the `tensorflow` backend: `not installed`, `installed but failed to load: …`,
   * `used (GPU)`, `not tried: …` and the like, whether or not the backend is in use.
   */
  tensorflowPackages: Record<TensorflowPackage, string>;
  /** The package that provides the `tensorflow` backend, when it is in use. */
  tensorflowPackage?: TensorflowPackage;
  /** Its version (package.json), when known. */
  tensorflowPackageVersion?: string;
  /** GPU details, whenever `@tensorflow/tfjs-node-gpu` was loaded (in use or not). */
  gpu?: GpuReport;
  /** The GPU model(s) when the native backend runs on a GPU, else the CPU model from `os.cpus()`. */
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
    /** The optional native kernels (oneDNN convolutions, reductions, elementwise ops, fused Adam): active or why not. */
    nativeKernels: NativeKernelStatus;
  };
  /** tfjs-core version. */
  tfjsVersion: string;
}

/** What a backend that loaded contributes to {@link ComputeInfo}. */
export type BackendDetails = Omit<ComputeInfo, 'requested' | 'requestedBy' | 'chosenBecause' | 'notChosen' | 'tensorflowPackages'>;

/** Result of trying one backend. */
export type BackendAttempt = { ok: true; info: BackendDetails } | { ok: false; reason: string };
