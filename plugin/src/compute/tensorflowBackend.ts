/**
 * The `tensorflow` backend: native libtensorflow through `@tensorflow/tfjs-node-gpu`, else
 * `@tensorflow/tfjs-node`. Both are optional packages (their installer downloads libtensorflow),
 * so each may be missing, present but unloadable (no libtensorflow, no binding, a CUDA library
 * missing), or loaded. tfjs-node-gpu loads without a usable GPU too: libtensorflow then logs the
 * CUDA library it could not open and runs on the CPU; that is recorded, not hidden.
 *
 * Only the first package that loads is used: both register the backend name `tensorflow`, and
 * tfjs-core keeps the first registration (a second `registerBackend` only warns).
 */
import type { ComputeHost, GpuListing } from './computeHost';
import { TENSORFLOW_PACKAGES, type BackendAttempt, type GpuReport, type TensorflowPackage } from './computeInfo';
import { cudaLibrariesFromMaps, gpuDeviceName, missingCudaLibraries, TFJS_NODE_GPU_NEEDS, visibleGpus } from './gpuProbe';

/** What trying the `tensorflow` backend gave, and what happened to each of its packages. */
export interface TensorflowOutcome {
  attempt: BackendAttempt;
  packages: Record<TensorflowPackage, string>;
}

const GPU_PACKAGE: TensorflowPackage = '@tensorflow/tfjs-node-gpu';

