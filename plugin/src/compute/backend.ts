/**
 * Chooses and initialises the tfjs compute backend the engine trains and infers with.
 *
 * Order of preference ('auto'): `tensorflow` (native libtensorflow through
 * `@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node`; ./tensorflowBackend), then `wasm`
 * (XNNPACK, with the training kernels of ./wasmTrainingKernels), then `cpu` (plain JavaScript,
 * ~50–100× slower for convolutions). A preference set by the `backend` option or the
 * `SCANSELECT_BACKEND` environment variable is tried first; if it cannot be loaded the remaining
 * backends are tried in the usual order, and {@link ComputeInfo} records why.
 *
 * {@link selectCompute} makes the choice against a {@link ComputeHost} (tests pass fakes);
 * {@link initCompute} is the cached, real-process entry point.
 */
import { InvalidInputError } from '../core/errors';
import { nodeComputeHost, type ComputeHost } from './computeHost';
import {
  BACKEND_ENV_VAR,
  BACKEND_ORDER,
  type BackendAttempt,
  type ComputeBackendName,
  type ComputeBackendRequest,
  type ComputeInfo,
  type ComputeOptions,
  type TensorflowPackage,
} from './computeInfo';
import { describeCompute } from './describeCompute';
import { describePackages, tryTensorflow, untriedPackages } from './tensorflowBackend';
import { registerReductionGradients } from './reductionGradients';
import { registerActivationGradients } from './activationGradients';

export type { ComputeBackendName, ComputeBackendRequest, ComputeInfo, ComputeOptions, GpuDevice, GpuReport, TensorflowPackage, BackendAttempt } from './computeInfo';
export type { ComputeHost, GpuListing } from './computeHost';
export { BACKEND_ENV_VAR, describeCompute };
export { wasmBinaryDir } from './bundledBackends';

const REQUESTS: readonly ComputeBackendRequest[] = ['auto', ...BACKEND_ORDER];

function isRequest(value: string): value is ComputeBackendRequest {
  return (REQUESTS as readonly string[]).includes(value);
}

function parseRequest(value: unknown, source: string): ComputeBackendRequest {
  if (typeof value === 'string' && isRequest(value.trim().toLowerCase())) {
    return value.trim().toLowerCase() as ComputeBackendRequest;
  }
  throw new InvalidInputError(
    'invalid-option',
    `${source}: unknown compute backend ${JSON.stringify(value)}; expected one of ${REQUESTS.join(', ')}`,
  );
}

/** The effective request: the option unless it is 'auto', else the environment variable, else 'auto'. */
function effectiveRequest(options: ComputeOptions, env: ComputeHost['env']): Pick<ComputeInfo, 'requested' | 'requestedBy'> {
  if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
    throw new InvalidInputError('invalid-option', `threads must be a positive integer, got ${options.threads}`);
  }
  const fromOption = options.backend === undefined ? 'auto' : parseRequest(options.backend, 'backend option');
  const envValue = env[BACKEND_ENV_VAR];
  const fromEnv = envValue === undefined || envValue.trim() === '' ? 'auto' : parseRequest(envValue, BACKEND_ENV_VAR);
  if (fromOption !== 'auto') return { requested: fromOption, requestedBy: 'option' };
  return { requested: fromEnv, requestedBy: fromEnv !== 'auto' ? 'env' : 'default' };
}

function requestSource(requestedBy: ComputeInfo['requestedBy']): string {
  return requestedBy === 'env' ? `by ${BACKEND_ENV_VAR}` : requestedBy === 'option' ? 'by the backend option' : 'by default';
}

/** Why a backend that was never tried was skipped. */
function skippedReason(chosen: ComputeBackendName, request: Pick<ComputeInfo, 'requested' | 'requestedBy'>): string {
  return request.requested === chosen && request.requestedBy !== 'default'
    ? `skipped: ${chosen} preferred ${requestSource(request.requestedBy)}`
    : `skipped: ${chosen} comes first in the order of preference (${BACKEND_ORDER.join(' > ')})`;
}

