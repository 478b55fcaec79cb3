/**
 * The backend choice against a fake {@link ComputeHost}: every branch of tfjs-node-gpu → tfjs-node
 * → wasm → cpu runs here, where neither native package is installed. The fake native backend
 * object has the two fields ScanSelect reads from tfjs-node's `NodeJSKernelBackend`
 * (tfjs-node/src/nodejs_kernel_backend.ts at tfjs-v4.22.0: `isUsingGpuDevice`, `binding.TF_Version`).
 */
import { InvalidInputError } from '../core/errors';
import { BACKEND_ENV_VAR, describeCompute, selectCompute, type BackendAttempt, type ComputeHost, type GpuListing, type TensorflowPackage } from './backend';

const GPU_PKG: TensorflowPackage = '@tensorflow/tfjs-node-gpu';
const NODE_PKG: TensorflowPackage = '@tensorflow/tfjs-node';
const CPU = { model: 'Fake Xeon 8c', cores: 8 };
const T4 = { index: 0, uuid: 'GPU-11111111-2222-3333-4444-555555555555', name: 'Tesla T4', memoryMiB: 15360, driver: '535.104.05' };
const A100 = { index: 1, uuid: 'GPU-aaaaaaaa-2222-3333-4444-555555555555', name: 'NVIDIA A100-SXM4-40GB', memoryMiB: 40960, driver: '535.104.05' };
/** /proc/self/maps lines as Linux writes them (address, perms, offset, dev, inode, path). */
const map = (file: string): string => `7f1c2a000000-7f1c2a200000 r-xp 00000000 08:01 1234567                    ${file}`;
const CUDA_MAPS = [
  map('/usr/lib/x86_64-linux-gnu/libcuda.so.535.104.05'),
  map('/usr/local/cuda-11.2/targets/x86_64-linux/lib/libcudart.so.11.2.152'),
  map('/usr/lib/x86_64-linux-gnu/libcudnn.so.8.1.1'),
  map('/usr/lib/x86_64-linux-gnu/libcudnn_ops_infer.so.8.1.1'),
].join('\n');
const WASM_OK: BackendAttempt = {
  ok: true,
  info: { backend: 'wasm', device: CPU.model, deviceKind: 'cpu', cpuCount: CPU.cores, threads: 1, tfjsVersion: '4.22.0', wasm: { simd: true, threads: false, wasmDir: '/fake/wasm', trainingKernels: ['Conv2DBackpropFilter'], nativeKernels: { active: false, reason: 'not built', kernels: [] } } },
};
const CPU_OK: BackendAttempt = { ok: true, info: { backend: 'cpu', device: CPU.model, deviceKind: 'cpu', cpuCount: CPU.cores, threads: 1, tfjsVersion: '4.22.0' } };

interface FakePackage {
  version?: string;
  /** What loading it does: succeed, or reject with this error. */
  load?: Error;
}

interface FakeSpec {
  packages?: Partial<Record<TensorflowPackage, FakePackage>>;
  /** What tf.setBackend('tensorflow') does after a package loaded. */
  setBackend?: boolean | Error;
  /** Whether libtensorflow found a GPU (tfjs-node's isUsingGpuDevice). */
  onGpu?: boolean;
  gpus?: GpuListing;
  maps?: string;
  env?: Record<string, string>;
  wasm?: BackendAttempt;
  cpu?: BackendAttempt;
}

