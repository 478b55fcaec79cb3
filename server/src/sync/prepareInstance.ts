/**
 * The per-instance work of a sync, the same on the main thread and in a sync worker thread:
 * decode → grey → resize to the encoder's input (→ embed) and the stored thumbnail. Pure
 * functions of the instance's bytes, so that both threads store bit-identical results.
 */
import { readDicom, readDicomGeometry, readDicomHeader, resizeBilinear, seriesGeometry, toGrayscale, writeGrayPng, type DicomGeometry, type Encoder, type GrayImage, type Image2D } from '@scanselect/plugin';

/** What the sync stores of an instance's header. */
export type InstanceHeader = ReturnType<typeof readDicomHeader>;

/** Milliseconds spent per stage, summed over instances (stages of different instances overlap). */
export interface StageTimes {
  decode: number;
  resize: number;
  embed: number;
  thumbnail: number;
}

/**
 * A case of an instance (caseKey.ts): the whole instance (frame null: a single-frame image, or the
 * first frame of a multi-frame one that is not a volume), or one frame of a multi-frame volume.
 */
export interface PreparedCase {
  /** 1-based frame number, or null for the whole instance. */
  readonly frame: number | null;
  /** Its geometry (position and orientation, one entry in `frames`) as JSON, or null when none is readable (assembleVolumes.ts). */
  readonly geometry: string | null;
  /** In grey, resized to the encoder's input size. */
  readonly input: GrayImage;
  /** {@link thumbnailPng} of it. */
  readonly thumbnail: Uint8Array;
}

/** An instance decoded and resized, its embeddings still to be computed. */
export interface PreparedInstance {
  readonly kind: 'prepared';
  readonly header: InstanceHeader;
  readonly cases: readonly PreparedCase[];
  readonly times: StageTimes;
}

/** A case embedded. */
export interface EmbeddedCase {
  readonly frame: number | null;
  readonly geometry: string | null;
  readonly embedding: Float32Array;
  readonly thumbnail: Uint8Array;
}

/** An embedded instance. */
export interface EmbeddedInstance {
  readonly kind: 'embedded';
  readonly header: InstanceHeader;
  readonly cases: readonly EmbeddedCase[];
  readonly times: StageTimes;
}

/** An instance that could not be decoded, and why (recorded as failed, never retried). */
export interface FailedInstance {
  readonly error: string;
}

/**
 * Decode → grey → resize one instance and make its thumbnails: one case, or one per frame when
 * its frames form a volume ({@link volumeFrames}). A decoding failure is an outcome, not a throw;
 * anything else that throws (a bug, not the data) is thrown.
 */
export async function prepareInstance(bytes: Uint8Array, sopUid: string, inputSize: number): Promise<PreparedInstance | FailedInstance> {
  const times: StageTimes = { decode: 0, resize: 0, embed: 0, thumbnail: 0 };
  let start = performance.now();
  let frames, header;
  try {
    header = readDicomHeader(bytes, { path: `instance ${sopUid}` });
    frames = await readDicom(bytes, { path: `instance ${sopUid}` });
  } catch (error) {
    return { error: (error as Error).message };
  }
  const lap = (stage: keyof StageTimes): void => {
    const now = performance.now();
    times[stage] += now - start;
    start = now;
  };
  const geometry = readGeometry(bytes, sopUid);
  lap('decode');
  const stack = geometry !== null && frames.length > 1 ? volumeFrames(geometry, frames.length, header.rows ?? 0, header.columns ?? 0) : null;
  // One case per frame of a volume, else one per instance from its first frame.
  const wanted = stack ?? [null];
  const cases: PreparedCase[] = [];
  for (const frame of wanted) {
    const grey = toGrayscale(frames[(frame ?? 1) - 1]!);
    const resized = resizeBilinear(grey, { width: inputSize, height: inputSize });
    lap('resize');
    const thumbnail = thumbnailPng(grey);
    lap('thumbnail');
    const own = geometry === null ? null : frame === null ? geometry : { ...geometry, frames: [geometry.frames[frame - 1]!] };
    cases.push({ frame, geometry: own === null ? null : JSON.stringify(own), input: { width: resized.width, height: resized.height, data: resized.data }, thumbnail });
  }
  return { kind: 'prepared', header, cases, times };
}

/** Embeds a prepared instance's cases with `encoder`, one image per call (as the sync always has: the stored bits do not depend on batching). */
export async function embedPrepared(prepared: PreparedInstance, encoder: Encoder): Promise<EmbeddedInstance> {
  const start = performance.now();
  const cases: EmbeddedCase[] = [];
  for (const { frame, geometry, input, thumbnail } of prepared.cases) cases.push({ frame, geometry, embedding: await encoder.embed([input]), thumbnail });
  const { header, times } = prepared;
  return { kind: 'embedded', header, cases, times: { ...times, embed: times.embed + performance.now() - start } };
}

/**
 * The frames (1-based) of a multi-frame instance when they form one volume by the rules a series'
 * slices follow (seriesGeometry: one orientation, distinct positions along the normal, no large
 * gap); null otherwise — a cine, a legacy multi-frame without per-frame positions — which stays
 * one case.
 */
function volumeFrames(geometry: DicomGeometry, count: number, rows: number, columns: number): number[] | null {
  if (geometry.frames.length !== count) return null;
  const slices = geometry.frames.map((f, k) => ({ id: String(k + 1), rows, columns, position: f.position, orientation: f.orientation, frameOfReference: geometry.frameOfReference }));
  return seriesGeometry(slices).ok ? slices.map((_, k) => k + 1) : null;
}

/** What assembleVolumes reads of an instance's geometry; null when there is none (not an error: a radiograph has none). */
function readGeometry(bytes: Uint8Array, sopUid: string): DicomGeometry | null {
  try {
    const geometry = readDicomGeometry(bytes, { path: `instance ${sopUid}` });
    const known = geometry.frames.some((f) => f.position !== null || f.orientation !== null);
    return known ? geometry : null;
  } catch {
    return null; // the pixel data decoded, so the image is usable; it is just not a slice of a known volume
  }
}

/** Side of the stored thumbnails (the viewer's worklist and embedding map show them). */
export const THUMBNAIL_SIZE = 64;

/** A small 8-bit grey PNG of an image, windowed between its 1st and 99th percentile. */
export function thumbnailPng(grey: Image2D): Buffer {
  const small = resizeBilinear(grey, { width: THUMBNAIL_SIZE, height: THUMBNAIL_SIZE }).data;
  const sorted = Float32Array.from(small).sort();
  const lo = sorted[Math.floor(0.01 * (sorted.length - 1))]!;
  const hi = sorted[Math.ceil(0.99 * (sorted.length - 1))]!;
  const span = hi - lo > 0 ? hi - lo : 1;
  const out = new Uint8Array(small.length);
  for (let i = 0; i < small.length; i++) out[i] = Math.round(255 * Math.min(1, Math.max(0, (small[i]! - lo) / span)));
  return writeGrayPng(out, THUMBNAIL_SIZE, THUMBNAIL_SIZE);
}
