import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { heatmapPng, readPng, resizeNearest, writeGrayPng } from '@scanselect/plugin';
import { AppError } from '../../appError';
import type { ServerContext } from '../../domain/context';
import type { Submitter } from '../../domain/maskOwnership';
import { assertNotArchived } from '../../domain/projectStatus';
import { assertMaySubmit, submitMask } from '../../domain/submitMask';
import type { CaseStatus } from '../../rounds/roundStore';
import { artifactKeys } from '../../storage/artifactKeys';
import { ArtifactNotFoundError, type ArtifactStore } from '../../storage/artifactStore';
import { actorOf, allow, anyRole, intQuery, projectIdOf, sopUidOf } from '../guards';

const STATUSES: readonly CaseStatus[] = ['open', 'claimed', 'labelled'];

/** Worklists, claims, masks, thumbnails and uncertainty maps of the cases. */
export function worklistRoutes(ctx: ServerContext): Router {
  const router = Router();
  router.get('/projects/:id/worklist', anyRole, async (req, res) => {
    const id = projectIdOf(req);
    await ctx.projects.get(id);
    const status = req.query.status;
    if (status !== undefined && !STATUSES.includes(status as CaseStatus)) throw new AppError(400, 'invalid-query', `status must be one of ${STATUSES.join(', ')}`);
    // ?round=N: that round; ?all=true: every round; default: the latest round and whatever earlier
    // rounds left unlabelled (a quota below 1 starts the next round before a worklist is done).
    const filter = { status: status as CaseStatus | undefined };
    const round = intQuery(req, 'round');
    if (round !== undefined || req.query.all === 'true') {
      res.json(await ctx.rounds.worklist(id, { ...filter, round }));
      return;
    }
    const latest = (await ctx.rounds.latest(id))?.number;
    res.json(latest === undefined ? [] : (await ctx.rounds.worklist(id, filter)).filter((i) => i.round === latest || i.status !== 'labelled'));
  });
  router.get('/projects/:id/cases/:sop', anyRole, async (req, res) => {
    res.json(await ctx.rounds.item(projectIdOf(req), sopUidOf(req)));
  });
  router.post('/projects/:id/cases/:sop/claim', allow('annotator', 'admin'), async (req, res) => {
    const id = projectIdOf(req);
    const project = await ctx.projects.get(id);
    assertNotArchived(project, 'claiming a case');
    const item = await ctx.rounds.claim(id, sopUidOf(req), actorOf(req), project.settings.leaseMinutes);
    await ctx.audit.record(actorOf(req), 'case.claim', id, { sopUid: item.sopUid, until: item.leaseExpiresAt });
    res.json(item);
  });
  router.delete('/projects/:id/cases/:sop/claim', allow('annotator', 'admin'), async (req, res) => {
    const id = projectIdOf(req);
    const item = await ctx.rounds.release(id, sopUidOf(req), actorOf(req), req.principal!.role === 'admin');
    await ctx.audit.record(actorOf(req), 'case.release', id, { sopUid: item.sopUid });
    res.json(item);
  });
  const raw = express.raw({ type: ['application/dicom', 'image/png'], limit: `${ctx.config.uploadLimitMb}mb` });
  const whoOf = (req: Request): Submitter => ({ name: actorOf(req), role: req.principal!.role });
  // Whose work it is is checked before the upload is read, and again when it is stored.
  const maySubmit = (req: Request, _res: Response, next: NextFunction): void => {
    assertMaySubmit(ctx, whoOf(req), projectIdOf(req), sopUidOf(req)).then(() => next(), next);
  };
  router.post('/projects/:id/cases/:sop/mask', allow('annotator', 'admin'), maySubmit, raw, async (req, res) => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (type !== 'application/dicom' && type !== 'image/png') throw new AppError(415, 'unsupported-media-type', 'send a DICOM SEG as application/dicom or a label-map PNG as image/png');
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw new AppError(400, 'empty-body', 'the request has no mask');
    const receipt = await submitMask(ctx, whoOf(req), projectIdOf(req), sopUidOf(req), { format: type === 'application/dicom' ? 'seg' : 'png', bytes: new Uint8Array(req.body) });
    res.status(201).json(receipt);
  });
  router.get('/projects/:id/cases/:sop/mask', anyRole, async (req, res) => {
    const mask = await ctx.masks.get(projectIdOf(req), sopUidOf(req));
    if (!mask) throw new AppError(404, 'not-found', 'no mask for this case');
    res.type('image/png').send(await stored(ctx.artifacts, mask.labelFile, 'the stored mask of this case is missing'));
  });
  router.get('/projects/:id/cases/:sop/thumbnail', anyRole, async (req, res) => {
    const row = await ctx.sql.get<{ thumbnail: Uint8Array | null }>('SELECT thumbnail FROM instances WHERE project_id = @projectId AND sop_uid = @sopUid', { projectId: projectIdOf(req), sopUid: sopUidOf(req) });
    if (!row?.thumbnail) throw new AppError(404, 'not-found', 'no thumbnail for this case');
    res.type('image/png').send(row.thumbnail);
  });
  router.get('/projects/:id/cases/:sop/prediction', anyRole, async (req, res) => {
    const id = projectIdOf(req);
    const item = await ctx.rounds.item(id, sopUidOf(req));
    if (item.entropy === null) throw new AppError(404, 'not-found', `case ${item.sopUid} was chosen by the cold start: no model had predicted it`);
    const instance = await ctx.pool.instance(id, item.sopUid);
    const predicted = readPng(await stored(ctx.artifacts, artifactKeys.prediction(id, item.round, item.sopUid), `no stored prediction for case ${item.sopUid}`));
    const labels = Uint8Array.from(predicted.data);
    const width = instance?.columns ?? predicted.width;
    const height = instance?.rows ?? predicted.height;
    // Nearest-neighbour to the image's own size, so the viewer can paint it pixel for pixel.
    res.type('image/png').send(writeGrayPng(resizeNearest(labels, predicted.width, predicted.height, { width, height }), width, height));
  });
  router.get('/projects/:id/cases/:sop/uncertainty', anyRole, async (req, res) => {
    const id = projectIdOf(req);
    const item = await ctx.rounds.item(id, sopUidOf(req));
    const project = await ctx.projects.get(id);
    if (item.entropy === null) throw new AppError(404, 'not-found', `case ${item.sopUid} was chosen by the cold start: no model had predicted it, so it has no uncertainty map`);
    const size = project.settings.model.inputSize;
    const bytes = await stored(ctx.artifacts, artifactKeys.entropy(id, item.round, item.sopUid), `no stored uncertainty map for case ${item.sopUid}`);
    const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    res.setHeader('X-Width', String(size));
    res.setHeader('X-Height', String(size));
    if (req.query.format === 'raw') {
      res.type('application/octet-stream').send(bytes);
      return;
    }
    // Fixed scale 0 … log C (the largest possible entropy of C classes), comparable across cases.
    res.type('image/png').send(heatmapPng(values, size, size, { min: 0, max: Math.log(project.settings.classes.length + 1) }));
  });
  return router;
}

/** A stored artefact a client asked for; 404 with `message` (never the key) when the store has none. */
async function stored(artifacts: ArtifactStore, key: string, message: string): Promise<Buffer> {
  try {
    return await artifacts.get(key);
  } catch (error) {
    if (error instanceof ArtifactNotFoundError) throw new AppError(404, 'not-found', message);
    throw error;
  }
}
