/**
 * The parsers behind the GPU report. The nvidia-smi text is written by hand in the format of
 * `nvidia-smi --query-gpu=… --format=csv,noheader,nounits` (one GPU a line, ", " between fields;
 * no GPU on this machine to capture it from); the maps lines follow proc(5)'s layout.
 */
import { cudaLibrariesFromMaps, gpuDeviceName, missingCudaLibraries, NVIDIA_SMI_ARGS, parseNvidiaSmiGpus, visibleGpus } from './gpuProbe';

const SMI = [
  '0, GPU-11111111-2222-3333-4444-555555555555, Tesla T4, 15360, 535.104.05',
  '1, GPU-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee, NVIDIA GeForce RTX 3090, 24576, 535.104.05',
  '2, GPU-ffffffff-bbbb-cccc-dddd-eeeeeeeeeeee, Some GPU, Rev. 2, [N/A], 535.104.05',
  '',
].join('\n');

describe('parseNvidiaSmiGpus', () => {
  it('reads index, uuid, name, memory and driver per line; a name with a comma and an [N/A] memory survive', () => {
    expect(NVIDIA_SMI_ARGS[0]).toBe('--query-gpu=index,uuid,name,memory.total,driver_version');
    const gpus = parseNvidiaSmiGpus(SMI);
    expect(gpus).toEqual([
      { index: 0, uuid: 'GPU-11111111-2222-3333-4444-555555555555', name: 'Tesla T4', memoryMiB: 15360, driver: '535.104.05' },
      { index: 1, uuid: 'GPU-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', name: 'NVIDIA GeForce RTX 3090', memoryMiB: 24576, driver: '535.104.05' },
      { index: 2, uuid: 'GPU-ffffffff-bbbb-cccc-dddd-eeeeeeeeeeee', name: 'Some GPU, Rev. 2', memoryMiB: 0, driver: '535.104.05' },
    ]);
    expect(gpuDeviceName([gpus[2]!])).toBe('Some GPU, Rev. 2 (GPU 2)');
  });

  it('ignores lines that are not a GPU (an error text, a header)', () => {
    expect(parseNvidiaSmiGpus('NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.\n')).toEqual([]);
    expect(parseNvidiaSmiGpus('index, uuid, name, memory.total [MiB], driver_version\n')).toEqual([]);
  });
});

describe('visibleGpus', () => {
  const gpus = parseNvidiaSmiGpus(SMI);
  it('follows CUDA_VISIBLE_DEVICES: unset all, empty none, indices and UUID prefixes in order, up to the first entry CUDA rejects', () => {
    expect(visibleGpus(gpus, undefined).map((g) => g.index)).toEqual([0, 1, 2]);
    expect(visibleGpus(gpus, '')).toEqual([]);
    expect(visibleGpus(gpus, '2,0').map((g) => g.index)).toEqual([2, 0]);
    expect(visibleGpus(gpus, 'GPU-aaaaaaaa').map((g) => g.index)).toEqual([1]);
    expect(visibleGpus(gpus, '1,7,0').map((g) => g.index)).toEqual([1]);
    expect(visibleGpus(gpus, '-1')).toEqual([]);
  });
});

describe('cudaLibrariesFromMaps', () => {
  const line = (file: string): string => `7f3a1c000000-7f3a1c400000 r-xp 00000000 fd:01 4456789                    ${file}`;
  it('takes the versions from the real files behind the sonames', () => {
    const maps = [
      '55d0c0000000-55d0c0100000 r--p 00000000 fd:01 111                        /usr/bin/node',
      '7ffd1c000000-7ffd1c021000 rw-p 00000000 00:00 0                          [stack]',
      line('/usr/lib/x86_64-linux-gnu/libcuda.so.535.104.05'),
      line('/usr/local/cuda-11.2/targets/x86_64-linux/lib/libcudart.so.11.2.152'),
      line('/usr/lib/x86_64-linux-gnu/libcudnn.so.8.1.1'),
      line('/usr/lib/x86_64-linux-gnu/libcudnn_cnn_infer.so.8.1.1'),
      line('/usr/local/cuda-11.2/lib64/libcublas.so.11.4.1.1043'),
    ].join('\n');
    const libs = cudaLibrariesFromMaps(maps);
    expect(libs).toEqual({ driver: '535.104.05', cudaRuntime: '11.2.152', cudnn: '8.1.1' });
    expect(missingCudaLibraries(libs)).toEqual([]);
  });

  it('keeps a bare soname version, never takes libcuda.so.1 for a driver version, and lists what is missing', () => {
    const libs = cudaLibrariesFromMaps([line('/opt/venv/nvidia/cuda_runtime/lib/libcudart.so.11.0'), line('/usr/lib/wsl/lib/libcuda.so.1')].join('\n'));
    expect(libs).toEqual({ cudaRuntime: '11.0' });
    expect(missingCudaLibraries(libs)).toEqual(['libcuda (NVIDIA driver)', 'libcudnn (cuDNN)']);
    expect(missingCudaLibraries(cudaLibrariesFromMaps(''))).toEqual(['libcuda (NVIDIA driver)', 'libcudart (CUDA runtime)', 'libcudnn (cuDNN)']);
  });
});
