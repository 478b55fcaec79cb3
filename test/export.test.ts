/**
 * The admin's downloads through the HTTP API, on phantoms in a folder source: the labelled data
 * set as a ZIP (PNG and NIfTI: manifest, images, masks, SEGs, dataset.json), a round's model as a
 * ZIP that the engine loads back, who may download them, the audit log, and a source that fails
 * before and after the archive started.
 */
import { promises as fs, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { loadModel, modelFromFiles, readDicom, readNifti, readPng, writeGrayPng, type ModelFiles } from '@scanselect/plugin';
import type { PhantomCase } from '../server/src/demo/phantomDataset';
import { readSegmentation, segmentationToLabelMap } from '../server/src/dicom/segmentation';
import { phantomSeg, startPhantomServer } from './harness/phantomMasks';
import type { TestServer } from './harness/serverHarness';

jest.setTimeout(300_000);

const CLASSES = ['right lung', 'left lung'];
const PROJECT = {
  name: 'Chest export', classes: CLASSES, classColors: ['#ff0000', '#00ff00'], projection: 'pca', budget: { coldStart: 4, perRound: 2, total: 8 },
  encoder: { id: 'intensity-texture', inputSize: 64 }, model: { inputSize: 32, epochs: 2, depth: 2, baseChannels: 4 },
};
let t: TestServer;
let cases: Map<string, PhantomCase>;
/** How each labelled case's mask was sent. */
const sentAs = new Map<string, 'seg' | 'png'>();
const segSent = new Map<string, Uint8Array>();

async function label(sopUid: string, as: 'seg' | 'png'): Promise<void> {
  expect((await t.call('POST', `/api/projects/1/cases/${sopUid}/claim`, { role: 'annotator' })).status).toBe(200);
  const phantom = cases.get(sopUid)!;
  const body = as === 'seg' ? await phantomSeg(phantom, CLASSES) : writeGrayPng(Uint8Array.from(readPng(await fs.readFile(phantom.truthFile)).data), 64, 64);
  const r = await t.call('POST', `/api/projects/1/cases/${sopUid}/mask`, { role: 'annotator', body, type: as === 'seg' ? 'application/dicom' : 'image/png' });
  expect([sopUid, r.status]).toEqual([sopUid, 201]);
  sentAs.set(sopUid, as);
  if (as === 'seg') segSent.set(sopUid, body);
}

/** The manifest as objects by column name (the test's own RFC 4180 split: no field here needs quotes). */
function manifestOf(files: Record<string, Uint8Array>): Array<Record<string, string>> {
  const lines = Buffer.from(files['manifest.csv']!).toString('utf8').split('\r\n');
  expect(lines.pop()).toBe('');
  const [header, ...rows] = lines.map((l) => l.split(','));
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));
}

async function download(route: string): Promise<{ status: number; headers: Headers; files: Record<string, Uint8Array> }> {
  const r = await t.call('GET', route, { role: 'admin' });
  expect([route, r.status, r.json]).toEqual([route, 200, null]);
  return { status: r.status, headers: r.headers, files: unzipSync(new Uint8Array(r.bytes)) };
}

beforeAll(async () => {
  ({ t, cases } = await startPhantomServer(12, 11, PROJECT));
  await t.call('POST', '/api/projects/1/sync', { role: 'service' });
  await t.server.ctx.queue.idle();
  await t.call('POST', '/api/projects/1/rounds', { role: 'service' });
  await t.server.ctx.queue.idle();
  // The cold start's four cases: two as DICOM SEG, two as PNG; the last queues round 1 (with a model).
  const cold = (await t.call('GET', '/api/projects/1/worklist?round=0', { role: 'annotator' })).json as Array<{ sopUid: string }>;
  for (const [i, item] of cold.entries()) await label(item.sopUid, i % 2 === 0 ? 'seg' : 'png');
  await t.server.ctx.queue.idle();
  const round1 = (await t.call('GET', '/api/projects/1/worklist?round=1', { role: 'annotator' })).json as Array<{ sopUid: string }>;
  expect(round1).toHaveLength(2);
  await label(round1[0]!.sopUid, 'seg'); // one of round 1 labelled, one still open
});
afterAll(async () => {
  await t.dispose();
});

