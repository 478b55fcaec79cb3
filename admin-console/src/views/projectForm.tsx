import { useState } from 'preact/hooks';
import { ApiError, messageOf } from '../api';
import { useSession } from '../app';
import type { ProjectSettings, ProjectView, SourceInfo } from '../types';
import { Loading, PageTitle, useLoad } from './common';
import { ErrorSummary, Field, FieldErrors, GroupErrors } from './fields';

/** The form's copy of the settings (plus the name when creating). */
type Draft = Omit<ProjectSettings, 'status'> & { name: string };

const DEFAULTS: Draft = {
  name: '', source: '', filters: {}, classes: ['lung'], classColors: ['#e69f00'],
  encoder: { id: 'intensity-texture', inputSize: 256 },
  model: { inputSize: 128, epochs: 40, batchSize: 2, learningRate: 1e-3, depth: 4, baseChannels: 8, dropout: 0.15 },
  budget: { coldStart: 10, perRound: 5, total: 40 }, alpha: 0.3, selection: { unit: 'image', sliceSpacingMm: null, maxPerVolume: null }, projection: 'tsne', seed: 42, schedule: null, timeZone: 'UTC', autoRetrainQuota: 1, leaseMinutes: 60,
};

const TIME_ZONES: readonly string[] = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? ['UTC'];

export function NewProjectPage() {
  const { api } = useSession();
  const sources = useLoad(() => api.get<SourceInfo[]>('/api/sources'), []);
  if (!sources.data) return <><PageTitle>New project</PageTitle><Loading what="sources" /></>;
  const draft = { ...DEFAULTS, source: sources.data[0]?.name ?? '' };
  return (
    <>
      <PageTitle>New project</PageTitle>
      <SettingsForm initial={draft} sources={sources.data} onSave={async (d) => {
        const { name, ...settings } = d;
        const created = await api.send<ProjectView>('POST', '/api/projects', { name, ...clean(settings) });
        location.hash = `#/projects/${created.id}/overview`;
      }} submitLabel="Create project" creating />
    </>
  );
}

/** Edits a project: only what changed is sent (PATCH); the server's refusals appear beside their fields. */
export function EditSettings({ project, onSaved }: { project: ProjectView; onSaved: (p: ProjectView) => void }) {
  const { api } = useSession();
  const sources = useLoad(() => api.get<SourceInfo[]>('/api/sources'), []);
  if (!sources.data) return <Loading what="sources" />;
  // The status is set by the overview's buttons, not by this form.
  const initial: Draft = Object.fromEntries(Object.entries({ ...project.settings, name: project.name }).filter(([k]) => k !== 'status')) as Draft;
  return <SettingsForm key={project.id} initial={initial} sources={sources.data} submitLabel="Save changes" onSave={async (d) => {
    const patch = changes(initial, d);
    if (Object.keys(patch).length === 0) return 'Nothing changed.';
    onSaved(await api.send<ProjectView>('PATCH', `/api/projects/${project.id}`, patch));
    return 'Saved.';
  }} />;
}

/** Empty filter fields are no filter. */
function clean(settings: Omit<Draft, 'name'>): Omit<Draft, 'name'> {
  const filters = Object.fromEntries(Object.entries(settings.filters).filter(([, v]) => v !== undefined && v !== ''));
  const encoder = Object.fromEntries(Object.entries(settings.encoder).filter(([, v]) => v !== undefined && v !== '')) as Draft['encoder'];
  return { ...settings, filters, encoder };
}

function changes(before: Draft, after: Draft): Record<string, unknown> {
  const a = clean(after);
  const b = clean(before);
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(a) as Array<keyof typeof a>) {
    if ((key as string) === 'name' || JSON.stringify(a[key]) === JSON.stringify(b[key])) continue; // a project keeps its name
    if (key === 'model' || key === 'encoder' || key === 'selection') {
      const inner = Object.fromEntries(Object.entries(a[key]).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify((b[key] as unknown as Record<string, unknown>)[k])));
      patch[key] = inner;
    } else {
      patch[key] = a[key];
    }
  }
  return patch;
}

