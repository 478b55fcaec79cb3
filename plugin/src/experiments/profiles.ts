import { InvalidInputError } from '../core/errors';

/** Budgets of one data set: cold-start budgets B and active-learning splits B₀ + A. */
export interface DatasetBudgets {
  readonly budgets: readonly number[];
  readonly activeLearning: ReadonlyArray<readonly [number, number]>;
  /** Training epochs (paper: 120 chest X-ray, 150 brain). */
  readonly epochs: number;
  /** Dropout (paper: 0.15 chest X-ray, 0.10 brain). */
  readonly dropout: number;
}

/** A named set of experiment sizes. */
export interface ExperimentProfile {
  readonly id: 'paper' | 'cpu';
  readonly description: string;
  readonly runs: number;
  readonly size: number;
  readonly datasets: Readonly<Record<'montgomery' | 'jsrt' | 'ibsr18' | 'folder', DatasetBudgets>>;
}

/**
 * `paper`: the paper's budgets per data set (Tables 2–4: SynthStrip → ibsr18, CheXmask → jsrt),
 * 256², 120/150 epochs, 11 runs — for a GPU host. `cpu`: a reduced profile for a 2-core machine:
 * 64², 40 epochs (brain 50), 8 runs, two cold-start budgets and one active-learning split per
 * data set — sized from `npm run bench:models` so that one data set takes 1.5–2 h on one core
 * (docs/results.md has the measured times).
 */
export const PROFILES: Readonly<Record<'paper' | 'cpu', ExperimentProfile>> = {
  paper: {
    id: 'paper',
    description: "the paper's protocol: its budgets, 256², 120 epochs (chest) / 150 (brain), 11 runs",
    runs: 11,
    size: 256,
    datasets: {
      montgomery: { budgets: [8, 10, 12, 16], activeLearning: [[8, 4], [12, 4]], epochs: 120, dropout: 0.15 },
      jsrt: { budgets: [9, 12, 15, 18], activeLearning: [[10, 5], [13, 5]], epochs: 120, dropout: 0.15 },
      ibsr18: { budgets: [13, 19, 26, 33, 39], activeLearning: [[13, 13], [20, 13], [26, 13]], epochs: 150, dropout: 0.1 },
      folder: { budgets: [8, 12, 16], activeLearning: [[8, 4], [12, 4]], epochs: 120, dropout: 0.15 },
    },
  },
  cpu: {
    id: 'cpu',
    description: 'reduced for a 2-core CPU machine: 64², 40 epochs (brain 50), 8 runs, fewer budgets',
    runs: 8,
    size: 64,
    datasets: {
      montgomery: { budgets: [8, 12], activeLearning: [[8, 4]], epochs: 40, dropout: 0.15 },
      jsrt: { budgets: [9, 15], activeLearning: [[10, 5]], epochs: 40, dropout: 0.15 },
      ibsr18: { budgets: [13, 26], activeLearning: [[13, 13]], epochs: 50, dropout: 0.1 },
      folder: { budgets: [8, 12], activeLearning: [[8, 4]], epochs: 40, dropout: 0.15 },
    },
  },
};

/** The profile of that id, or an error naming the valid ones. */
export function experimentProfile(id: string): ExperimentProfile {
  if (id === 'paper' || id === 'cpu') return PROFILES[id];
  throw new InvalidInputError('invalid-option', `unknown profile "${id}"; valid: paper, cpu`);
}

/** The budgets of a data set spec (`folder:PATH` uses the `folder` entry). */
export function datasetBudgets(profile: ExperimentProfile, dataset: string): DatasetBudgets {
  const key = dataset.startsWith('folder:') ? 'folder' : dataset;
  if (key !== 'montgomery' && key !== 'jsrt' && key !== 'ibsr18' && key !== 'folder') {
    throw new InvalidInputError('invalid-option', `no budgets for data set "${dataset}"`);
  }
  return profile.datasets[key];
}
