/**
 * `scanselect doctor` with an injected backend choice: what it prints for a GPU host and for a
 * host where tfjs-node-gpu could not be used, in text and JSON, and `--require-gpu`. The choice
 * itself is tested in plugin/src/compute (selectCompute.test.ts, with fakes for every branch).
 */
import { describeCompute, describeProjection, initCompute, type ComputeInfo, type ComputeOptions } from '@scanselect/plugin';
import { doctorCommand } from './doctorCommand';

const GPU_INFO: ComputeInfo = {
  backend: 'tensorflow',
  requested: 'tensorflow',
  requestedBy: 'option',
  chosenBecause: 'requested by the backend option',
  notChosen: { wasm: 'skipped: tensorflow preferred by the backend option', cpu: 'skipped: tensorflow preferred by the backend option' },
  tensorflowPackages: { '@tensorflow/tfjs-node-gpu': 'used, on the GPU', '@tensorflow/tfjs-node': 'not tried: @tensorflow/tfjs-node-gpu was loaded first' },
  tensorflowPackage: '@tensorflow/tfjs-node-gpu',
  tensorflowPackageVersion: '4.22.0',
  gpu: {
    inUse: true,
    devices: [{ index: 0, uuid: 'GPU-1', name: 'Tesla T4', memoryMiB: 15360, driver: '535.104.05' }],
    libtensorflow: '2.9.1',
    cudaRuntime: '11.2.152',
    cudnn: '8.1.1',
    driver: '535.104.05',
  },
  device: 'Tesla T4 (GPU 0, 15360 MiB)',
  deviceKind: 'gpu',
  cpuCount: 8,
  threads: 8,
  tfjsVersion: '4.22.0',
};

const FELL_BACK: ComputeInfo = {
  backend: 'wasm',
  requested: 'tensorflow',
  requestedBy: 'option',
  chosenBecause: 'tensorflow was requested by the backend option but could not be used; wasm is the first of the others (tensorflow > wasm > cpu) that loaded',
  notChosen: {
    tensorflow: '@tensorflow/tfjs-node-gpu: installed but failed to load: libcudnn.so.8: cannot open shared object file: No such file or directory; @tensorflow/tfjs-node: not installed',
    cpu: 'skipped: wasm comes first in the order of preference (tensorflow > wasm > cpu)',
  },
  tensorflowPackages: { '@tensorflow/tfjs-node-gpu': 'installed but failed to load: libcudnn.so.8: cannot open shared object file: No such file or directory', '@tensorflow/tfjs-node': 'not installed' },
  device: 'Fake Xeon',
  deviceKind: 'cpu',
  cpuCount: 8,
  threads: 1,
  wasm: { simd: true, threads: false, wasmDir: '/x', trainingKernels: ['Conv2DBackpropFilter'], nativeKernels: { active: true, version: '2.6.3 (OpenMP)', threads: 2, kernels: ['Conv2D', 'Sum'] } },
  tfjsVersion: '4.22.0',
};

async function doctor(args: string[], info: ComputeInfo): Promise<{ out: string; requested: ComputeOptions[]; error?: Error }> {
  let out = '';
  const requested: ComputeOptions[] = [];
  const command = doctorCommand({
    initCompute: async (options) => {
      requested.push(options);
      return info;
    },
    write: (text) => (out += text),
  });
  try {
    await command.parseAsync(args, { from: 'user' });
    return { out, requested };
  } catch (error) {
    return { out, requested, error: error as Error };
  }
}

describe('scanselect doctor', () => {
  it('names the GPU with its CUDA and cuDNN versions, the backend, why it was chosen and the package states', async () => {
    const r = await doctor(['--backend', 'tensorflow'], GPU_INFO);
    expect(r.requested).toEqual([{ backend: 'tensorflow' }]);
    expect(r.out).toBe([...describeCompute(GPU_INFO), ...describeProjection()].join('\n') + '\n');
    expect(r.out).toContain('compute backend: tensorflow via @tensorflow/tfjs-node-gpu 4.22.0');
    expect(r.out).toContain('chosen because: requested by the backend option');
    expect(r.out).toContain('device: GPU Tesla T4 (GPU 0, 15360 MiB) — CUDA runtime 11.2.152, cuDNN 8.1.1, NVIDIA driver 535.104.05, libtensorflow 2.9.1');
    expect(r.out).toContain('tensorflow packages: @tensorflow/tfjs-node-gpu: used, on the GPU; @tensorflow/tfjs-node: not tried');
  });

  it('says why tfjs-node-gpu was not used, in text and JSON', async () => {
    const text = await doctor([], FELL_BACK);
    expect(text.requested).toEqual([{}]);
    expect(text.out).toContain('warning: tensorflow was requested but could not be used; fell back to wasm');
    expect(text.out).toContain('device: CPU Fake Xeon (8 logical CPU cores)');
    expect(text.out).toContain('native kernels: oneDNN 2.6.3 (OpenMP), 2 threads — Conv2D, Sum');
    expect(text.out).toMatch(/t-SNE repulsion: Barnes–Hut below 5,000 points, FFT interpolation from there/);
    expect(text.out).toMatch(/t-SNE neighbours: exact up to [\d,]+ points, approximate above/);
    expect(text.out).toContain('tensorflow: not used — @tensorflow/tfjs-node-gpu: installed but failed to load: libcudnn.so.8: cannot open shared object file');
    const json = await doctor(['--json'], FELL_BACK);
    expect(JSON.parse(json.out)).toEqual(FELL_BACK);
  });

  it('--require-gpu passes on a GPU and fails, after the report, on a CPU with the reason', async () => {
    expect((await doctor(['--json', '--require-gpu'], GPU_INFO)).error).toBeUndefined();
    const r = await doctor(['--json', '--require-gpu'], FELL_BACK);
    expect(JSON.parse(r.out).backend).toBe('wasm');
    expect(r.error?.message).toBe(`no GPU: the wasm backend runs on the CPU; tensorflow: ${FELL_BACK.notChosen.tensorflow}`);
    const noCuda: ComputeInfo = { ...GPU_INFO, deviceKind: 'cpu', device: 'Fake Xeon', gpu: { ...GPU_INFO.gpu!, inUse: false, reason: 'libtensorflow found no usable GPU (not loaded: libcudnn (cuDNN))' } };
    expect((await doctor(['--require-gpu'], noCuda)).error?.message).toBe('no GPU: libtensorflow found no usable GPU (not loaded: libcudnn (cuDNN))');
  });

  it('runs the real backend choice by default and prints the device it found', async () => {
    let out = '';
    await doctorCommand({ initCompute, write: (text) => (out += text) }).parseAsync(['--backend', 'cpu'], { from: 'user' });
    expect(out).toMatch(/^compute backend: cpu — requested cpu \(from the backend option\)/);
    expect(out).toMatch(/\ndevice: CPU .+ \(\d+ logical CPU cores?\)\n/);
  });
});
