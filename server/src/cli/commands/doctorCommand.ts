import { Command, Option } from 'commander';
import { describeCompute, describeProjection, initCompute, type ComputeBackendRequest, type ComputeInfo, type ComputeOptions } from '@scanselect/plugin';

interface DoctorOptions {
  backend?: ComputeBackendRequest;
  json?: boolean;
  requireGpu?: boolean;
}

/** What `doctor` needs; tests pass a fake backend choice and collect the output. */
export interface DoctorDependencies {
  initCompute: (options: ComputeOptions) => Promise<ComputeInfo>;
  write: (text: string) => void;
}

const defaults: DoctorDependencies = { initCompute, write: (text) => process.stdout.write(text) };

/**
 * `scanselect doctor`: the compute backend in use and why, why not the others (each native
 * package: not installed, failed to load and why, not tried), the device (GPU model with CUDA,
 * cuDNN and driver versions, or the CPU), the threads, the native kernels and how t-SNE
 * computes. `--require-gpu` makes it a check for scripts: the report is printed, then it fails unless the backend computes on a GPU.
 */
export function doctorCommand(dependencies: DoctorDependencies = defaults): Command {
  return new Command('doctor')
    .description('Show the compute backend ScanSelect uses (tfjs-node-gpu → tfjs-node → wasm → cpu) and why, why not the others, the device (GPU with CUDA/cuDNN versions, or CPU) and the threads.')
    .addOption(new Option('--backend <name>', 'request a backend (default: auto, or $SCANSELECT_BACKEND)').choices(['auto', 'tensorflow', 'wasm', 'cpu']))
    .option('--json', 'print the details as JSON')
    .option('--require-gpu', 'exit 1 (after the report) unless the backend computes on a GPU')
    .action(async (options: DoctorOptions) => {
      const info = await dependencies.initCompute(options.backend === undefined ? {} : { backend: options.backend });
      dependencies.write(options.json ? JSON.stringify(info, null, 2) + '\n' : [...describeCompute(info), ...describeProjection()].join('\n') + '\n');
      if (options.requireGpu && info.deviceKind !== 'gpu') {
        const why = info.gpu?.reason ?? (info.backend === 'tensorflow' ? `${info.tensorflowPackage ?? 'the tensorflow backend'} runs on the CPU` : `the ${info.backend} backend runs on the CPU; tensorflow: ${info.notChosen.tensorflow ?? 'not used'}`);
        throw new Error(`no GPU: ${why}`);
      }
    });
}
