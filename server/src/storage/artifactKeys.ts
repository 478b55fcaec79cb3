import { assertArtifactKey } from './artifactStore';

/**
 * The one place artefact keys are spelled. Keys are stored in the database (masks, outbox entries,
 * rounds), so their shape is part of the data directory's format: the file store keeps each key at
 * that relative path under the data directory, as releases before the store did.
 */
export const artifactKeys = {
  /**
   * One submission of a case's mask: a new key per submission (`submission`, unique), so that a
   * refused or concurrent upload never overwrites a mask already accepted.
   */
  mask(projectId: number, sopUid: string, submission: string, extension: 'png' | 'seg.dcm'): string {
    return assertArtifactKey(`masks/${whole(projectId)}/${safeName(sopUid)}.${safeName(submission)}.${extension}`);
  },

  /** The folder of a round's network (model.json, weights.bin, metadata.json below it). */
  model(projectId: number, round: number): string {
    return assertArtifactKey(`${roundFolder(projectId, round)}/model`);
  },

  /** The per-pixel entropy (eq. 5) of a selected case under the round's model: float32, input size². */
  entropy(projectId: number, round: number, sopUid: string): string {
    return assertArtifactKey(`${roundFolder(projectId, round)}/entropy/${safeName(sopUid)}.f32`);
  },

  /** The round model's predicted label map of a selected case (model input size, PNG). */
  prediction(projectId: number, round: number, sopUid: string): string {
    return assertArtifactKey(`${roundFolder(projectId, round)}/prediction/${safeName(sopUid)}.png`);
  },
};

function roundFolder(projectId: number, round: number): string {
  return `rounds/${whole(projectId)}/${whole(round)}`;
}

/** A project id or round number: a whole number ≥ 0. */
function whole(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${n} is not an id or round number`);
  return n;
}

/** A UID or name as a key segment: UIDs are digits and dots already; anything else is replaced. */
function safeName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_');
  if (safe === '' || safe === '.' || safe === '..') throw new Error(`"${name}" cannot name an artefact`);
  return safe;
}
