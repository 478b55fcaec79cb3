/**
 * Progress reporting. Long-running engine functions accept an optional callback and call it
 * with the stage they are in and the fraction of that stage done, so that a CLI can draw a
 * progress bar and a server can stream job progress, without the engine knowing about either.
 */
export interface ProgressEvent {
  /** Short stage name, e.g. `tsne:affinities`, `kmeans-sweep`. */
  readonly stage: string;
  /** Fraction of the stage completed, in [0, 1]. */
  readonly fraction: number;
  /** Optional human-readable detail, e.g. `k=7`. */
  readonly detail?: string;
}

export type ProgressCallback = (event: ProgressEvent) => void;

/** Calls the callback when one is given; a no-op otherwise. */
export function reportProgress(callback: ProgressCallback | undefined, stage: string, fraction: number, detail?: string): void {
  if (callback) callback(detail === undefined ? { stage, fraction } : { stage, fraction, detail });
}
