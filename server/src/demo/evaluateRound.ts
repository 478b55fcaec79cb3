import { promises as fs } from 'node:fs';
import { diceScores, predictBatch, preprocessImage, readDicom, readPng, resizeNearest } from '@scanselect/plugin';
import type { ArtifactStore } from '../storage/artifactStore';
import { getModel } from '../storage/storedModel';
import type { PhantomCase } from './phantomDataset';

/**
 * The demo knows the truth of every phantom, so it can show what each round's model is worth:
 * mean foreground Dice of the model a round stored (`modelKey`, the round's `modelDir`) on the
 * phantoms not labelled yet.
 */
export async function evaluateRoundModel(artifacts: ArtifactStore, modelKey: string, phantoms: readonly PhantomCase[], size: number, classes: number): Promise<{ images: number; meanDice: number }> {
  const trained = await getModel(artifacts, modelKey);
  try {
    let sum = 0;
    for (let start = 0; start < phantoms.length; start += 16) {
      const chunk = phantoms.slice(start, start + 16);
      const inputs: Float32Array[] = [];
      const truths: Uint8Array[] = [];
      for (const phantom of chunk) {
        const [frame] = await readDicom(await fs.readFile(phantom.file));
        inputs.push(preprocessImage(frame!, size).data);
        const truth = readPng(await fs.readFile(phantom.truthFile));
        truths.push(resizeNearest(Uint8Array.from(truth.data), truth.width, truth.height, size));
      }
      predictBatch(trained.model, inputs, size).forEach((p, i) => {
        sum += diceScores({ width: size, height: size, labels: p.mask }, { width: size, height: size, labels: truths[i]! }, classes).meanForeground;
      });
    }
    return { images: phantoms.length, meanDice: sum / Math.max(1, phantoms.length) };
  } finally {
    trained.dispose();
  }
}
