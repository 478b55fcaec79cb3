/**
 * Test support, not built (plugin/tsconfig.json excludes it): a `describe` block that runs on the
 * wasm backend with the native kernels — skipped when the addon is not built, unless
 * SCANSELECT_REQUIRE_NATIVE=1 (CI) makes its absence a failure — and restores the backend after.
 */
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs-core';
import { initCompute, resetComputeCache } from './backend';
import { NATIVE_ADDON_PATH } from './nativeKernels';

/** Whether the native addon is built here. */
export const nativeBuilt = fs.existsSync(NATIVE_ADDON_PATH);
/** Whether its tests must run (a missing build then fails them instead of skipping). */
export const nativeRequired = process.env.SCANSELECT_REQUIRE_NATIVE === '1';

/** `describe(title, body)` on wasm with the native kernels; `kernels`: checked to be among the active ones first. */
export function describeOnNativeWasm(title: string, body: () => void, kernels: readonly string[] = []): void {
  (nativeBuilt || nativeRequired ? describe : describe.skip)(title, () => {
    let previousBackend: string | undefined;

    beforeAll(async () => {
      previousBackend = tf.getBackend() as string | undefined;
      const info = await initCompute({ backend: 'wasm' });
      if (kernels.length > 0) expect(info.wasm?.nativeKernels.kernels).toEqual(expect.arrayContaining([...kernels]));
    });

    afterAll(async () => {
      resetComputeCache();
      if (previousBackend !== undefined) await tf.setBackend(previousBackend);
    });

    body();
  });
}
