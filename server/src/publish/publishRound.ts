import type { SqlExecutor } from '../db/sqlClient';
import type { DicomWebSourceConfig } from '../config/serverConfig';
import { newUid } from '../dicom/uid';
import type { ServerContext } from '../domain/context';
import type { Project } from '../projects/projectStore';
import type { Round, WorklistItem } from '../rounds/roundStore';

/** Payload of a `stow-ko` outbox entry: a KO document for the selected cases of one study. */
export interface KeyObjectPayload {
  readonly title: string;
  readonly studyUid: string;
  /** Fixed when queued, so a retried delivery stores the same object (idempotent). */
  readonly seriesUid: string;
  readonly sopUid: string;
  readonly items: ReadonlyArray<{ studyUid: string; seriesUid: string; sopUid: string; sopClassUid: string; frame?: number; rank: number; priority: string; reason: string }>;
}

/** Payload of an `orthanc-metadata` outbox entry. */
export interface OrthancMetadataPayload {
  readonly studyUid: string;
  readonly name: string;
  readonly value: string;
}

/**
 * Pushes a new round's worklist to the project's PACS through the outbox: one Key Object
 * Selection document per study (a KO belongs to one patient and study; each lists that study's
 * selected instances in worklist rank order, titled with project and round, with each case's
 * rank and priority), and, on Orthanc, the same as per-study metadata. Does nothing for a
 * folder source.
 */
export async function publishRound(ctx: ServerContext, project: Project, round: Round, tx: SqlExecutor): Promise<number[]> {
  const config = ctx.config.sources[project.settings.source];
  if (!config || config.kind !== 'dicomweb') return [];
  const source = config as DicomWebSourceConfig;
  const items = await ctx.rounds.worklist(project.id, { round: round.number }, tx);
  const byStudy = new Map<string, WorklistItem[]>();
  for (const item of items) byStudy.set(item.studyUid, [...(byStudy.get(item.studyUid) ?? []), item]);
  const title = `ScanSelect worklist: ${project.name} round ${round.number}`;
  const ids: number[] = [];
  for (const [studyUid, cases] of byStudy) {
      if (source.publishKeyObjects) {
        const payload: KeyObjectPayload = {
          title, studyUid, seriesUid: newUid(), sopUid: newUid(),
          items: await Promise.all(cases.map(async (c) => ({
            studyUid: c.studyUid, seriesUid: c.seriesUid, sopUid: c.instanceUid, sopClassUid: await sopClassOf(ctx, project.id, c.sopUid, tx), ...(c.frame !== null && { frame: c.frame }),
            rank: c.rank, priority: c.priority, reason: c.reason,
          }))),
        };
        ids.push((await ctx.outbox.add('stow-ko', project.settings.source, payload, project.id, tx)).id);
      }
      if (source.orthancUrl) {
        const value = JSON.stringify({ project: project.name, round: round.number, cases: cases.map((c) => ({ sopUid: c.instanceUid, ...(c.frame !== null && { frame: c.frame }), rank: c.rank, priority: c.priority })) });
        const payload: OrthancMetadataPayload = { studyUid, name: source.orthancMetadataName, value };
        ids.push((await ctx.outbox.add('orthanc-metadata', project.settings.source, payload, project.id, tx)).id);
      }
  }
  return ids;
}

async function sopClassOf(ctx: ServerContext, projectId: number, sopUid: string, tx: SqlExecutor): Promise<string> {
  return (await ctx.pool.instance(projectId, sopUid, tx))?.sopClassUid ?? '1.2.840.10008.5.1.4.1.1.7';
}
