import { Command, Option } from 'commander';
import { describeCompute, initCompute, type ComputeBackendRequest } from '@scanselect/plugin';

interface DoctorOptions {
  backend?: ComputeBackendRequest;
  json?: boolean;
}

/** `scanselect doctor`: which compute backend is used, why not the others, device and threads. */
export function doctorCommand(): Command {
  return new Command('doctor')
    .description('Show the compute backend ScanSelect uses (tfjs-node-gpu → tfjs-node → wasm → cpu), why not the others, the device and the threads.')
    .addOption(new Option('--backend <name>', 'request a backend (default: auto, or $SCANSELECT_BACKEND)').choices(['auto', 'tensorflow', 'wasm', 'cpu']))
    .option('--json', 'print the details as JSON')
    .action(async (options: DoctorOptions) => {
      const info = await initCompute(options.backend === undefined ? {} : { backend: options.backend });
      process.stdout.write(options.json ? JSON.stringify(info, null, 2) + '\n' : describeCompute(info).join('\n') + '\n');
    });
}
