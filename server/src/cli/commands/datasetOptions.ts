import { InvalidOptionArgumentError, type Command } from 'commander';
import { initCompute, type ComputeBackendRequest, type ComputeInfo } from '@scanselect/plugin';
import { UsageError } from '../errors';
import { readIds } from '../files';
import { integer } from '../options';

/** Options shared by train, predict and evaluate. */
export interface DatasetOptions {
  images: string[];
  ids?: string;
  niftiAxis: number;
  maskValues?: number[];
  backend?: ComputeBackendRequest;
  progress: boolean;
}

/** Parses "0,150,200,250" into numbers. */
export function numberList(value: string): number[] {
  const parts = value.split(',').map((p) => p.trim());
  if (parts.some((p) => !/^\d+$/.test(p))) throw new InvalidOptionArgumentError(`"${value}" is not a comma-separated list of integers.`);
  return parts.map(Number);
}

/** Adds --ids, --nifti-axis, --backend and --no-progress. */
export function addDatasetOptions(command: Command, idsHelp: string): Command {
  return command
    .option('--ids <file>', idsHelp)
    .option('--nifti-axis <axis>', 'NIfTI volumes: slice along this axis (0, 1 or 2)', integer, 2)
    .option('--backend <name>', 'compute backend: auto, tensorflow, wasm, cpu (default auto or $SCANSELECT_BACKEND)')
    .option('--no-progress', 'do not draw a progress bar');
}

/** Reads --ids if given. */
export async function idsOption(options: DatasetOptions): Promise<string[] | undefined> {
  return options.ids === undefined ? undefined : readIds(options.ids, '--ids');
}

/** Validates --nifti-axis. */
export function niftiAxis(options: DatasetOptions): 0 | 1 | 2 {
  if (![0, 1, 2].includes(options.niftiAxis)) throw new UsageError('--nifti-axis must be 0, 1 or 2');
  return options.niftiAxis as 0 | 1 | 2;
}

/** Starts the compute backend and says which one on stderr. */
export async function startCompute(options: DatasetOptions): Promise<ComputeInfo> {
  const info = await initCompute(options.backend === undefined ? {} : { backend: options.backend });
  process.stderr.write(`compute backend: ${info.backend}\n`);
  return info;
}

/** The mask source of train/evaluate: --masks or --class-masks, exactly one. */
export function maskSource(options: { masks?: string; classMasks?: string[] }): { masks: string } | { classMasks: string[] } {
  if ((options.masks === undefined) === (options.classMasks === undefined)) {
    throw new UsageError('give exactly one of --masks DIR or --class-masks DIR1,DIR2,…');
  }
  return options.masks !== undefined ? { masks: options.masks } : { classMasks: options.classMasks! };
}

/** --classes, defaulting to the number of --class-masks folders + 1, else 2. */
export function classCount(options: { classes?: number; classMasks?: string[] }): number {
  return options.classes ?? (options.classMasks ? options.classMasks.length + 1 : 2);
}
