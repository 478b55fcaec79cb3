import { settingBudget, settingKey, type Setting } from './protocol';

/** What a per-volume cap or volume penalty did to one setting's selections, over the runs. */
export interface CapEffectRow {
  readonly budget: number;
  /** The capped (or penalised) setting's key. */
  readonly setting: string;
  /** The cap, or null (a penalty only). */
  readonly cap: number | null;
  /** The volume penalty, or null (a cap only). */
  readonly penalty: number | null;
  /** Runs with both the capped and the uncapped selection. */
  readonly runs: number;
  /** Of those, runs in which the two selections differ (as sets). */
  readonly changed: number;
  /** Most slices one volume gave to the uncapped selection, per run. */
  readonly uncappedMostPerVolume: readonly number[];
  /** The same with the cap. */
  readonly cappedMostPerVolume: readonly number[];
}

/**
 * For every capped or penalised setting, how often the cap (penalty) changed the selection and how
 * many slices one volume gave without and with it — to read such a row of the results: a cap that
 * never binds changes nothing. `selected(run, setting)` is a unit's selection (null when absent),
 * `volumeOf` an id's volume.
 */
export function capEffect(
  settings: readonly Setting[], runs: readonly number[], selected: (run: number, setting: Setting) => readonly string[] | null, volumeOf: (id: string) => string | null,
): CapEffectRow[] {
  const mostPerVolume = (ids: readonly string[]): number => {
    const counts = new Map<string, number>();
    for (const id of ids) {
      const volume = volumeOf(id);
      if (volume !== null) counts.set(volume, (counts.get(volume) ?? 0) + 1);
    }
    return Math.max(0, ...counts.values());
  };
  const rows: CapEffectRow[] = [];
  for (const capped of settings) {
    if (capped.maxPerVolume === undefined && capped.volumePenalty === undefined) continue;
    const { maxPerVolume: cap, volumePenalty: penalty, ...rest } = capped;
    const twin = rest as Setting;
    let both = 0;
    let changed = 0;
    const uncappedMost: number[] = [];
    const cappedMost: number[] = [];
    for (const run of runs) {
      const a = selected(run, capped);
      const b = selected(run, twin);
      if (a === null || b === null) continue;
      both++;
      const sa = new Set(a);
      if (a.length !== b.length || b.some((id) => !sa.has(id))) changed++;
      uncappedMost.push(mostPerVolume(b));
      cappedMost.push(mostPerVolume(a));
    }
    rows.push({ budget: settingBudget(capped), setting: settingKey(capped), cap: cap ?? null, penalty: penalty ?? null, runs: both, changed, uncappedMostPerVolume: uncappedMost, cappedMostPerVolume: cappedMost });
  }
  return rows;
}

/** The rows as a Markdown table. */
export function capEffectMarkdown(rows: readonly CapEffectRow[], label: (key: string) => string): string {
  const range = (v: readonly number[]): string => (v.length === 0 ? '—' : `${Math.min(...v)}–${Math.max(...v)}`);
  const lines = [
    '| Budget | Setting | Per volume | Runs where it changed the selection | Most slices from one volume without it (range over runs) | … with it |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const rule = [r.cap === null ? null : `≤ ${r.cap}`, r.penalty === null ? null : `penalty ${r.penalty}`].filter((x) => x !== null).join(', ');
    lines.push(`| ${r.budget} | ${label(r.setting)} | ${rule} | ${r.changed}/${r.runs} | ${range(r.uncappedMostPerVolume)} | ${range(r.cappedMostPerVolume)} |`);
  }
  return lines.join('\n') + '\n';
}
