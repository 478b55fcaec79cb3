import { Registry } from './core/registry';
import { identityProjection, pcaProjection, tsneProjection } from './projection/projections';
import type { Projection } from './projection/types';
import { coldStartStrategy } from './selection/coldStart';
import { kmeansBudgetStrategy } from './selection/kmeansBudget';
import { randomStrategy } from './selection/randomSelection';
import type { ColdStartStrategy } from './selection/types';

/** Ids of the built-in cold-start strategies. */
export const STRATEGY_IDS = ['coldstart', 'random', 'kmeans-budget'] as const;
/** Ids of the built-in projections. */
export const PROJECTION_IDS = ['tsne', 'pca', 'none'] as const;

/** A fresh strategy registry holding the built-ins; register more on it to plug new ones in. */
export function createStrategyRegistry(): Registry<ColdStartStrategy> {
  return new Registry<ColdStartStrategy>('strategy').register(coldStartStrategy).register(randomStrategy).register(kmeansBudgetStrategy);
}

/** A fresh projection registry holding the built-ins. */
export function createProjectionRegistry(): Registry<Projection> {
  return new Registry<Projection>('projection').register(tsneProjection).register(pcaProjection).register(identityProjection);
}

/** The default registries (used when a caller passes none). */
export const defaultRegistries = {
  strategies: createStrategyRegistry(),
  projections: createProjectionRegistry(),
};

export type Registries = typeof defaultRegistries;