/** A host whose optional packages, GPU list and mapped libraries are whatever `spec` says; it records what was called. */
function fakeHost(spec: FakeSpec): ComputeHost & { calls: string[] } {
  const calls: string[] = [];
  const packages = spec.packages ?? {};
  return {
    calls,
    env: spec.env ?? {},
    tfjsVersion: '4.22.0',
    resolves: (specifier) => specifier in packages,
    packageVersion: (name) => packages[name as TensorflowPackage]?.version,
    async load(specifier) {
      calls.push(`load ${specifier}`);
      const pkg = packages[specifier as TensorflowPackage];
      if (pkg === undefined) throw Object.assign(new Error(`Cannot find module '${specifier}'`), { code: 'MODULE_NOT_FOUND' });
      if (pkg.load !== undefined) throw pkg.load;
      return {};
    },
    async setBackend(name) {
      calls.push(`setBackend ${name}`);
      if (spec.setBackend instanceof Error) throw spec.setBackend;
      return spec.setBackend ?? true;
    },
    activeBackend: () => ({ isUsingGpuDevice: spec.onGpu ?? false, isGPUPackage: true, binding: { TF_Version: '2.9.1' } }),
    listGpus() {
      calls.push('listGpus');
      return spec.gpus ?? { error: 'nvidia-smi not found' };
    },
    processMaps: () => spec.maps,
    cpu: () => CPU,
    async tryWasm() {
      calls.push('tryWasm');
      return spec.wasm ?? WASM_OK;
    },
    async tryCpu() {
      calls.push('tryCpu');
      return spec.cpu ?? CPU_OK;
    },
  };
}

