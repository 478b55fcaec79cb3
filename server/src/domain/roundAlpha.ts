/**
 * The α of a round (eq. 10): the project's fixed α, or — `alpha: "adaptive"` — chosen from what
 * the project's earlier rounds show (plugin selection/adaptiveAlpha.ts): for every case an active
 * round acquired and someone has labelled since, the entropy that round's model gave it (stored on
 * the worklist) against that model's error on it (1 − mean foreground Dice of its stored
 * prediction against the mask). Cases without a stored prediction (cold start, validation) do not
 * count. For the volume unit the entropy is the volume's mean while the prediction is of the
 * chosen slice, so there the history is an approximation.
 */
import { adaptiveAlpha, diceScores, readPng } from '@scanselect/plugin';
import type { Project } from '../projects/projectStore';
import { artifactKeys } from '../storage/artifactKeys';
import type { RoundDeps } from './runRound';

/** The α to use and, when adaptive, why. */
export interface RoundAlpha {
  readonly alpha: number;
  readonly note: string | null;
}

export async function roundAlpha(deps: Pick<RoundDeps, 'rounds' | 'masks' | 'pool' | 'artifacts'>, project: Project): Promise<RoundAlpha> {
  const { alpha, model, classes } = project.settings;
  if (alpha !== 'adaptive') return { alpha, note: null };
  const masks = new Map((await deps.masks.list(project.id)).map((m) => [m.sopUid, m]));
  const history: Array<{ entropy: number; error: number }> = [];
  for (const item of await deps.rounds.worklist(project.id)) {
    const mask = masks.get(item.sopUid);
    if (item.round === 0 || item.validation || item.entropy === null || !mask) continue;
    const key = artifactKeys.prediction(project.id, item.round, item.sopUid);
    if (!(await deps.artifacts.exists(key))) continue;
    const predicted = readPng(await deps.artifacts.get(key), { path: key });
    if (predicted.width !== model.inputSize || predicted.height !== model.inputSize) continue; // the input size changed since
    const truth = await deps.pool.labelMap(mask.labelFile, model.inputSize);
    const size = model.inputSize;
    const dice = diceScores({ width: size, height: size, labels: Uint8Array.from(predicted.data) }, { width: size, height: size, labels: truth }, classes.length + 1).meanForeground;
    history.push({ entropy: item.entropy, error: 1 - dice });
  }
  const choice = adaptiveAlpha(history);
  return { alpha: choice.alpha, note: `adaptive α: ${choice.reason}` };
}