describe('GET /api/projects/{id}/export', () => {
  it('downloads the labelled cases as PNG: manifest, 16-bit images at their own size, label maps, the SEGs that were sent, dataset.json', async () => {
    const validation = (await t.call('GET', '/api/projects/1/worklist?round=1&status=labelled', { role: 'admin' })).json[0].sopUid as string;
    await t.server.ctx.sql.run('UPDATE worklist SET validation = 1 WHERE project_id = 1 AND sop_uid = @sopUid', { sopUid: validation }); // as a validation case is marked
    const dayOf = (): string => new Date().toISOString().slice(0, 10).replace(/-/g, '');
    const before = dayOf();
    const { headers, files } = await download('/api/projects/1/export');
    const after = dayOf(); // the download may cross midnight (UTC)
    expect(headers.get('content-type')).toBe('application/zip');
    expect([before, after].map((day) => `attachment; filename="Chest-export-labelled-${day}.zip"`)).toContain(headers.get('content-disposition'));
    const rows = manifestOf(files);
    const worklist = (await t.call('GET', '/api/projects/1/worklist?all=true&status=labelled', { role: 'admin' })).json as Array<{ sopUid: string; round: number; rank: number; priority: string; reason: string }>;
    expect(rows.map((r) => r.sop_uid)).toEqual(worklist.map((w) => w.sopUid)); // every labelled case, in worklist order
    expect(rows).toHaveLength(5);
    for (const [i, row] of rows.entries()) {
      const item = worklist[i]!;
      const name = String(i + 1).padStart(4, '0');
      expect(row).toEqual({
        case: name, sop_uid: item.sopUid, frame: '', study_uid: cases.get(item.sopUid)!.studyUid, series_uid: cases.get(item.sopUid)!.seriesUid,
        round: String(item.round), rank: String(item.rank), priority: item.priority, reason: item.reason, validation: String(item.sopUid === validation),
        annotator: 'annotator tester', labelled_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        image: `images/${name}.png`, mask: `masks/${name}.png`, seg: `seg/${name}.dcm`,
      });
      const instance = (await t.server.ctx.pool.instance(1, item.sopUid))!;
      const image = readPng(files[row.image]!);
      const mask = readPng(files[row.mask]!);
      expect([image.width, image.height, mask.width, mask.height]).toEqual([instance.columns, instance.rows, instance.columns, instance.rows]);
      expect(mask.data.every((v) => v >= 0 && v <= CLASSES.length)).toBe(true);
      const truth = readPng(await fs.readFile(cases.get(item.sopUid)!.truthFile));
      expect(Array.from(mask.data)).toEqual(Array.from(truth.data));
      // The modality values mapped linearly from their minimum … maximum to 0 … 65535.
      const source = (await readDicom(await fs.readFile(cases.get(item.sopUid)!.file)))[0]!.data;
      const min = Math.min(...source);
      const max = Math.max(...source);
      expect([Math.min(...image.data), Math.max(...image.data)]).toEqual([0, 65535]);
      expect(Array.from(image.data).every((v, p) => Math.abs(v - ((source[p]! - min) / (max - min)) * 65535) <= 0.5 + 1e-6)).toBe(true);
      if (sentAs.get(item.sopUid) === 'seg') {
        expect(Buffer.from(files[row.seg]!).equals(Buffer.from(segSent.get(item.sopUid)!))).toBe(true); // as uploaded
      } else {
        // Written from the PNG: it references the instance, names the classes, holds the mask.
        const seg = readSegmentation(files[row.seg]!);
        expect([seg.studyUid, seg.segments.map((x) => x.label)]).toEqual([item.sopUid && cases.get(item.sopUid)!.studyUid, CLASSES]);
        expect(Array.from(segmentationToLabelMap(seg, item.sopUid, new Map([[1, 1], [2, 2]])))).toEqual(Array.from(truth.data));
      }
    }
    expect(Object.keys(files).sort()).toEqual(['dataset.json', 'manifest.csv', ...rows.flatMap((r) => [r.image, r.mask, ...(r.seg ? [r.seg] : [])])].sort());
    expect(JSON.parse(Buffer.from(files['dataset.json']!).toString('utf8'))).toEqual({
      project: 'Chest export', format: 'png', count: 5, background: 0, intensity: expect.stringMatching(/linearly/),
      classes: [{ name: 'right lung', value: 1, color: '#ff0000' }, { name: 'left lung', value: 2, color: '#00ff00' }],
      exportedAt: expect.any(String), exportedBy: 'admin tester',
    });
  });

  it('downloads NIfTI-1: the stored values in their DICOM type (uint16 here) with the pixel size, uint8 label maps', async () => {
    const { files } = await download('/api/projects/1/export?format=nifti');
    const rows = manifestOf(files);
    expect(rows).toHaveLength(5);
    for (const row of rows) {
      expect([row.image, row.mask]).toEqual([`images/${row.case}.nii.gz`, `masks/${row.case}.nii.gz`]);
      const image = readNifti(files[row.image]!, { applyScaling: false });
      const mask = readNifti(files[row.mask]!);
      const stored = (await readDicom(await fs.readFile(cases.get(row.sop_uid!)!.file), { applyRescale: false }))[0]!;
      expect([image.dims, image.datatype, mask.dims, mask.datatype]).toEqual([[64, 64, 1], 512, [64, 64, 1], 2]);
      expect(Array.from(image.data)).toEqual(Array.from(stored.data));
      expect(Array.from(mask.data)).toEqual(Array.from(readPng(await fs.readFile(cases.get(row.sop_uid!)!.truthFile)).data));
    }
    expect(JSON.parse(Buffer.from(files['dataset.json']!).toString('utf8'))).toMatchObject({ format: 'nifti', count: 5 });
  });

  it('is for admins only, refuses an unknown format, and is audited without UIDs', async () => {
    for (const role of ['annotator', 'service'] as const) expect(await t.call('GET', '/api/projects/1/export', { role })).toMatchObject({ status: 403, json: { code: 'forbidden' } });
    expect(await t.call('GET', '/api/projects/1/export?format=jpeg', { role: 'admin' })).toMatchObject({ status: 400, json: { code: 'invalid-query' } });
    expect((await t.call('GET', '/api/projects/99/export', { role: 'admin' })).status).toBe(404);
    const audit = (await t.call('GET', '/api/audit?project=1&limit=500', { role: 'admin' })).json as Array<{ action: string; actor: string; details: unknown }>;
    const exports = audit.filter((e) => e.action === 'export.dataset');
    expect(exports.map((e) => [e.actor, e.details])).toEqual(expect.arrayContaining([['admin tester', { format: 'png', cases: 5 }], ['admin tester', { format: 'nifti', cases: 5 }]]));
  });

  it('answers 502 source-unavailable when the source cannot deliver the first case, before any byte', async () => {
    const folder = path.join(t.dir, 'phantoms', 'dicom');
    await fs.rename(folder, `${folder}-away`);
    try {
      const r = await t.call('GET', '/api/projects/1/export', { role: 'admin' });
      expect(r).toMatchObject({ status: 502, json: { code: 'source-unavailable', message: expect.stringMatching(/"phantoms" could not deliver case 0001/) } });
      expect(r.headers.get('content-disposition')).toBeNull();
    } finally {
      await fs.rename(`${folder}-away`, folder);
    }
  });

  it('cuts the response off (a truncated archive) and logs why when the source fails after the archive started', async () => {
    const second = (await t.call('GET', '/api/projects/1/worklist?all=true&status=labelled', { role: 'admin' })).json[1].sopUid as string;
    const file = cases.get(second)!.file;
    const away = path.join(t.dir, 'away.dcm'); // outside the folder: a re-scan of it must not find the instance again
    await fs.rename(file, away);
    try {
      const response = await fetch(`${t.url}/api/projects/1/export`, { headers: { Authorization: `Bearer ${t.token.admin}` } });
      expect(response.status).toBe(200);
      await expect(response.arrayBuffer()).rejects.toThrow();
      expect(t.logs.some((l) => /labelled-\d{8}\.zip cut off after \d+ bytes: the image source "phantoms" could not deliver case 0002/.test(l))).toBe(true);
    } finally {
      await fs.rename(away, file);
    }
    expect((await t.call('GET', '/api/health')).status).toBe(200);
  });

  it('stops when the client goes away, and the next download is whole', async () => {
    const controller = new AbortController();
    const response = await fetch(`${t.url}/api/projects/1/export`, { headers: { Authorization: `Bearer ${t.token.admin}` }, signal: controller.signal });
    const reader = response.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    controller.abort();
    expect(manifestOf((await download('/api/projects/1/export')).files)).toHaveLength(5);
  });
});

