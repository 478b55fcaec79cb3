/**
 * Seeded dropout as one native kernel (plugin/native/elementwise.cc), for the wasm backend with the
 * native addon, registered by ./nativeKernels; ../models/dropout uses it for the U-Net's layers.
 *
 * tfjs' `tf.dropout(x, rate, null, seed)` draws its uniform noise in JavaScript, one element at a
 * time (seedrandom's Alea through tfjs' UniformRandom), copies it to the backend, then runs Add,
 * Floor, RealDiv and Multiply over the activation. With the paper's dropout of 0.15 that was a
 * large share of a 128² training step (interleaved A/B, scratch script). `ScanSelectDropout` does
 * the same in one pass: the same Alea sequence from the same seed, the same float32 operations, so
 * the masks and outputs are tfjs' bit for bit. Its gradient is dy times the saved multiplier, as
 * tfjs' Multiply gradient. {@link seededDropout} returns undefined where it does not apply.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { isWasmHeapBackend, offset, type NativeAddon } from './nativeHeap';

/** The kernel (not a tfjs kernel: only this module calls it). */
export const DROPOUT_KERNEL = 'ScanSelectDropout';

const WASM = 'wasm';

const product = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

/**
 * The state [s0, s1, s2, c] of seedrandom's Alea generator seeded with `seed` (seedrandom 3,
 * lib/alea.js `Alea` and `Mash`, as bundled in tfjs-core), before its first draw.
 */
export function aleaState(seed: string): [number, number, number, number] {
  let n = 0xefc8249d;
  const mash = (data: string): number => {
    for (let i = 0; i < data.length; i++) {
      n += data.charCodeAt(i);
      let h = 0.02519603282416938 * n;
      n = h >>> 0;
      h -= n;
      h *= n;
      n = h >>> 0;
      h -= n;
      n += h * 0x100000000;
    }
    return (n >>> 0) * 2.3283064365386963e-10;
  };
  const state = [mash(' '), mash(' '), mash(' ')];
  for (let k = 0; k < 3; k++) {
    state[k]! -= mash(seed);
    if (state[k]! < 0) state[k]! += 1;
  }
  return [state[0]!, state[1]!, state[2]!, 1];
}

/** Input x (float32); attrs keepProbability and the Alea state s0, s1, s2, c; outputs [x · multiplier, multiplier]. */
function makeDropout(native: NativeAddon): KernelFunc {
  return (args) => {
    const { backend } = args;
    const { x } = args.inputs as { x?: TensorInfo };
    const { keepProbability, s0, s1, s2, c } = args.attrs as unknown as Record<string, number>;
    if (x === undefined || x.dtype !== 'float32' || !isWasmHeapBackend(backend)) throw new Error(`${DROPOUT_KERNEL}: needs a float32 tensor on the wasm backend`);
    const [out, multiplier] = [0, 1].map(() => backend.makeOutput([...x.shape], 'float32'));
    const count = product(x.shape);
    if (count > 0) {
      native.dropout(backend.wasm.HEAPU8.buffer as ArrayBuffer, offset(backend, x), offset(backend, out!), offset(backend, multiplier!), count,
        s0!, s1!, s2!, c!, keepProbability!);
    }
    return [out!, multiplier!];
  };
}

/** Makers of this module's kernels, keyed by kernel name, for ./nativeKernels' registration. */
export function dropoutMakers(native: NativeAddon): Record<string, (fallback: KernelConfig | undefined) => KernelFunc> {
  return { [DROPOUT_KERNEL]: () => makeDropout(native) };
}

/** dx = dy · multiplier (the saved second output), as tfjs' gradient of x · multiplier. */
const dropoutGradConfig: GradConfig = {
  kernelName: DROPOUT_KERNEL,
  outputsToSave: [false, true],
  gradFunc: (dys, saved) => {
    const dy = (dys as tf.Tensor[])[0]!;
    const multiplier = saved[0]!;
    return { x: () => tf.mul(dy, multiplier) };
  },
};

/** Registers the kernel's gradient (idempotent; the kernel comes with ./nativeKernels). */
export function registerDropoutGradient(): void {
  tf.registerGradient(dropoutGradConfig);
}

/**
 * `tf.dropout(x, rate, undefined, seed)` (noise of x's shape) as one native kernel, with the same
 * result bit for bit, or undefined when the active backend has no such kernel, x is not float32 or
 * the rate is not in (0, 1) (then use tfjs' op).
 */
export function seededDropout(x: tf.Tensor, rate: number, seed: number | string): tf.Tensor | undefined {
  if (tf.getBackend() !== WASM || tf.getKernel(DROPOUT_KERNEL, WASM) === undefined || x.dtype !== 'float32' || !(rate > 0 && rate < 1)) return undefined;
  const [s0, s1, s2, c] = aleaState(String(seed));
  const [y, multiplier] = tf.engine().runKernel(DROPOUT_KERNEL, { x }, { keepProbability: 1 - rate, s0, s1, s2, c }) as tf.Tensor[];
  // The tape keeps its own reference to the multiplier for the gradient.
  multiplier!.dispose();
  return y!;
}
