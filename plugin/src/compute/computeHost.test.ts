/**
 * The real host, piece by piece, and the real tfjs registry with a stand-in for tfjs-node-gpu:
 * only resolving and loading the package are faked; tf.setBackend, tf.backend(), nvidia-smi and
 * /proc/self/maps are this machine's. The stand-in registers a `tensorflow` backend carrying the
 * fields tfjs-node's NodeJSKernelBackend has (`isUsingGpuDevice`, `binding.TF_Version`), as
 * tfjs-node's index.ts does when it is imported.
 */
import { execFileSync } from 'child_process';
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { nodeComputeHost } from './computeHost';
import { selectCompute } from './backend';

const GPU_PKG = '@tensorflow/tfjs-node-gpu';

function hasNvidiaSmi(): boolean {
  try {
    execFileSync('nvidia-smi', ['-L'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch (e) {
    return (e as { code?: unknown }).code !== 'ENOENT';
  }
}

describe('nodeComputeHost', () => {
  const host = nodeComputeHost();
  const removeStandIn = (): void => {
    if (tf.findBackendFactory('tensorflow') !== null) tf.removeBackend('tensorflow');
  };
  afterAll(removeStandIn);

  it('resolves, versions and loads packages as Node does', async () => {
    expect(host.resolves('@tensorflow/tfjs-core')).toBe(true);
    expect(host.resolves('@scanselect/no-such-package')).toBe(false);
    expect(host.packageVersion('@tensorflow/tfjs-core')).toBe(tf.version_core);
    expect(host.packageVersion('@scanselect/no-such-package')).toBeUndefined();
    await expect(host.load('@scanselect/no-such-package')).rejects.toThrow(/Cannot find module '@scanselect\/no-such-package'/);
    expect(host.env).toBe(process.env);
  });

  it('lists GPUs with nvidia-smi or says why not, and reads this process\'s mapped files on Linux', () => {
    const listing = host.listGpus();
    if (hasNvidiaSmi()) expect('gpus' in listing || /^nvidia-smi failed: /.test(listing.error)).toBe(true);
    else expect(listing).toEqual({ error: 'nvidia-smi not found' });
    const maps = host.processMaps();
    if (process.platform === 'linux') expect(maps).toMatch(/\/node\b|libc\.so|ld-linux/);
    else expect(maps).toBeUndefined();
    expect(host.cpu().cores).toBeGreaterThan(0);
  });

  it.each([true, false])('reads isUsingGpuDevice=%s and TF_Version from the backend tfjs-node registers', async (onGpu) => {
    removeStandIn();
    tf.registerBackend('tensorflow', () => Object.assign(new MathBackendCPU(), { isUsingGpuDevice: onGpu, binding: { TF_Version: '2.9.1' } }));
    const withStandIn = { ...host, resolves: (s: string) => s === GPU_PKG || host.resolves(s), load: (s: string) => (s === GPU_PKG ? Promise.resolve({}) : host.load(s)) };
    const info = await selectCompute({ backend: 'tensorflow' }, withStandIn);
    expect(tf.getBackend()).toBe('tensorflow');
    expect(info).toMatchObject({ backend: 'tensorflow', tensorflowPackage: GPU_PKG, deviceKind: onGpu ? 'gpu' : 'cpu' });
    expect(info.gpu).toMatchObject({ inUse: onGpu, libtensorflow: '2.9.1' });
    if (!hasNvidiaSmi() && process.platform === 'linux') {
      // This machine: no nvidia-smi, no CUDA library mapped.
      expect(info.device).toBe(onGpu ? 'CUDA GPU (model not known: nvidia-smi not found)' : host.cpu().model);
      if (!onGpu) expect(info.gpu!.reason).toMatch(/^libtensorflow found no usable GPU \(nvidia-smi not found; not loaded: libcuda \(NVIDIA driver\), libcudart \(CUDA runtime\), libcudnn \(cuDNN\)\)/);
    }
  });
});
