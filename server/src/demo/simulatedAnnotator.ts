import { promises as fs } from 'node:fs';
import { readPng } from '@scanselect/plugin';
import { writeSegmentation, SECONDARY_CAPTURE_SOP_CLASS } from '../dicom';
import type { PhantomCase } from './phantomDataset';

/** A worklist case as the REST API returns it (the fields the annotator uses). */
interface Case { sopUid: string; rank: number; status: string; priority: string; validation?: boolean }

/**
 * Plays a radiologist through the REST API, as the viewer would: for every open case of the
 * latest worklist, claim it, outline it (here: the phantom's ground truth, written as a DICOM
 * SEG) and submit the SEG. Validation cases first: the last selected case's mask queues the next
 * round, whose model is then scored on the whole validation set. Returns the cases it labelled.
 */
export class SimulatedAnnotator {
  constructor(private readonly baseUrl: string, private readonly token: string, private readonly cases: ReadonlyMap<string, PhantomCase>, private readonly classes: readonly string[]) {}

  async labelOpenCases(projectId: number): Promise<string[]> {
    const open = (await this.call('GET', `/api/projects/${projectId}/worklist?status=open`)) as Case[];
    const worklist = [...open.filter((c) => c.validation), ...open.filter((c) => !c.validation)];
    const done: string[] = [];
    for (const item of worklist) {
      const phantom = this.cases.get(item.sopUid);
      if (!phantom) throw new Error(`worklist case ${item.sopUid} is not a phantom of this demo`);
      await this.call('POST', `/api/projects/${projectId}/cases/${item.sopUid}/claim`);
      const truth = readPng(await fs.readFile(phantom.truthFile));
      const seg = writeSegmentation({
        source: { studyUid: phantom.studyUid, seriesUid: phantom.seriesUid, sopUid: phantom.sopUid, sopClassUid: SECONDARY_CAPTURE_SOP_CLASS, patientId: phantom.patientId, patientName: 'Phantom^Chest', rows: truth.height, columns: truth.width },
        segments: this.classes.map((label, i) => ({ number: i + 1, label, value: i + 1 })),
        labelMap: Uint8Array.from(truth.data),
        contentCreator: 'Simulated^Annotator',
      });
      await this.call('POST', `/api/projects/${projectId}/cases/${item.sopUid}/mask`, seg, 'application/dicom');
      done.push(item.sopUid);
    }
    return done;
  }

  private async call(method: string, path: string, body?: Uint8Array, type?: string): Promise<unknown> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${this.token}`, ...(type && { 'Content-Type': type }) },
      ...(body && { body }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return text ? (JSON.parse(text) as unknown) : null;
  }
}