describe('selectCompute with tfjs-node-gpu', () => {
  it('uses the GPU when libtensorflow finds one, and names it with the CUDA, cuDNN and driver versions', async () => {
    const host = fakeHost({ packages: { [GPU_PKG]: { version: '4.22.0' }, [NODE_PKG]: { version: '4.22.0' } }, onGpu: true, gpus: { gpus: [T4] }, maps: CUDA_MAPS });
    const info = await selectCompute({}, host);
    expect(info).toMatchObject({ backend: 'tensorflow', tensorflowPackage: GPU_PKG, tensorflowPackageVersion: '4.22.0', deviceKind: 'gpu', device: 'Tesla T4 (GPU 0, 15360 MiB)', threads: 8 });
    expect(info.gpu).toEqual({ inUse: true, devices: [T4], libtensorflow: '2.9.1', cudaRuntime: '11.2.152', cudnn: '8.1.1', driver: '535.104.05' });
    expect(info.tensorflowPackages).toEqual({ [GPU_PKG]: 'used, on the GPU', [NODE_PKG]: expect.stringMatching(/^not tried: @tensorflow\/tfjs-node-gpu was loaded first/) });
    expect(info.chosenBecause).toMatch(/^the first backend in the order of preference \(tensorflow > wasm > cpu\)/);
    expect(info.notChosen).toEqual({ wasm: 'skipped: tensorflow comes first in the order of preference (tensorflow > wasm > cpu)', cpu: 'skipped: tensorflow comes first in the order of preference (tensorflow > wasm > cpu)' });
    // tfjs-node is never loaded beside tfjs-node-gpu, and nothing else is tried.
    expect(host.calls).toEqual([`load ${GPU_PKG}`, 'setBackend tensorflow', 'listGpus']);
    const lines = describeCompute(info);
    expect(lines[0]).toBe('compute backend: tensorflow via @tensorflow/tfjs-node-gpu 4.22.0 — requested auto; tfjs-core 4.22.0');
    expect(lines).toContain('device: GPU Tesla T4 (GPU 0, 15360 MiB) — CUDA runtime 11.2.152, cuDNN 8.1.1, NVIDIA driver 535.104.05, libtensorflow 2.9.1; 8 logical CPU cores');
    expect(lines.some((l) => l.startsWith('tensorflow packages: @tensorflow/tfjs-node-gpu: used, on the GPU; @tensorflow/tfjs-node: not tried'))).toBe(true);
    expect(lines.some((l) => l.startsWith('warning'))).toBe(false);
  });

  it('names only the GPUs CUDA_VISIBLE_DEVICES leaves visible; without nvidia-smi says the model is not known', async () => {
    const two = await selectCompute({}, fakeHost({ packages: { [GPU_PKG]: {} }, onGpu: true, gpus: { gpus: [T4, A100] }, env: { CUDA_VISIBLE_DEVICES: '1' } }));
    expect(two.device).toBe('NVIDIA A100-SXM4-40GB (GPU 1, 40960 MiB)');
    const both = await selectCompute({}, fakeHost({ packages: { [GPU_PKG]: {} }, onGpu: true, gpus: { gpus: [T4, A100] } }));
    expect(both.device).toBe('Tesla T4 (GPU 0, 15360 MiB), NVIDIA A100-SXM4-40GB (GPU 1, 40960 MiB) — tfjs-node computes on one of them');
    const unnamed = await selectCompute({}, fakeHost({ packages: { [GPU_PKG]: {} }, onGpu: true }));
    expect(unnamed.deviceKind).toBe('gpu');
    expect(unnamed.device).toBe('CUDA GPU (model not known: nvidia-smi not found)');
    expect(unnamed.gpu).toMatchObject({ inUse: true, devices: [], devicesError: 'nvidia-smi not found' });
    expect(describeCompute(unnamed)).toContain('device: GPU CUDA GPU (model not known: nvidia-smi not found) — CUDA runtime version not known, cuDNN version not known, libtensorflow 2.9.1; 8 logical CPU cores');
  });

  it('runs libtensorflow on the CPU when the package loads but finds no CUDA GPU, and records which CUDA library was missing', async () => {
    const noCudnn = [map('/usr/lib/x86_64-linux-gnu/libcuda.so.535.104.05'), map('/usr/local/cuda/lib64/libcudart.so.11.2.152')].join('\n');
    const host = fakeHost({ packages: { [GPU_PKG]: { version: '4.22.0' }, [NODE_PKG]: { version: '4.22.0' } }, onGpu: false, gpus: { gpus: [T4] }, maps: noCudnn });
    const info = await selectCompute({}, host);
    expect(info).toMatchObject({ backend: 'tensorflow', tensorflowPackage: GPU_PKG, deviceKind: 'cpu', device: CPU.model });
    expect(info.gpu!.inUse).toBe(false);
    expect(info.gpu!.cudaRuntime).toBe('11.2.152');
    expect(info.gpu!.cudnn).toBeUndefined();
    expect(info.gpu!.reason).toMatch(/^libtensorflow found no usable GPU \(not loaded: libcudnn \(cuDNN\)\); tfjs-node-gpu 4\.22 needs NVIDIA driver > 450, CUDA 11\.2 and cuDNN 8\.1/);
    expect(info.tensorflowPackages[GPU_PKG]).toBe('used, on the CPU (no usable GPU found)');
    expect(info.tensorflowPackages[NODE_PKG]).toMatch(/^not tried/);
    expect(host.calls).not.toContain(`load ${NODE_PKG}`);
    const lines = describeCompute(info);
    expect(lines).toContain(`device: CPU ${CPU.model} (8 logical CPU cores)`);
    expect(lines).toContain(`warning: @tensorflow/tfjs-node-gpu runs on the CPU — ${info.gpu!.reason}`);
  });

  it('says why there is no GPU when nvidia-smi is missing, lists none, or CUDA_VISIBLE_DEVICES hides them all', async () => {
    const reason = async (spec: FakeSpec): Promise<string> => (await selectCompute({}, fakeHost({ packages: { [GPU_PKG]: {} }, onGpu: false, ...spec }))).gpu!.reason!;
    expect(await reason({ maps: '' })).toMatch(/^libtensorflow found no usable GPU \(nvidia-smi not found; not loaded: libcuda \(NVIDIA driver\), libcudart \(CUDA runtime\), libcudnn \(cuDNN\)\)/);
    expect(await reason({ gpus: { gpus: [] }, maps: CUDA_MAPS })).toMatch(/^libtensorflow found no usable GPU \(nvidia-smi lists no GPU\)/);
    expect(await reason({ gpus: { gpus: [T4, A100] }, maps: CUDA_MAPS, env: { CUDA_VISIBLE_DEVICES: '' } })).toMatch(/\(CUDA_VISIBLE_DEVICES="" hides all 2 GPU\(s\)\)/);
    // Off Linux there is no /proc/self/maps: the reason does not guess at libraries.
    expect(await reason({ gpus: { gpus: [T4] } })).toMatch(/^libtensorflow found no usable GPU \(cause not known\)/);
  });

  it('falls back to tfjs-node when tfjs-node-gpu is installed but fails to load, with the loader error recorded', async () => {
    const failure = new Error('libcudnn.so.8: cannot open shared object file: No such file or directory\n    at Module._extensions..node');
    const host = fakeHost({ packages: { [GPU_PKG]: { load: failure }, [NODE_PKG]: { version: '4.22.0' } }, onGpu: false });
    const info = await selectCompute({}, host);
    expect(info).toMatchObject({ backend: 'tensorflow', tensorflowPackage: NODE_PKG, deviceKind: 'cpu', device: CPU.model });
    expect(info.gpu).toBeUndefined();
    expect(info.tensorflowPackages).toEqual({
      [GPU_PKG]: 'installed but failed to load: libcudnn.so.8: cannot open shared object file: No such file or directory',
      [NODE_PKG]: 'used, on the CPU',
    });
    expect(host.calls).toEqual([`load ${GPU_PKG}`, `load ${NODE_PKG}`, 'setBackend tensorflow']);
    expect(describeCompute(info)).toContain('tensorflow packages: @tensorflow/tfjs-node-gpu: installed but failed to load: libcudnn.so.8: cannot open shared object file: No such file or directory; @tensorflow/tfjs-node: used, on the CPU');
  });

  it('falls back to wasm when tfjs-node-gpu fails to load and tfjs-node is not installed', async () => {
    const host = fakeHost({ packages: { [GPU_PKG]: { load: new Error('The Node.js native addon module (tfjs_binding.node) can not be found at path: /x/lib/napi-v8/tfjs_binding.node.') } } });
    const info = await selectCompute({}, host);
    expect(info.backend).toBe('wasm');
    expect(info.notChosen.tensorflow).toBe('@tensorflow/tfjs-node-gpu: installed but failed to load: The Node.js native addon module (tfjs_binding.node) can not be found at path: /x/lib/napi-v8/tfjs_binding.node.; @tensorflow/tfjs-node: not installed');
    expect(info.chosenBecause).toMatch(/^the first backend in the order of preference/);
    expect(host.calls).toEqual([`load ${GPU_PKG}`, 'tryWasm']);
  });

  it('does not try tfjs-node when tfjs-node-gpu loaded but its backend did not initialise (another tfjs-core), and says so', async () => {
    const host = fakeHost({ packages: { [GPU_PKG]: { version: '3.21.0' }, [NODE_PKG]: {} }, setBackend: new Error("Backend name 'tensorflow' not found in registry") });
    const info = await selectCompute({}, host);
    expect(info.backend).toBe('wasm');
    expect(info.tensorflowPackages[GPU_PKG]).toBe("loaded, but the tensorflow backend did not initialise: Backend name 'tensorflow' not found in registry (version 3.21.0 next to the engine's tfjs-core 4.22.0: it registers with its own tfjs-core; install 4.22.x)");
    expect(info.tensorflowPackages[NODE_PKG]).toMatch(/^not tried: @tensorflow\/tfjs-node-gpu was loaded first/);
    expect(host.calls).toEqual([`load ${GPU_PKG}`, 'setBackend tensorflow', 'tryWasm']);
    const falsy = await selectCompute({}, fakeHost({ packages: { [GPU_PKG]: { version: '4.22.0' } }, setBackend: false }));
    expect(falsy.notChosen.tensorflow).toBe('@tensorflow/tfjs-node-gpu: loaded, but the tensorflow backend did not initialise; @tensorflow/tfjs-node: not tried: @tensorflow/tfjs-node-gpu was loaded first (tfjs keeps the first package that registers the tensorflow backend)');
  });
});

