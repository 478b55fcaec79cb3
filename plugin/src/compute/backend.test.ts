import * as os from 'os';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidInputError } from '../core/errors';
import { BACKEND_ENV_VAR, describeCompute, initCompute, resetComputeCache } from './backend';

describe('initCompute', () => {
  let previousBackend: string | undefined;
  const previousEnv = process.env[BACKEND_ENV_VAR];

  beforeAll(() => {
    previousBackend = tf.getBackend() as string | undefined;
  });

  beforeEach(() => {
    delete process.env[BACKEND_ENV_VAR];
    resetComputeCache();
  });

  afterAll(async () => {
    if (previousEnv === undefined) delete process.env[BACKEND_ENV_VAR];
    else process.env[BACKEND_ENV_VAR] = previousEnv;
    resetComputeCache();
    if (previousBackend !== undefined) await tf.setBackend(previousBackend);
  });

  it(`picks cpu when ${BACKEND_ENV_VAR}=cpu and says why not the others`, async () => {
    process.env[BACKEND_ENV_VAR] = 'cpu';
    const info = await initCompute();
    expect(info.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(info.requested).toBe('cpu');
    expect(info.requestedBy).toBe('env');
    expect(info.notChosen.cpu).toBeUndefined();
    expect(info.notChosen.wasm).toBe(`skipped: cpu preferred by ${BACKEND_ENV_VAR}`);
    expect(info.notChosen.tensorflow).toContain(`skipped: cpu preferred by ${BACKEND_ENV_VAR}`);
    expect(info.notChosen.tensorflow).toContain('module @tensorflow/tfjs-node not installed');
    expect(info.threads).toBe(1);
    expect(info.device).toBe(os.cpus()[0]!.model.trim());
    expect(info.wasm).toBeUndefined();
  });

  it('is idempotent', async () => {
    process.env[BACKEND_ENV_VAR] = 'cpu';
    const a = await initCompute();
    const b = await initCompute();
    expect(b).toBe(a);
  });

  it('prefers wasm with auto here (tfjs-node cannot be installed on this machine) and registers the training kernels', async () => {
    const info = await initCompute({ backend: 'auto' });
    expect(info.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.requestedBy).toBe('default');
    expect(info.notChosen.tensorflow).toBe('module @tensorflow/tfjs-node-gpu not installed; module @tensorflow/tfjs-node not installed');
    expect(info.notChosen.cpu).toMatch(/^skipped: wasm comes first/);
    expect(info.wasm).toBeDefined();
    expect(typeof info.wasm!.simd).toBe('boolean');
    expect(info.wasm!.threads).toBe(false); // tfjs-backend-wasm never enables threads under Node
    expect(fs.existsSync(path.join(info.wasm!.wasmDir, 'tfjs-backend-wasm.wasm'))).toBe(true);
    expect(info.wasm!.trainingKernels).toContain('Conv2DBackpropFilter');
    const lines = describeCompute(info);
    expect(lines[0]).toMatch(/^compute backend: wasm/);
    expect(lines.some((l) => l.startsWith('tensorflow: not used — module @tensorflow/tfjs-node-gpu not installed'))).toBe(true);
    expect(lines.some((l) => l.startsWith('cpu: not used'))).toBe(true);
  });

  it("explains the missing module when 'tensorflow' is asked for, and falls back", async () => {
    const info = await initCompute({ backend: 'tensorflow' });
    expect(info.requested).toBe('tensorflow');
    expect(info.requestedBy).toBe('option');
    expect(info.backend).toBe('wasm');
    expect(info.notChosen.tensorflow).toContain('module @tensorflow/tfjs-node-gpu not installed');
    expect(info.notChosen.tensorflow).toContain('module @tensorflow/tfjs-node not installed');
    expect(describeCompute(info)).toContain('warning: tensorflow was requested but could not be used; fell back to wasm');
  });

  it('lets the option override the environment variable', async () => {
    process.env[BACKEND_ENV_VAR] = 'cpu';
    const info = await initCompute({ backend: 'wasm' });
    expect(info.backend).toBe('wasm');
    expect(info.notChosen.cpu).toBe('skipped: wasm preferred by the backend option');
  });

  it('rejects unknown backend names and bad thread counts with invalid-option', async () => {
    await expect(initCompute({ backend: 'gpu' as never })).rejects.toMatchObject({ name: 'InvalidInputError', code: 'invalid-option' });
    await expect(initCompute({ threads: 0 })).rejects.toBeInstanceOf(InvalidInputError);
    process.env[BACKEND_ENV_VAR] = 'webgl';
    await expect(initCompute()).rejects.toThrow(/SCANSELECT_BACKEND: unknown compute backend "webgl"/);
  });
});