/** Why `chosen` is in use. */
function chosenBecause(chosen: ComputeBackendName, request: Pick<ComputeInfo, 'requested' | 'requestedBy'>): string {
  if (request.requested === 'auto') return `the first backend in the order of preference (${BACKEND_ORDER.join(' > ')}) that loaded`;
  if (request.requested === chosen) return `requested ${requestSource(request.requestedBy)}`;
  return `${request.requested} was requested ${requestSource(request.requestedBy)} but could not be used; ${chosen} is the first of the others (${BACKEND_ORDER.join(' > ')}) that loaded`;
}

/**
 * Selects, loads and activates a compute backend on `host` without caching: the order of
 * preference and the fallbacks of the module comment, with every reason recorded.
 * @throws (rejects with) InvalidInputError('invalid-option') for an unknown backend name (option or
 *   env var) or a bad thread count; Error when no backend at all can be initialised.
 */
export async function selectCompute(options: ComputeOptions, host: ComputeHost): Promise<ComputeInfo> {
  const request = effectiveRequest(options, host.env);
  const order = request.requested === 'auto' ? BACKEND_ORDER : [request.requested, ...BACKEND_ORDER.filter((b) => b !== request.requested)];
  const notChosen: Partial<Record<ComputeBackendName, string>> = {};
  let packages: Record<TensorflowPackage, string> | undefined;
  for (const name of order) {
    let result: BackendAttempt;
    if (name === 'tensorflow') {
      const outcome = await tryTensorflow(host);
      packages = outcome.packages;
      result = outcome.attempt;
    } else {
      result = name === 'wasm' ? await host.tryWasm(options.threads) : await host.tryCpu();
    }
    if (!result.ok) {
      notChosen[name] = result.reason;
      continue;
    }
    packages ??= untriedPackages(host);
    for (const other of BACKEND_ORDER) {
      if (other === name || notChosen[other] !== undefined) continue;
      notChosen[other] = skippedReason(name, request) + (other === 'tensorflow' ? ` (${describePackages(packages)})` : '');
    }
    return { ...result.info, ...request, chosenBecause: chosenBecause(name, request), notChosen, tensorflowPackages: packages };
  }
  throw new Error(`no tfjs backend could be initialised: ${BACKEND_ORDER.map((b) => `${b}: ${notChosen[b] ?? '?'}`).join('; ')}`);
}

let cached: { key: string; info: Promise<ComputeInfo> } | undefined;

/**
 * Selects, loads and initialises the compute backend of this process (see the module comment for
 * the order of preference), registers the wasm training kernels when wasm is chosen, and makes
 * the choice the active tfjs backend. Idempotent: calls with the same effective request return
 * the same {@link ComputeInfo} object without re-initialising.
 * @throws (rejects with) InvalidInputError('invalid-option') for an unknown backend name (option or
 *   env var) or a bad thread count; Error when no backend at all can be initialised.
 */
export async function initCompute(options: ComputeOptions = {}): Promise<ComputeInfo> {
  const host = nodeComputeHost();
  const request = effectiveRequest(options, host.env);
  const key = `${request.requested}|${request.requestedBy}|${options.threads ?? ''}`;
  if (cached !== undefined && cached.key === key) return cached.info;
  // The Mean, Sum and Relu gradients after any backend package (and tfjs-layers) has registered its own.
  const info = selectCompute(options, host).then((selected) => {
    registerReductionGradients();
    registerActivationGradients();
    return selected;
  });
  cached = { key, info };
  // A failed initialisation must not stay cached: the next call should try again.
  info.catch(() => {
    if (cached?.info === info) cached = undefined;
  });
  return info;
}

/**
 * Forgets the cached result of {@link initCompute} so that the next call selects again. For tests;
 * it does not change the active tfjs backend.
 */
export function resetComputeCache(): void {
  cached = undefined;
}