describe('selectCompute without tfjs-node-gpu', () => {
  it('uses tfjs-node on the CPU when only it is installed, without asking for GPUs', async () => {
    const host = fakeHost({ packages: { [NODE_PKG]: { version: '4.22.0' } } });
    const info = await selectCompute({}, host);
    expect(info).toMatchObject({ backend: 'tensorflow', tensorflowPackage: NODE_PKG, deviceKind: 'cpu', device: CPU.model, threads: 8 });
    expect(info.tensorflowPackages).toEqual({ [GPU_PKG]: 'not installed', [NODE_PKG]: 'used, on the CPU' });
    expect(host.calls).toEqual([`load ${NODE_PKG}`, 'setBackend tensorflow']);
    expect(describeCompute(info)).toContain(`device: CPU ${CPU.model} (8 logical CPU cores)`);
  });

  it('uses wasm when neither package is installed, loading neither', async () => {
    const host = fakeHost({});
    const info = await selectCompute({}, host);
    expect(info.backend).toBe('wasm');
    expect(info.notChosen).toEqual({
      tensorflow: '@tensorflow/tfjs-node-gpu: not installed; @tensorflow/tfjs-node: not installed',
      cpu: 'skipped: wasm comes first in the order of preference (tensorflow > wasm > cpu)',
    });
    expect(host.calls).toEqual(['tryWasm']);
    const lines = describeCompute(info);
    expect(lines).toContain('tensorflow: not used — @tensorflow/tfjs-node-gpu: not installed; @tensorflow/tfjs-node: not installed');
    expect(lines).toContain(`device: CPU ${CPU.model} (8 logical CPU cores)`);
  });

  it('uses cpu when wasm fails too, and rejects naming every reason when nothing loads', async () => {
    const info = await selectCompute({}, fakeHost({ wasm: { ok: false, reason: 'wasm binaries missing in /x' } }));
    expect(info.backend).toBe('cpu');
    expect(info.notChosen.wasm).toBe('wasm binaries missing in /x');
    await expect(selectCompute({}, fakeHost({ wasm: { ok: false, reason: 'wasm broken' }, cpu: { ok: false, reason: 'cpu broken' } }))).rejects.toThrow(
      'no tfjs backend could be initialised: tensorflow: @tensorflow/tfjs-node-gpu: not installed; @tensorflow/tfjs-node: not installed; wasm: wasm broken; cpu: cpu broken',
    );
  });
});

