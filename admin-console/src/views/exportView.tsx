import { useState } from 'preact/hooks';
import { useSession } from '../app';
import type { ProjectView } from '../types';
import { ErrorNote, Section, useAction } from './common';

/** The labelled data set as a zip (images and masks as PNG or NIfTI, the SEGs, a manifest); every export is audited. */
export function ExportView({ project }: { project: ProjectView }) {
  const { api } = useSession();
  const [format, setFormat] = useState<'png' | 'nifti'>('png');
  const [saved, setSaved] = useState<string | null>(null);
  const action = useAction();
  return (
    <Section title="Export the labelled data set">
      <p>{project.labelled} labelled cases. The zip holds <code>images/</code>, <code>masks/</code> (value = class index), <code>seg/</code> (the DICOM SEGs), <code>manifest.csv</code> (round, rank, reason, annotator) and <code>dataset.json</code>. Round models are downloaded from the <a href={`#/projects/${project.id}/rounds`}>rounds</a> table.</p>
      <fieldset>
        <legend>Image and mask format</legend>
        <label><input type="radio" name="format" value="png" checked={format === 'png'} onChange={() => setFormat('png')} /> PNG</label>
        <label><input type="radio" name="format" value="nifti" checked={format === 'nifti'} onChange={() => setFormat('nifti')} /> NIfTI (.nii.gz)</label>
      </fieldset>
      <button type="button" disabled={action.busy || project.labelled === 0} onClick={() => void action.run(async () => setSaved(await api.download(`/api/projects/${project.id}/export?format=${format}`, 'export.zip')))}>
        {action.busy ? 'Preparing the download…' : 'Download the labelled data set'}
      </button>
      <ErrorNote error={action.error} />
      {saved && <p role="status" class="ok">Saved {saved}.</p>}
    </Section>
  );
}