function SettingsForm({ initial, sources, onSave, submitLabel, creating = false }: { initial: Draft; sources: readonly SourceInfo[]; onSave: (d: Draft) => Promise<string | void>; submitLabel: string; creating?: boolean }) {
  const { info, api } = useSession();
  // Site encoders trained by the service (a project's overview trains one from its pool).
  const site = useLoad(() => api.get<Array<{ name: string; images: number | null }>>('/api/site-encoders'), []);
  const models = [...info.models, ...(site.data ?? []).map((s) => s.name)];
  const encoderIds = [...info.encoders, ...(info.encoders.includes('self-supervised') && info.encoders.includes('intensity-texture') ? ['intensity-texture+self-supervised'] : [])];
  const [d, setD] = useState<Draft>(initial);
  const [errors, setErrors] = useState(new FieldErrors());
  const [message, setMessage] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<Draft>): void => setD((x) => ({ ...x, ...patch }));
  const num = (value: string): number => (value.trim() === '' ? Number.NaN : Number(value));

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setSaved(null);
    try {
      const note = await onSave(d);
      setErrors(new FieldErrors());
      setMessage(null);
      setSaved(note ?? null);
    } catch (error) {
      setErrors(new FieldErrors(error instanceof ApiError ? error.fields : []));
      setMessage(messageOf(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="settings" onSubmit={submit} noValidate>
      <ErrorSummary errors={errors} message={message} />
      {creating && (
        <Field path="name" label="Name" help="Letters, digits, spaces, dots, dashes, underscores." errors={errors}>
          {(p) => <input {...p} value={d.name} onInput={(e) => set({ name: e.currentTarget.value })} required />}
        </Field>
      )}
      <fieldset>
        <legend>Source and filters</legend>
        <Field path="source" label="Source" help="A PACS or folder of the server configuration; fixed once synced." errors={errors}>
          {(p) => <select {...p} value={d.source} onChange={(e) => set({ source: e.currentTarget.value })}>{sources.map((s) => <option key={s.name} value={s.name}>{s.name} ({s.kind})</option>)}</select>}
        </Field>
        <GroupErrors messages={errors.group('filters', ['filters.modality', 'filters.bodyPart', 'filters.dateFrom', 'filters.dateTo', 'filters.studyDescription'])} />
        {(['modality', 'bodyPart', 'dateFrom', 'dateTo', 'studyDescription'] as const).map((k) => (
          <Field key={k} path={`filters.${k}`} label={FILTER_LABELS[k]} errors={errors} help={k.startsWith('date') ? 'YYYYMMDD' : undefined}>
            {(p) => <input {...p} value={d.filters[k] ?? ''} onInput={(e) => set({ filters: { ...d.filters, [k]: e.currentTarget.value } })} />}
          </Field>
        ))}
      </fieldset>
      <fieldset>
        <legend>Classes</legend>
        <p class="help">Label value i is class i (0 is background). The viewer paints each class in its colour. Classes can be renamed at any time; added or removed only before the first mask.</p>
        <GroupErrors messages={[...errors.group('classes', []), ...errors.group('classColors', [])]} />
        <ol class="classes">
          {d.classes.map((name, i) => (
            <li key={i}>
              <label for={`class-${i}`}>Class {i + 1} name</label>
              <input id={`class-${i}`} name={`classes.${i}`} value={name} onInput={(e) => set({ classes: d.classes.map((c, j) => (j === i ? e.currentTarget.value : c)) })} />
              <label for={`colour-${i}`}>Class {i + 1} colour</label>
              <input id={`colour-${i}`} name={`classColors.${i}`} type="color" value={d.classColors[i] ?? '#888888'} onInput={(e) => set({ classColors: d.classes.map((_, j) => (j === i ? e.currentTarget.value : (d.classColors[j] ?? '#888888'))) })} />
              <button type="button" disabled={d.classes.length <= 1} aria-label={`Remove class ${i + 1}`} onClick={() => set({ classes: d.classes.filter((_, j) => j !== i), classColors: d.classColors.filter((_, j) => j !== i) })}>Remove</button>
            </li>
          ))}
        </ol>
        <button type="button" onClick={() => set({ classes: [...d.classes, `class ${d.classes.length + 1}`], classColors: [...d.classColors, '#56b4e9'] })}>Add class</button>
      </fieldset>
      <fieldset>
        <legend>Budget (cases)</legend>
        <GroupErrors messages={errors.group('budget', ['budget.coldStart', 'budget.perRound', 'budget.total'])} />
        <Field path="budget.coldStart" label="Cold start B₀" errors={errors}>{(p) => <input {...p} type="number" min={1} value={d.budget.coldStart} onInput={(e) => set({ budget: { ...d.budget, coldStart: num(e.currentTarget.value) } })} />}</Field>
        <Field path="budget.perRound" label="Per round A" errors={errors}>{(p) => <input {...p} type="number" min={1} value={d.budget.perRound} onInput={(e) => set({ budget: { ...d.budget, perRound: num(e.currentTarget.value) } })} />}</Field>
        <Field path="budget.total" label="Total B" help="Never below what is already selected." errors={errors}>{(p) => <input {...p} type="number" min={1} value={d.budget.total} onInput={(e) => set({ budget: { ...d.budget, total: num(e.currentTarget.value) } })} />}</Field>
      </fieldset>
      <fieldset>
        <legend>Selection</legend>
        <Field path="alpha" label="α (diversity weight, eq. 10)" help="0 = uncertainty only, 1 = diversity only; the paper uses 0.3. Adaptive: chosen each round from how well the model's uncertainty ranked its errors on the cases labelled so far. Used by the next round." errors={errors}>
          {(p) => <input {...p} type="number" min={0} max={1} step={0.05} disabled={d.alpha === 'adaptive'} value={d.alpha === 'adaptive' ? '' : d.alpha} onInput={(e) => set({ alpha: num(e.currentTarget.value) })} />}
        </Field>
        <label><input type="checkbox" name="alphaAdaptive" checked={d.alpha === 'adaptive'} onChange={(e) => set({ alpha: e.currentTarget.checked ? 'adaptive' : 0.3 })} /> adaptive α</label>
        <Field path="selection.unit" label="Selection unit" help="image: every synced image is a candidate; slice: the slices of CT/MR volumes (series that form one volume), images outside volumes are left out; volume: volumes are chosen, one slice from each." errors={errors}>
          {(p) => <select {...p} value={d.selection.unit} onChange={(e) => set({ selection: { ...d.selection, unit: e.currentTarget.value as Draft['selection']['unit'], ...(e.currentTarget.value === 'image' && { sliceSpacingMm: null }) } })}>{['image', 'slice', 'volume'].map((x) => <option key={x}>{x}</option>)}</select>}
        </Field>
        <Field path="selection.sliceSpacingMm" label="One slice every … mm (slice and volume units)" help="Empty: every slice is a candidate." errors={errors}>
          {(p) => <input {...p} type="number" min={0} step={0.5} disabled={d.selection.unit === 'image'} value={d.selection.sliceSpacingMm ?? ''} onInput={(e) => set({ selection: { ...d.selection, sliceSpacingMm: e.currentTarget.value === '' ? null : num(e.currentTarget.value) } })} />}
        </Field>
        <Field path="selection.maxPerVolume" label="At most … per volume and round" help="Slices of one patient are not independent. Empty: no cap." errors={errors}>
          {(p) => <input {...p} type="number" min={1} value={d.selection.maxPerVolume ?? ''} onInput={(e) => set({ selection: { ...d.selection, maxPerVolume: e.currentTarget.value === '' ? null : num(e.currentTarget.value) } })} />}
        </Field>
        <Field path="projection" label="2-D projection" errors={errors}>{(p) => <select {...p} value={d.projection} onChange={(e) => set({ projection: e.currentTarget.value })}>{['tsne', 'pca', 'none'].map((x) => <option key={x}>{x}</option>)}</select>}</Field>
        <Field path="seed" label="Seed" errors={errors}>{(p) => <input {...p} type="number" min={0} value={d.seed} onInput={(e) => set({ seed: num(e.currentTarget.value) })} />}</Field>
      </fieldset>
      <fieldset>
        <legend>Encoder (embeddings)</legend>
        <GroupErrors messages={errors.group('encoder', ['encoder.id', 'encoder.model', 'encoder.inputSize'])} />
        <Field path="encoder.id" label="Encoder" help="Fixed once the pool is synced." errors={errors}>{(p) => <select {...p} value={d.encoder.id} onChange={(e) => set({ encoder: { ...d.encoder, id: e.currentTarget.value } })}>{encoderIds.map((x) => <option key={x}>{x}</option>)}</select>}</Field>
        <Field path="encoder.model" label="Model (tfjs-model: a configured model; self-supervised: a configured or site-trained one)" help="site-… encoders were trained by this service on a project's pool (its overview: Train a site encoder)." errors={errors}>
          {(p) => <select {...p} value={d.encoder.model ?? ''} onChange={(e) => set({ encoder: { ...d.encoder, model: e.currentTarget.value || undefined } })}><option value="">none</option>{models.map((x) => <option key={x}>{x}</option>)}</select>}
        </Field>
        <Field path="encoder.inputSize" label="Encoder input size (px)" errors={errors}>{(p) => <input {...p} type="number" min={16} value={d.encoder.inputSize} onInput={(e) => set({ encoder: { ...d.encoder, inputSize: num(e.currentTarget.value) } })} />}</Field>
      </fieldset>
      <fieldset>
        <legend>Segmentation model (Attention U-Net)</legend>
        <GroupErrors messages={errors.group('model', MODEL_FIELDS.map(([k]) => `model.${k}`))} />
        {MODEL_FIELDS.map(([k, label, step]) => (
          <Field key={k} path={`model.${k}`} label={label} errors={errors}>{(p) => <input {...p} type="number" step={step} value={d.model[k]} onInput={(e) => set({ model: { ...d.model, [k]: num(e.currentTarget.value) } })} />}</Field>
        ))}
      </fieldset>
      <fieldset>
        <legend>Schedule and labelling</legend>
        <Field path="schedule" label="Nightly schedule (cron, 5 fields)" help="e.g. 0 2 * * * — empty for none. A run syncs, then queues a round when one is due." errors={errors}>
          {(p) => <input {...p} value={d.schedule ?? ''} onInput={(e) => set({ schedule: e.currentTarget.value.trim() === '' ? null : e.currentTarget.value })} />}
        </Field>
        <Field path="timeZone" label="Time zone of the schedule" errors={errors}>{(p) => <select {...p} value={d.timeZone} onChange={(e) => set({ timeZone: e.currentTarget.value })}>{(TIME_ZONES.includes(d.timeZone) ? TIME_ZONES : [d.timeZone, ...TIME_ZONES]).map((z) => <option key={z}>{z}</option>)}</select>}</Field>
        <Field path="autoRetrainQuota" label="Retrain quota (fraction of a worklist labelled)" help="The next round is queued when this share of the latest worklist has masks; 0 = never automatically." errors={errors}>
          {(p) => <input {...p} type="number" min={0} max={1} step={0.05} value={d.autoRetrainQuota} onInput={(e) => set({ autoRetrainQuota: num(e.currentTarget.value) })} />}
        </Field>
        <Field path="leaseMinutes" label="Claim lease (minutes)" errors={errors}>{(p) => <input {...p} type="number" min={1} value={d.leaseMinutes} onInput={(e) => set({ leaseMinutes: num(e.currentTarget.value) })} />}</Field>
      </fieldset>
      <button type="submit" disabled={busy}>{busy ? 'Saving…' : submitLabel}</button>
      {saved && <p role="status" class="ok">{saved}</p>}
    </form>
  );
}

const FILTER_LABELS = { modality: 'Modality (e.g. CR, DX)', bodyPart: 'Body part', dateFrom: 'Studies from', dateTo: 'Studies to', studyDescription: 'Study description (wildcards * ?)' } as const;
const MODEL_FIELDS: ReadonlyArray<[keyof ProjectSettings['model'], string, number]> = [
  ['inputSize', 'Input size (px)', 1], ['epochs', 'Epochs', 1], ['batchSize', 'Batch size', 1], ['learningRate', 'Learning rate', 0.0001],
  ['depth', 'Depth', 1], ['baseChannels', 'Base channels', 1], ['dropout', 'Dropout', 0.05],
];
