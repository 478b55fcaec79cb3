import type { InstanceRef, StudyFilters } from './dicomWebClient';

/** Filters of a project's source: the study-level ones and the body part (instance level). */
export interface SourceFilters extends StudyFilters {
  /** BodyPartExamined, exact (case-insensitive). */
  readonly bodyPart?: string;
}

/**
 * An instance as a project stored it: where it lives, and where the source found it — for a
 * folder source the file's path relative to the folder (what makes `retrieve` work right after
 * a restart, before any sync); null or absent for a PACS.
 */
export interface StoredInstanceRef extends InstanceRef {
  readonly location?: string | null;
}

/** One instance a source offers, with what the filters and worklists need to know about it. */
export interface SourceInstance extends StoredInstanceRef {
  readonly modality: string | null;
  readonly bodyPart: string | null;
  readonly studyDate: string | null;
  readonly studyDescription: string | null;
}

/** A file or instance a source could not offer, and why (no patient data in the reason). */
export interface SkippedInstance {
  readonly location: string;
  readonly reason: string;
}

/**
 * Where a project's images come from (issue 5's `PacsClient`): a DICOMweb PACS or a local folder.
 * `list` yields every instance that passes the filters (with its `location`, which the sync
 * stores); `retrieve` returns one as a Part 10 file, from its stored reference alone — it must
 * work in a fresh process that never listed.
 */
export interface ImageSource {
  readonly kind: 'dicomweb' | 'folder';
  list(filters: SourceFilters, onSkip?: (skipped: SkippedInstance) => void): AsyncIterable<SourceInstance>;
  retrieve(ref: StoredInstanceRef): Promise<Uint8Array>;
}

/** Whether an instance's attributes pass the filters (dates as YYYYMMDD strings compare in order). */
export function matchesFilters(instance: Omit<SourceInstance, keyof StoredInstanceRef>, filters: SourceFilters): boolean {
  if (filters.modality && (instance.modality ?? '').toUpperCase() !== filters.modality.toUpperCase()) return false;
  if (filters.bodyPart && (instance.bodyPart ?? '').toUpperCase() !== filters.bodyPart.toUpperCase()) return false;
  if (filters.dateFrom && (!instance.studyDate || instance.studyDate < filters.dateFrom)) return false;
  if (filters.dateTo && (!instance.studyDate || instance.studyDate > filters.dateTo)) return false;
  if (filters.studyDescription && !wildcard(filters.studyDescription).test(instance.studyDescription ?? '')) return false;
  return true;
}

/** A DICOM wildcard pattern (* any run, ? one character), case-insensitive, as QIDO-RS matches. */
function wildcard(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}
