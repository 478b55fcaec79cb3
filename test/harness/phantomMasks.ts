/** The demo's phantoms in tests through the HTTP API: a server on them, and the masks an annotator would send. */
import { promises as fs, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readPng } from '@scanselect/plugin';
import { writePhantomDataset, type PhantomCase } from '../../server/src/demo/phantomDataset';
import { SECONDARY_CAPTURE_SOP_CLASS, writeSegmentation } from '../../server/src/dicom';
import type { ServerOptions } from '../../server/src/server';
import { startTestServer, type TestServer } from './serverHarness';

/** A phantom's ground truth as a BINARY DICOM SEG of its instance, segment i + 1 named `classes[i]`. */
export async function phantomSeg(phantom: PhantomCase, classes: readonly string[]): Promise<Uint8Array> {
  const truth = readPng(await fs.readFile(phantom.truthFile));
  return writeSegmentation({
    source: { studyUid: phantom.studyUid, seriesUid: phantom.seriesUid, sopUid: phantom.sopUid, sopClassUid: SECONDARY_CAPTURE_SOP_CLASS, patientId: phantom.patientId, patientName: 'Phantom^Chest', rows: truth.height, columns: truth.width },
    segments: classes.map((label, i) => ({ number: i + 1, label, value: i + 1 })),
    labelMap: Uint8Array.from(truth.data),
  });
}

/** A test server on a folder source `phantoms` of `count` phantom chest radiographs (64², seeded) and one project on it. */
export async function startPhantomServer(
  count: number, seed: number, project: Record<string, unknown>, options: Partial<ServerOptions> = {}, config: Record<string, unknown> = {},
): Promise<{ t: TestServer; cases: Map<string, PhantomCase> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'scanselect-server-'));
  const list = await writePhantomDataset(path.join(dir, 'phantoms'), count, seed, 64);
  const t = await startTestServer({ ...config, sources: { phantoms: { kind: 'folder', path: path.join(dir, 'phantoms', 'dicom') } }, projects: [{ source: 'phantoms', ...project }] }, { ...options, dir });
  return { t, cases: new Map(list.map((c) => [c.sopUid, c])) };
}