describe('selectCompute preferences', () => {
  it(`tries the ${BACKEND_ENV_VAR} preference first and does not load the native packages it skips`, async () => {
    const host = fakeHost({ packages: { [GPU_PKG]: { version: '4.22.0' } }, env: { [BACKEND_ENV_VAR]: 'CPU' } });
    const info = await selectCompute({}, host);
    expect(info).toMatchObject({ backend: 'cpu', requested: 'cpu', requestedBy: 'env', chosenBecause: `requested by ${BACKEND_ENV_VAR}` });
    expect(info.notChosen.tensorflow).toBe(`skipped: cpu preferred by ${BACKEND_ENV_VAR} (@tensorflow/tfjs-node-gpu: installed (4.22.0), not tried; @tensorflow/tfjs-node: not installed)`);
    expect(info.notChosen.wasm).toBe(`skipped: cpu preferred by ${BACKEND_ENV_VAR}`);
    expect(host.calls).toEqual(['tryCpu']);
  });

  it('lets the option override the environment variable', async () => {
    const info = await selectCompute({ backend: 'wasm' }, fakeHost({ env: { [BACKEND_ENV_VAR]: 'cpu' } }));
    expect(info).toMatchObject({ backend: 'wasm', requestedBy: 'option', chosenBecause: 'requested by the backend option' });
    expect(info.notChosen.cpu).toBe('skipped: wasm preferred by the backend option');
  });

  it('falls back in the usual order when the requested backend cannot be used, and warns', async () => {
    const info = await selectCompute({ backend: 'tensorflow' }, fakeHost({}));
    expect(info.backend).toBe('wasm');
    expect(info.chosenBecause).toBe('tensorflow was requested by the backend option but could not be used; wasm is the first of the others (tensorflow > wasm > cpu) that loaded');
    expect(describeCompute(info)).toContain('warning: tensorflow was requested but could not be used; fell back to wasm');
  });

  it('rejects unknown backend names and bad thread counts with invalid-option', async () => {
    await expect(selectCompute({ backend: 'gpu' as never }, fakeHost({}))).rejects.toMatchObject({ name: 'InvalidInputError', code: 'invalid-option' });
    await expect(selectCompute({ threads: 0 }, fakeHost({}))).rejects.toBeInstanceOf(InvalidInputError);
    await expect(selectCompute({}, fakeHost({ env: { [BACKEND_ENV_VAR]: 'webgl' } }))).rejects.toThrow(/SCANSELECT_BACKEND: unknown compute backend "webgl"/);
  });
});
