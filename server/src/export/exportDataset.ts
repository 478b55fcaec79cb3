/**
 * Export of a project's labelled data set as one ZIP archive, streamed as it is made:
 *
 *   manifest.csv            one row per case with an accepted mask (manifestCsv.ts)
 *   dataset.json            project, classes (name, label value, colour), format, count, when, by whom
 *   images/<case>.png|.nii.gz   the source image (encodeCase.ts says how)
 *   masks/<case>.png|.nii.gz    the accepted label map (value = class index)
 *   seg/<case>.dcm          the DICOM SEG as uploaded, or written from the label map (segOfCase.ts)
 *
 * `<case>` is the case's index in worklist order (0001 …): no UID names a file. The first case is
 * read from the source before anything is sent, so a source that is down is a clean 502
 * `source-unavailable`; later cases are read while the previous one is written (one ahead), and a
 * failure then ends the archive unfinished (the route cuts the response). A reader that goes away
 * stops the export.
 */
import { AppError } from '../appError';
import type { ServerContext } from '../domain/context';
import { classList } from './classList';
import type { ImageSource } from '../pacs/source';
import { PacsError } from '../pacs/dicomWebClient';
import { InvalidCaseImageError, workerCaseEncoder, type CaseEncoder } from './caseEncoder';
import { sanitisedName, yyyymmdd } from './downloadName';
import type { EncodedCase, ExportFormat } from './encodeCase';
import { labelledCases, type LabelledCase } from './labelledCases';
import { segOfCase } from './segOfCase';
import { caseName, manifestCsv, type ManifestRow } from './manifestCsv';
import { ZIP32_MAX_ENTRIES, ZipStream, type Download } from './zipStream';

/** The source could not deliver a case's image (502 `source-unavailable`); `reason` is for the operator's log only. */
export class SourceUnavailableError extends AppError {
  constructor(message: string, readonly reason: unknown) {
    super(502, 'source-unavailable', message);
  }
}

/** What the PNG images hold (dataset.json repeats it; encodeCase.ts explains it). */
const INTENSITY: Record<ExportFormat, string> = {
  png: '16-bit grey: modality values (rescale applied, MONOCHROME1 inverted, colour as BT.601 luma) mapped linearly from each image\'s minimum…maximum to 0…65535',
  nifti: 'stored pixel values in the DICOM\'s integer type; scl_slope/scl_inter = Rescale Slope/Intercept; MONOCHROME1 mirrored within the stored range',
};

interface ReadCase extends EncodedCase {
  readonly seg: Uint8Array;
}

/**
 * Prepares the export of project `projectId`'s labelled cases in `format` for `actor` (an admin):
 * reads the first case (so a source that is down fails here, before any byte) and audits
 * `export.dataset` with `{ format, cases }`.
 *
 * @throws AppError 404 for an unknown project; 502 `source-unavailable`; 413 `export-too-large`
 *   beyond what a ZIP without ZIP64 can list.
 */
export async function prepareDatasetExport(
  ctx: ServerContext, projectId: number, format: ExportFormat, actor: string, newEncoder: () => CaseEncoder = workerCaseEncoder,
): Promise<Download> {
  const project = await ctx.projects.get(projectId);
  const cases = await labelledCases(ctx.sql, projectId);
  const entries = 2 + 3 * cases.length;
  if (entries > ZIP32_MAX_ENTRIES) throw new AppError(413, 'export-too-large', `${cases.length} cases need ${entries} files, more than the ${ZIP32_MAX_ENTRIES} a ZIP archive holds`);
  const sourceName = project.settings.source;
  const source = ctx.source(sourceName);
  const ext = format === 'png' ? 'png' : 'nii.gz';
  const rows: ManifestRow[] = cases.map((c, i) => {
    const name = caseName(i, cases.length);
    return {
      case: name, sopUid: c.sopUid, frame: c.frame, studyUid: c.studyUid, seriesUid: c.seriesUid, round: c.round, rank: c.rank, priority: c.priority, reason: c.reason,
      validation: c.validation, annotator: c.annotator, labelledAt: c.labelledAt,
      image: `images/${name}.${ext}`, mask: `masks/${name}.${ext}`, seg: `seg/${name}.dcm`,
    };
  });
  const encoder = newEncoder();
  const read = (i: number): Promise<ReadCase> => readCase(ctx, source, sourceName, encoder, format, cases[i]!, `case ${rows[i]!.case}`, project.settings.classes);
  let first: ReadCase | null;
  try {
    first = cases.length > 0 ? await read(0) : null;
    await ctx.audit.record(actor, 'export.dataset', projectId, { format, cases: cases.length });
  } catch (error) {
    await encoder.close();
    throw error;
  }
  const now = ctx.now();
  const dataset = {
    project: project.name,
    classes: classList(project.settings),
    background: 0,
    format,
    intensity: INTENSITY[format],
    count: cases.length,
    exportedAt: now.toISOString(),
    exportedBy: actor,
  };
  return {
    fileName: `${sanitisedName(project.name)}-labelled-${yyyymmdd(now)}.zip`,
    write: async (sink) => {
      const zip = new ZipStream(sink);
      try {
        await zip.add('manifest.csv', utf8(manifestCsv(rows)), true);
        await zip.add('dataset.json', utf8(`${JSON.stringify(dataset, null, 2)}\n`), true);
        let current = first;
        for (let i = 0; current !== null; i++) {
          // The next case is read and encoded while this one is written.
          const next = i + 1 < cases.length ? read(i + 1) : null;
          next?.catch(() => undefined); // awaited below; this only keeps an early failure from counting as unhandled
          const row = rows[i]!;
          await zip.add(row.image, current.image, false); // PNG and gzip are compressed already
          await zip.add(row.mask, current.mask, false);
          await zip.add(row.seg!, current.seg, true);
          current = next === null ? null : await next;
        }
        await zip.end();
      } finally {
        await encoder.close();
      }
    },
  };
}

/** One case's files: its image from the source, its stored mask and SEG, encoded. */
async function readCase(
  ctx: ServerContext, source: ImageSource, sourceName: string, encoder: CaseEncoder, format: ExportFormat, c: LabelledCase, label: string, classes: readonly string[],
): Promise<ReadCase> {
  let dicom: Uint8Array;
  try {
    dicom = await source.retrieve({ studyUid: c.studyUid, seriesUid: c.seriesUid, sopUid: c.sopUid, location: c.location });
  } catch (error) {
    const why = error instanceof PacsError ? `${error.code}${error.status === undefined ? '' : ` (HTTP ${error.status})`}` : 'the instance cannot be found or read';
    throw new SourceUnavailableError(`the image source "${sourceName}" could not deliver ${label}: ${why}`, error);
  }
  const maskPng = await ctx.artifacts.get(c.labelFile);
  try {
    const encoded = await encoder.encode({ format, label, dicom, maskPng, frame: c.frame ?? 1 });
    return { ...encoded, seg: c.segFile ? await ctx.artifacts.get(c.segFile) : segOfCase(dicom, c.frame ?? 1, maskPng, classes, c.annotator) };
  } catch (error) {
    if (error instanceof InvalidCaseImageError) throw new SourceUnavailableError(`the image source "${sourceName}" delivered ${label} in a form that cannot be read`, error);
    throw error;
  }
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
