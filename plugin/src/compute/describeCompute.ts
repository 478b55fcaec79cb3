/** The human-readable report of a {@link ComputeInfo}: what `scanselect doctor` prints. */
import { BACKEND_ENV_VAR, BACKEND_ORDER, type ComputeInfo, type GpuReport } from './computeInfo';
import { describePackages } from './tensorflowBackend';

function gpuVersions(gpu: GpuReport): string {
  const parts = [
    gpu.cudaRuntime !== undefined ? `CUDA runtime ${gpu.cudaRuntime}` : 'CUDA runtime version not known',
    gpu.cudnn !== undefined ? `cuDNN ${gpu.cudnn}` : 'cuDNN version not known',
    ...(gpu.driver !== undefined ? [`NVIDIA driver ${gpu.driver}`] : gpu.devices[0] !== undefined ? [`NVIDIA driver ${gpu.devices[0].driver}`] : []),
    ...(gpu.libtensorflow !== undefined ? [`libtensorflow ${gpu.libtensorflow}`] : []),
  ];
  return parts.join(', ');
}

function deviceLine(info: ComputeInfo): string {
  const cores = `${info.cpuCount} logical CPU core${info.cpuCount === 1 ? '' : 's'}`;
  if (info.deviceKind === 'gpu') return `device: GPU ${info.device} — ${info.gpu !== undefined ? gpuVersions(info.gpu) : 'versions not known'}; ${cores}`;
  return `device: CPU ${info.device} (${cores})`;
}

/** Human-readable lines describing `info`, for `scanselect doctor`. */
export function describeCompute(info: ComputeInfo): string[] {
  const lines: string[] = [];
  const source = info.requestedBy === 'env' ? ` (from ${BACKEND_ENV_VAR})` : info.requestedBy === 'option' ? ' (from the backend option)' : '';
  const via = info.tensorflowPackage !== undefined ? ` via ${info.tensorflowPackage}${info.tensorflowPackageVersion !== undefined ? ` ${info.tensorflowPackageVersion}` : ''}` : '';
  lines.push(`compute backend: ${info.backend}${via} — requested ${info.requested}${source}; tfjs-core ${info.tfjsVersion}`);
  if (info.requested !== 'auto' && info.requested !== info.backend) {
    lines.push(`warning: ${info.requested} was requested but could not be used; fell back to ${info.backend}`);
  }
  lines.push(`chosen because: ${info.chosenBecause}`);
  lines.push(deviceLine(info));
  if (info.gpu !== undefined && !info.gpu.inUse) {
    lines.push(`warning: @tensorflow/tfjs-node-gpu runs on the CPU — ${info.gpu.reason ?? 'no GPU found'}`);
  }
  if (info.wasm !== undefined) {
    lines.push(`threads: ${info.threads} (wasm SIMD ${info.wasm.simd ? 'on' : 'off'}, wasm threads ${info.wasm.threads ? 'on' : 'off — tfjs-backend-wasm does not enable them under Node'})`);
    lines.push(`wasm binaries: ${info.wasm.wasmDir}`);
    lines.push(`wasm training kernels added by ScanSelect: ${info.wasm.trainingKernels.join(', ')}`);
    const native = info.wasm.nativeKernels;
    lines.push(native.active
      ? `native kernels: oneDNN ${native.version ?? ''}, ${native.threads ?? '?'} threads — ${native.kernels.join(', ')}`
      : `native kernels: not active — ${native.reason ?? 'unknown reason'}`);
  } else {
    lines.push(`threads: ${info.threads}`);
  }
  if (info.backend === 'tensorflow') lines.push(`tensorflow packages: ${describePackages(info.tensorflowPackages)}`);
  for (const name of BACKEND_ORDER) {
    const reason = info.notChosen[name];
    if (reason !== undefined) lines.push(`${name}: not used — ${reason}`);
  }
  return lines;
}
