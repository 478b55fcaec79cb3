/**
 * initCompute in the real process, on whatever this host has: the test first finds out which of
 * the optional native packages resolve and load (require.resolve, then a guarded import), then
 * asserts the choice the code must make for that case, so it holds on a host without them (wasm),
 * with tfjs-node (tensorflow on the CPU) and with tfjs-node-gpu (tensorflow, on the GPU when
 * libtensorflow finds one). The branches themselves are tested with fakes in selectCompute.test.ts.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { BACKEND_ENV_VAR, describeCompute, initCompute, resetComputeCache, type TensorflowPackage } from './backend';

type PackageState = 'not installed' | 'unloadable' | 'loadable' | 'not probed';

async function packageState(name: TensorflowPackage): Promise<PackageState> {
  try {
    require.resolve(name);
  } catch {
    return 'not installed';
  }
  try {
    await import(name);
    return 'loadable';
  } catch {
    return 'unloadable';
  }
}

const GPU_PKG: TensorflowPackage = '@tensorflow/tfjs-node-gpu';
const NODE_PKG: TensorflowPackage = '@tensorflow/tfjs-node';

describe('initCompute on this host', () => {
  const state = {} as Record<TensorflowPackage, PackageState>;
  /** The package the tensorflow backend must come from here, if any (the first that loads). */
  let nativePackage: TensorflowPackage | undefined;
  let previousBackend: string | undefined;
  const previousEnv = process.env[BACKEND_ENV_VAR];

  beforeAll(async () => {
    previousBackend = tf.getBackend() as string | undefined;
    state[GPU_PKG] = await packageState(GPU_PKG);
    // Only one native package is ever loaded into a process; tfjs-node is probed only if tfjs-node-gpu did not load.
    state[NODE_PKG] = state[GPU_PKG] === 'loadable' ? 'not probed' : await packageState(NODE_PKG);
    nativePackage = state[GPU_PKG] === 'loadable' ? GPU_PKG : state[NODE_PKG] === 'loadable' ? NODE_PKG : undefined;
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

  /** What ComputeInfo must say about a package that was tried and did not provide the backend. */
  const triedAndFailed = (pkg: TensorflowPackage): RegExp =>
    state[pkg] === 'not installed' ? /^not installed$/ : /^installed but failed to load: /;

  it('picks the first backend that loads with auto: tfjs-node-gpu, tfjs-node, else wasm with its training kernels', async () => {
    const info = await initCompute({ backend: 'auto' });
    expect(info.requestedBy).toBe('default');
    expect(tf.getBackend()).toBe(info.backend);
    if (nativePackage !== undefined) {
      expect(info.backend).toBe('tensorflow');
      expect(info.tensorflowPackage).toBe(nativePackage);
      expect(info.notChosen.wasm).toMatch(/^skipped: tensorflow comes first/);
      // Independently of ScanSelect's reading: what the active tfjs-node backend object says.
      const onGpu = (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
      expect(info.deviceKind).toBe(onGpu ? 'gpu' : 'cpu');
      if (nativePackage === GPU_PKG) {
        expect(info.gpu).toBeDefined();
        expect(info.gpu!.inUse).toBe(onGpu);
        if (!onGpu) expect(info.gpu!.reason).toMatch(/^libtensorflow found no usable GPU/);
      } else {
        expect(info.gpu).toBeUndefined();
        expect(info.tensorflowPackages[GPU_PKG]).toMatch(triedAndFailed(GPU_PKG));
      }
      return;
    }
    expect(info.backend).toBe('wasm');
    expect(info.tensorflowPackages[GPU_PKG]).toMatch(triedAndFailed(GPU_PKG));
    expect(info.tensorflowPackages[NODE_PKG]).toMatch(triedAndFailed(NODE_PKG));
    expect(info.notChosen.tensorflow).toBe(`${GPU_PKG}: ${info.tensorflowPackages[GPU_PKG]}; ${NODE_PKG}: ${info.tensorflowPackages[NODE_PKG]}`);
    expect(info.notChosen.cpu).toMatch(/^skipped: wasm comes first/);
    expect(info.deviceKind).toBe('cpu');
    expect(info.device).toBe(os.cpus()[0]!.model.trim());
    expect(info.wasm!.threads).toBe(false); // tfjs-backend-wasm never enables threads under Node
    expect(fs.existsSync(path.join(info.wasm!.wasmDir, 'tfjs-backend-wasm.wasm'))).toBe(true);
    expect(info.wasm!.trainingKernels).toContain('Conv2DBackpropFilter');
    const lines = describeCompute(info);
    expect(lines[0]).toMatch(/^compute backend: wasm — requested auto/);
    expect(lines).toContain(`device: CPU ${info.device} (${info.cpuCount} logical CPU core${info.cpuCount === 1 ? '' : 's'})`);
    expect(lines).toContain(`tensorflow: not used — ${info.notChosen.tensorflow}`);
  });

  it(`picks cpu when ${BACKEND_ENV_VAR}=cpu, loading no native package, and says why not the others`, async () => {
    process.env[BACKEND_ENV_VAR] = 'cpu';
    const info = await initCompute();
    expect(info).toMatchObject({ backend: 'cpu', requested: 'cpu', requestedBy: 'env', threads: 1, deviceKind: 'cpu' });
    expect(tf.getBackend()).toBe('cpu');
    expect(info.notChosen.wasm).toBe(`skipped: cpu preferred by ${BACKEND_ENV_VAR}`);
    expect(info.notChosen.tensorflow).toMatch(new RegExp(`^skipped: cpu preferred by ${BACKEND_ENV_VAR} \\(`));
    for (const pkg of [GPU_PKG, NODE_PKG]) {
      const installed = (() => {
        try {
          return require.resolve(pkg) !== '';
        } catch {
          return false;
        }
      })();
      expect(info.tensorflowPackages[pkg]).toMatch(installed ? /^installed \(.+\), not tried$/ : /^not installed$/);
    }
    expect(info.wasm).toBeUndefined();
    expect(await initCompute()).toBe(info); // idempotent
  });

  it("uses tensorflow when it is asked for and loads here, else explains and falls back to wasm", async () => {
    const info = await initCompute({ backend: 'tensorflow' });
    expect(info).toMatchObject({ requested: 'tensorflow', requestedBy: 'option' });
    if (nativePackage !== undefined) {
      expect(info).toMatchObject({ backend: 'tensorflow', tensorflowPackage: nativePackage, chosenBecause: 'requested by the backend option' });
      return;
    }
    expect(info.backend).toBe('wasm');
    expect(info.notChosen.tensorflow).toContain(`${GPU_PKG}: `);
    expect(describeCompute(info)).toContain('warning: tensorflow was requested but could not be used; fell back to wasm');
  });

  it('lets the option override the environment variable, and rejects unknown names', async () => {
    process.env[BACKEND_ENV_VAR] = 'cpu';
    const info = await initCompute({ backend: 'wasm' });
    expect(info.backend).toBe('wasm');
    expect(info.notChosen.cpu).toBe('skipped: wasm preferred by the backend option');
    process.env[BACKEND_ENV_VAR] = 'webgl';
    await expect(initCompute()).rejects.toMatchObject({ name: 'InvalidInputError', code: 'invalid-option' });
  });
});