function firstLine(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const line = message.trim().split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/** What tfjs-node's backend object says about itself (`NodeJSKernelBackend`: `isUsingGpuDevice`, `binding.TF_Version`). */
function nativeFacts(backend: unknown): { onGpu: boolean; libtensorflow?: string } {
  if (typeof backend !== 'object' || backend === null) return { onGpu: false };
  const { isUsingGpuDevice, binding } = backend as { isUsingGpuDevice?: unknown; binding?: unknown };
  const version = typeof binding === 'object' && binding !== null ? (binding as { TF_Version?: unknown }).TF_Version : undefined;
  return { onGpu: isUsingGpuDevice === true, ...(typeof version === 'string' && { libtensorflow: version }) };
}

/** Why libtensorflow found no usable GPU, from the GPU list and the CUDA libraries that did (not) load. */
function noGpuReason(listing: GpuListing, visible: number, cudaVisibleDevices: string | undefined, missing: string[] | undefined): string {
  const parts: string[] = [];
  if ('error' in listing) parts.push(listing.error);
  else if (listing.gpus.length === 0) parts.push('nvidia-smi lists no GPU');
  else if (visible === 0) parts.push(`CUDA_VISIBLE_DEVICES=${JSON.stringify(cudaVisibleDevices)} hides all ${listing.gpus.length} GPU(s)`);
  if (missing !== undefined && missing.length > 0) parts.push(`not loaded: ${missing.join(', ')}`);
  const cause = parts.length > 0 ? parts.join('; ') : 'cause not known';
  return `libtensorflow found no usable GPU (${cause}); tfjs-node-gpu 4.22 needs ${TFJS_NODE_GPU_NEEDS}, and libtensorflow's log on stderr names any library it could not open`;
}

/** GPU facts once tfjs-node-gpu has loaded: devices from nvidia-smi, versions from the mapped CUDA libraries. */
function gpuReport(host: ComputeHost, onGpu: boolean, libtensorflow: string | undefined): GpuReport {
  const listing = host.listGpus();
  const cudaVisibleDevices = host.env['CUDA_VISIBLE_DEVICES'];
  const devices = 'gpus' in listing ? visibleGpus(listing.gpus, cudaVisibleDevices) : [];
  const maps = host.processMaps();
  const libraries = maps === undefined ? {} : cudaLibrariesFromMaps(maps);
  return {
    inUse: onGpu,
    ...(!onGpu && { reason: noGpuReason(listing, devices.length, cudaVisibleDevices, maps === undefined ? undefined : missingCudaLibraries(libraries)) }),
    devices,
    ...('error' in listing && { devicesError: listing.error }),
    ...(libtensorflow !== undefined && { libtensorflow }),
    ...libraries,
  };
}

/** A hint when the package's version differs from the engine's tfjs-core (it then registers with its own copy of tfjs-core). */
function versionHint(version: string | undefined, tfjsVersion: string): string {
  const minor = (v: string): string => v.split('.').slice(0, 2).join('.');
  if (version === undefined || minor(version) === minor(tfjsVersion)) return '';
  return ` (version ${version} next to the engine's tfjs-core ${tfjsVersion}: it registers with its own tfjs-core; install ${minor(tfjsVersion)}.x)`;
}

async function activate(host: ComputeHost): Promise<{ ok: true } | { ok: false; why: string }> {
  try {
    return (await host.setBackend('tensorflow')) ? { ok: true } : { ok: false, why: '' };
  } catch (e) {
    return { ok: false, why: `: ${firstLine(e)}` };
  }
}

/**
 * Tries tfjs-node-gpu, then tfjs-node: resolve (else `not installed`), load (else `installed but
 * failed to load: …`), make `tensorflow` tfjs' backend, then ask it whether it runs on a GPU.
 */
export async function tryTensorflow(host: ComputeHost): Promise<TensorflowOutcome> {
  const packages = {} as Record<TensorflowPackage, string>;
  let loaded: TensorflowPackage | undefined;
  let attempt: BackendAttempt | undefined;
  for (const pkg of TENSORFLOW_PACKAGES) {
    if (loaded !== undefined) {
      packages[pkg] = `not tried: ${loaded} was loaded first (tfjs keeps the first package that registers the tensorflow backend)`;
      continue;
    }
    if (!host.resolves(pkg)) {
      packages[pkg] = 'not installed';
      continue;
    }
    try {
      await host.load(pkg);
    } catch (e) {
      packages[pkg] = `installed but failed to load: ${firstLine(e)}`;
      continue;
    }
    loaded = pkg;
    const version = host.packageVersion(pkg);
    const activated = await activate(host);
    if (!activated.ok) {
      packages[pkg] = `loaded, but the tensorflow backend did not initialise${activated.why}${versionHint(version, host.tfjsVersion)}`;
      continue;
    }
    const { onGpu, libtensorflow } = nativeFacts(host.activeBackend());
    const gpu = pkg === GPU_PACKAGE ? gpuReport(host, onGpu, libtensorflow) : undefined;
    const cpu = host.cpu();
    packages[pkg] = onGpu ? 'used, on the GPU' : gpu !== undefined ? 'used, on the CPU (no usable GPU found)' : 'used, on the CPU';
    attempt = {
      ok: true,
      info: {
        backend: 'tensorflow',
        tensorflowPackage: pkg,
        ...(version !== undefined && { tensorflowPackageVersion: version }),
        ...(gpu !== undefined && { gpu }),
        device: onGpu ? (gpuDeviceName(gpu?.devices ?? []) ?? `CUDA GPU (model not known: ${gpu?.devicesError ?? 'no GPU list'})`) : cpu.model,
        deviceKind: onGpu ? 'gpu' : 'cpu',
        cpuCount: cpu.cores,
        // libtensorflow sizes its intra-op pool to the core count by default.
        threads: cpu.cores,
        tfjsVersion: host.tfjsVersion,
      },
    };
  }
  return { attempt: attempt ?? { ok: false, reason: describePackages(packages) }, packages };
}

/** `pkg: status; pkg: status` for the packages of the tensorflow backend. */
export function describePackages(packages: Record<TensorflowPackage, string>): string {
  return TENSORFLOW_PACKAGES.map((p) => `${p}: ${packages[p]}`).join('; ');
}

/** Package states when the tensorflow backend was not tried at all. */
export function untriedPackages(host: ComputeHost): Record<TensorflowPackage, string> {
  const packages = {} as Record<TensorflowPackage, string>;
  for (const pkg of TENSORFLOW_PACKAGES) {
    const version = host.resolves(pkg) ? (host.packageVersion(pkg) ?? 'version unknown') : undefined;
    packages[pkg] = version === undefined ? 'not installed' : `installed (${version}), not tried`;
  }
  return packages;
}
