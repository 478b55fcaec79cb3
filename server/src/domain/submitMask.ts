import { randomUUID } from 'node:crypto';
import { AppError } from '../appError';
import { newUid } from '../dicom';
import { maskInflateLimit } from '../masks/decodeMask';
import type { Project } from '../projects/projectStore';
import type { SegPayload, StowFilePayload } from '../publish/deliveries';
import type { ServerContext } from './context';
import type { InstanceRow } from './poolAccess';
import { submitRight, type Submitter } from './maskOwnership';
import { assertNotArchived } from './projectStatus';
import { autoRetrain } from './queueRound';
import { artifactKeys } from '../storage/artifactKeys';

/** A mask as uploaded: a DICOM SEG, or a label-map PNG (value = class index) from a script. */
export type MaskUpload = { readonly format: 'seg'; readonly bytes: Uint8Array } | { readonly format: 'png'; readonly bytes: Uint8Array };

/** What the client is told once its mask is safely stored. */
export interface MaskReceipt {
  readonly sopUid: string;
  readonly status: 'labelled';
  readonly format: 'seg' | 'png';
  readonly classesPresent: number[];
  /** Outbox entry that sends the SEG to the PACS (null when the source is not a PACS). */
  readonly outboxId: number | null;
  /** The round queued because this mask completed the worklist's quota, if any. */
  readonly queuedRoundJob: number | null;
}

/** Refuses early (before an upload is even read) someone who may not submit a mask for the case. */
export async function assertMaySubmit(ctx: ServerContext, who: Submitter, projectId: number, sopUid: string): Promise<void> {
  assertNotArchived(await ctx.projects.get(projectId), 'submitting a mask');
  submitRight(await ctx.rounds.item(projectId, sopUid), await ctx.masks.get(projectId, sopUid), who);
}

/**
 * Accepts a mask for a case on a worklist, from someone whose work it is ({@link submitRight}:
 * the claim holder, whoever labelled it before, or an admin — audited when overriding another's
 * work). Validates it against the case (the SEG references this instance, its size matches, its
 * segments name the project's classes; a PNG has the instance's size and only class values),
 * A SEG of a whole volume (made by another tool) is accepted for a case that is one of its slices:
 * only the frames on the case's slice are read, and no other case changes. It then
 * writes it durably under a name of its own, then — in one transaction that checks the right
 * again, so a claim lost meanwhile refuses it — records it, marks the case labelled and queues
 * the SEG for the PACS, all before answering; then queues the next round if the worklist's
 * quota is reached. A refused upload changes nothing and leaves no file behind.
 */
export async function submitMask(ctx: ServerContext, who: Submitter, projectId: number, sopUid: string, upload: MaskUpload): Promise<MaskReceipt> {
  await assertMaySubmit(ctx, who, projectId, sopUid); // refuse before decoding anything
  const project = await ctx.projects.get(projectId);
  const instance = await ctx.pool.instance(projectId, sopUid);
  if (!instance || instance.rows === null || instance.columns === null) throw new AppError(409, 'instance-unavailable', `case ${sopUid} is not an embedded instance of the project`);
  // Decoded in a worker thread, every size checked before anything is inflated (masks/decodeMask.ts).
  const volumeSlices = await ctx.pool.volumeSlices(projectId, sopUid);
  const target = {
    sopUid: instance.sopUid, rows: instance.rows, columns: instance.columns,
    ...(volumeSlices.length > 1 && { volumeSlices }), ...((instance.frames ?? 1) > 1 && { frames: instance.frames!, frame: caseFrame(instance) }),
  };
  const { labelPng, classesPresent, segSopUid: uploadedSegUid } = await ctx.maskDecoder.decode({
    format: upload.format, bytes: upload.bytes, target, classes: project.settings.classes,
    maxInflatedBytes: maskInflateLimit(target, project.settings.classes.length, ctx.config.uploadLimitMb * 2 ** 20),
  });

  const sourceConfig = ctx.config.sources[project.settings.source];
  const publish = sourceConfig?.kind === 'dicomweb' && sourceConfig.publishSegmentations;
  const submission = randomUUID();
  const labelFile = artifactKeys.mask(projectId, sopUid, submission, 'png');
  const segFile = upload.format === 'seg' ? artifactKeys.mask(projectId, sopUid, submission, 'seg.dcm') : null;
  // Durable once put resolves: an accepted mask survives a crash before the 201 is sent.
  await ctx.artifacts.put(labelFile, labelPng); // encoded in the worker too: a large label map takes long to encode
  if (segFile) await ctx.artifacts.put(segFile, upload.bytes);
  // A PNG becomes a SEG in the PACS too, built at delivery (with the patient module of the source).
  const segPayload = publish && !segFile ? segPayloadOf(project, instance, labelFile, who.name) : null;
  const segSopUid = uploadedSegUid ?? segPayload?.sopUid ?? null;

  let outboxId: number | null;
  try {
    outboxId = await ctx.sql.transaction(async (tx) => {
      // Checked again with the writes (the case's row locked): the claim may have expired or been taken while the mask was decoded and stored.
      await ctx.rounds.lockCase(projectId, sopUid, tx);
      const current = await ctx.rounds.item(projectId, sopUid, tx);
      const previous = await ctx.masks.get(projectId, sopUid, tx);
      const right = submitRight(current, previous, who);
      const round = await ctx.rounds.round(projectId, current.round, tx);
      await ctx.masks.put({ projectId, sopUid, roundId: round?.id ?? null, format: upload.format, labelFile, segFile, segSopUid, submittedBy: who.name, createdAt: ctx.now().toISOString() }, tx);
      await ctx.rounds.markLabelled(projectId, sopUid, tx);
      await ctx.audit.record(who.name, 'mask.submit', projectId, {
        sopUid, format: upload.format, round: current.round, as: right.as,
        ...(right.overrides !== null && { overrides: right.overrides }),
        ...(previous && { replaces: { submittedBy: previous.submittedBy, labelFile: previous.labelFile, segFile: previous.segFile } }),
      }, tx);
      if (!publish) return null;
      if (segFile) return (await ctx.outbox.add('stow-file', project.settings.source, { file: segFile, what: `the SEG of ${sopUid}` } satisfies StowFilePayload, projectId, tx)).id;
      return (await ctx.outbox.add('stow-seg', project.settings.source, segPayload, projectId, tx)).id;
    });
  } catch (error) {
    await Promise.all([labelFile, segFile].filter((f): f is string => f !== null).map((f) => ctx.artifacts.delete(f)));
    throw error;
  }
  const queued = await autoRetrain(ctx, projectId);
  return { sopUid, status: 'labelled', format: upload.format, classesPresent, outboxId, queuedRoundJob: queued?.id ?? null };
}

function segPayloadOf(project: Project, instance: InstanceRow, labelFile: string, actor: string): SegPayload {
  return {
    labelFile,
    source: {
      studyUid: instance.studyUid, seriesUid: instance.seriesUid, sopUid: instance.sopUid, sopClassUid: instance.sopClassUid ?? '1.2.840.10008.5.1.4.1.1.7', rows: instance.rows!, columns: instance.columns!,
      ...((instance.frames ?? 1) > 1 && { frame: caseFrame(instance) }),
    },
    segments: project.settings.classes.map((label, i) => ({ number: i + 1, label, value: i + 1 })),
    seriesUid: newUid(),
    sopUid: newUid(),
    contentCreator: actor,
  };
}

/** The frame of a multi-frame instance the case is: its own, or the first (a multi-frame instance that is not a volume is one case, its first frame). */
function caseFrame(instance: InstanceRow): number {
  return instance.frame ?? 1;
}
