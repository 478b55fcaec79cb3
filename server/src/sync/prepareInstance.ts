/**
 * The per-instance work of a sync, the same on the main thread and in a sync worker thread:
 * decode → grey → resize to the encoder's input (→ embed) and the stored thumbnail. Pure
 * functions of the instance's bytes, so that both threads store bit-identical results.
 */
import { readDicom, readDicomGeometry, readDicomHeader, resizeBilinear, toGrayscale, writeGrayPng, type Encoder, type GrayImage, type Image2D } from '@scanselect/plugin';

/** What the sync stores of an instance's header. */
export type InstanceHeader = ReturnType<typeof readDicomHeader>;

/** Milliseconds spent per stage, summed over instances (stages of different instances overlap). */
export interface StageTimes {
  decode: number;
  resize: number;
  embed: number;
  thumbnail: number;
}

/** An instance decoded and resized, its embedding still to be computed. */
export interface PreparedInstance {
  readonly header: InstanceHeader;
  /** Its geometry (positions and orientation per frame …) as JSON, or null when it has none readable (assembleVolumes.ts). */
  readonly geometry: string | null;
  /** The first frame in grey, resized to the encoder's input size. */
  readonly input: GrayImage;
  /** {@link thumbnailPng} of the first frame. */
  readonly thumbnail: Uint8Array;
  readonly times: StageTimes;
}

/** An embedded instance. */
export interface EmbeddedInstance {
  readonly header: InstanceHeader;
  readonly geometry: string | null;
  readonly embedding: Float32Array;
  readonly thumbnail: Uint8Array;
  readonly times: StageTimes;
}

/** An instance that could not be decoded, and why (recorded as failed, never retried). */
export interface FailedInstance {
  readonly error: string;
}

/**
 * Decode → grey → resize one instance and make its thumbnail. A decoding failure is an
 * outcome, not a throw; anything else that throws (a bug, not the data) is thrown.
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
  lap('decode');
  // One embedding per instance, from its first frame.
  const grey = toGrayscale(frames[0]!);
  const resized = resizeBilinear(grey, { width: inputSize, height: inputSize });
  lap('resize');
  const thumbnail = thumbnailPng(grey);
  lap('thumbnail');
  return { header, geometry: geometryJson(bytes, sopUid), input: { width: resized.width, height: resized.height, data: resized.data }, thumbnail, times };
}

/** Embeds a prepared instance with `encoder` (one image per call, as the sync always has). */
export async function embedPrepared(prepared: PreparedInstance, encoder: Encoder): Promise<EmbeddedInstance> {
  const start = performance.now();
  const embedding = await encoder.embed([prepared.input]);
  const { header, geometry, thumbnail, times } = prepared;
  return { header, geometry, embedding, thumbnail, times: { ...times, embed: times.embed + performance.now() - start } };
}

/** What assembleVolumes reads of an instance's geometry; null when there is none (not an error: a radiograph has none). */
function geometryJson(bytes: Uint8Array, sopUid: string): string | null {
  try {
    const geometry = readDicomGeometry(bytes, { path: `instance ${sopUid}` });
    const known = geometry.frames.some((f) => f.position !== null || f.orientation !== null);
    return known ? JSON.stringify(geometry) : null;
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
