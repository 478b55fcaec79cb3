/**
 * What the native kernels share: the addon's functions (plugin/native/nativeKernels.cc) and the
 * parts of tfjs-backend-wasm's backend they use to find tensors in the wasm heap.
 */
import type { DataType, TensorInfo } from '@tensorflow/tfjs-core';

/** The addon's functions (plugin/native/*.cc). */
export interface NativeAddon {
  version(): string;
  conv2dForward(heap: ArrayBuffer, geometry: number[], x: number, filter: number, bias: number, out: number, activation: number, alpha: number): void;
  conv2dBackwardData(heap: ArrayBuffer, geometry: number[], dy: number, filter: number, dx: number): void;
  conv2dBackwardWeights(heap: ArrayBuffer, geometry: number[], x: number, dy: number, dw: number): void;
  sumMiddleAxis(heap: ArrayBuffer, src: number, dst: number, p: number, r: number, q: number, scale: number): void;
  batchNorm(heap: ArrayBuffer, x: number, out: number, count: number, channels: number, mean: number, variance: number, offset: number, scale: number, epsilon: number): void;
  leakyRelu(heap: ArrayBuffer, x: number, out: number, count: number, alpha: number): void;
  copyColumns(heap: ArrayBuffer, src: number, srcWidth: number, srcStart: number, dst: number, dstWidth: number, dstStart: number, width: number, rows: number, bytesPerElement: number): void;
  /** out = a op b over a broadcast space (./nativeElementwise `broadcastSpace`); plugin/native/elementwise.cc. */
  binary(heap: ArrayBuffer, op: number, a: number, b: number, out: number, space: number[]): void;
  select(heap: ArrayBuffer, condition: number, t: number, e: number, out: number, count: number): void;
  /** out = dy · step(x) (tfjs' ReLU gradient). */
  reluGrad(heap: ArrayBuffer, dy: number, x: number, out: number, count: number): void;
  /** tfjs' seeded dropout from the Alea state (s0, s1, s2, c) after seeding: out = x · multiplier. */
  dropout(heap: ArrayBuffer, x: number, out: number, multiplier: number, count: number, s0: number, s1: number, s2: number, c: number, keepProbability: number): void;
  /** Softmax over the last axis of a [rows, classes] tensor. */
  softmax(heap: ArrayBuffer, logits: number, out: number, rows: number, classes: number): void;
  adam(heap: ArrayBuffer, count: number, value: number, gradient: number, m: number, v: number, oneMinusAccBeta1: number, oneMinusAccBeta2: number,
    newM: number, newV: number, newValue: number, beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, epsilon: number, negLearningRate: number): void;
  /** Batch and instance normalisation, forward and backward, and moving averages (plugin/native/normalization.cc; offsets −1 = absent). */
  normalizeForward(heap: ArrayBuffer, x: number, groups: number, rows: number, channels: number, scale: number, offset: number, epsilon: number,
    centred: number, y: number, mean: number, variance: number): void;
  normalizeBackward(heap: ArrayBuffer, x: number, dy: number, groups: number, rows: number, channels: number, mean: number, variance: number, scale: number,
    epsilon: number, dMean: number, dVariance: number, dx: number, dScale: number, dOffset: number): void;
  movingAverages(heap: ArrayBuffer, channels: number, movingMean: number, movingVariance: number, mean: number, variance: number, decay: number,
    newMean: number, newVariance: number): void;
  /** The Dice + cross-entropy loss and its gradient (plugin/native/diceCe.cc); constants smoothNr, smoothDr, ε, λ_dice, λ_ce. */
  diceCeForward(heap: ArrayBuffer, target: number, probabilities: number, batch: number, pixels: number, classes: number,
    smoothNumerator: number, smoothDenominator: number, epsilon: number, lambdaDice: number, lambdaCe: number, out: number): void;
  diceCeBackward(heap: ArrayBuffer, target: number, probabilities: number, batch: number, pixels: number, classes: number,
    smoothNumerator: number, smoothDenominator: number, epsilon: number, lambdaDice: number, lambdaCe: number, dy: number, wrtTarget: number, out: number): void;
  /** At most `threads` threads for the elementwise kernels (0: OpenMP's maximum). */
  elementwiseThreads(threads: number): void;
}

/** The parts of tfjs-backend-wasm's `BackendWasm` used here (declared structurally). */
export interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  wasm: { HEAPU8: Uint8Array };
}

export function isWasmHeapBackend(backend: unknown): backend is WasmHeapBackend {
  if (typeof backend !== 'object' || backend === null) return false;
  const b = backend as Partial<WasmHeapBackend>;
  return typeof b.makeOutput === 'function' && typeof b.dataIdMap?.get === 'function' && b.wasm?.HEAPU8 instanceof Uint8Array;
}

/** Byte offset of a tensor's data in the wasm heap. */
export function offset(backend: WasmHeapBackend, t: TensorInfo): number {
  const data = backend.dataIdMap.get(t.dataId);
  if (data === undefined) throw new Error('native kernels: tensor is not on the wasm backend');
  return data.memoryOffset;
}