describe('GET /api/projects/{id}/rounds/{round}/model', () => {
  it('downloads a round\'s TensorFlow.js model with scanselect.json, and the engine loads it back', async () => {
    const { headers, files } = await download('/api/projects/1/rounds/1/model');
    expect(headers.get('content-type')).toBe('application/zip');
    expect(headers.get('content-disposition')).toBe('attachment; filename="Chest-export-round-1-model.zip"');
    expect(Object.keys(files).sort()).toEqual(['metadata.json', 'model.json', 'scanselect.json', 'weights.bin']);
    const summary = JSON.parse(Buffer.from(files['scanselect.json']!).toString('utf8'));
    const round = (await t.server.ctx.rounds.round(1, 1))!;
    expect(summary).toMatchObject({
      project: 'Chest export', round: 1, inputSize: 32, format: 'tfjs-layers-model',
      classes: [{ name: 'right lung', value: 1 }, { name: 'left lung', value: 2 }],
      training: { images: 4, epochs: 2, finalLoss: round.report.training!.finalLoss, seconds: expect.any(Number), backend: expect.any(String) },
    });
    const trained = await modelFromFiles(files as unknown as ModelFiles, 'download');
    expect([trained.config.inputSize, trained.config.classes]).toEqual([32, 3]);
    trained.dispose();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'scanselect-model-'));
    try {
      for (const name of ['model.json', 'weights.bin', 'metadata.json']) await fs.writeFile(path.join(dir, name), files[name]!);
      (await loadModel(dir)).dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const audit = (await t.call('GET', '/api/audit?project=1&limit=500', { role: 'admin' })).json as Array<{ action: string; details: unknown }>;
    expect(audit.find((e) => e.action === 'export.model')?.details).toEqual({ round: 1 });
  });

  it('answers 404 for the cold start (no model) and an unknown round, 403 to other roles', async () => {
    expect(await t.call('GET', '/api/projects/1/rounds/0/model', { role: 'admin' })).toMatchObject({ status: 404, json: { code: 'not-found', message: expect.stringMatching(/cold start/) } });
    expect(await t.call('GET', '/api/projects/1/rounds/7/model', { role: 'admin' })).toMatchObject({ status: 404, json: { code: 'not-found' } });
    expect(await t.call('GET', '/api/projects/1/rounds/x/model', { role: 'admin' })).toMatchObject({ status: 404, json: { code: 'not-found' } });
    for (const role of ['annotator', 'service'] as const) expect((await t.call('GET', '/api/projects/1/rounds/1/model', { role })).status).toBe(403);
  });
});
