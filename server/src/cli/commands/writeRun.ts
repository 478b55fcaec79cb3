import { promises as fs } from 'node:fs';
import { selectionMapSvg, type EmbeddedPool, type SelectionRun } from '@scanselect/plugin';
import { writeOutput } from '../files';
import type { SharedOptions } from './projectionOptions';

/** Writes the JSON report (stdout or --out) and, with --plot, the SVG map. */
export async function writeRun(run: SelectionRun, pool: EmbeddedPool, options: SharedOptions, title: string): Promise<void> {
  await writeOutput(JSON.stringify(run.report, null, 2) + '\n', options.out);
  if (options.plot) {
    const svg = selectionMapSvg({ ids: pool.ids, map: run.map, selected: run.report.selected, labelled: run.report.labelled ?? [], title });
    await fs.writeFile(options.plot, svg);
  }
}
