import { combinedParts, MODEL_ENCODER_IDS } from '@scanselect/plugin';
import type { SourceFilters } from '../pacs/source';


/** A model's name in the server configuration (`models`), as projects refer to it. */
export const MODEL_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
/** The encoder of a project: a registered id and the options its factory reads. */
export interface EncoderSettings {
  readonly id: string;
  /**
   * The name of a model in the server configuration's `models` (encoder `tfjs-model`, e.g. a
   * converted RadImageNet ResNet-50) — never a path or URL: the API cannot make the server read
   * or fetch anything the operator did not configure.
   */
  readonly model?: string;
  readonly featureLayer?: string;
  readonly normalization?: string;
  /** Side of the square every image is resized to before embedding. */
  readonly inputSize: number;
}

/** The segmentation network of a project (method paper, section 4.2). */
export interface ModelSettings {
  /** Side S of the square the network sees. */
  readonly inputSize: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly depth: number;
  readonly baseChannels: number;
  readonly dropout: number;
}

/** Budget in images: cold start B₀, each active-learning round A, and the total B. */
export interface BudgetSettings {
  readonly coldStart: number;
  readonly perRound: number;
  readonly total: number;
}

/** What one selection candidate is; see {@link SelectionSettings}. */
export type SelectionUnit = 'image' | 'slice' | 'volume';
export const SELECTION_UNITS: readonly SelectionUnit[] = ['image', 'slice', 'volume'];

/**
 * What the selection picks from. `image`: every synced image (or the first frame of a multi-frame
 * instance) is a candidate, as in the paper's chest X-ray setting. `slice`: the slices of the
 * project's volumes (series that form one volume, docs/imaging.md) are the candidates — every
 * slice, or with `sliceSpacingMm` one slice every that many mm — and images that are not part of a
 * volume are left out (the paper's brain setting). `volume`: volumes are chosen (by their mean
 * slice embedding, then by their mean slice entropy), one slice from each (domain/volumeUnit.ts).
 * `maxPerVolume`: at most that many picks from one series in one selection (cold start or round):
 * slices of one patient are not independent.
 */
export interface SelectionSettings {
  readonly unit: SelectionUnit;
  readonly sliceSpacingMm: number | null;
  readonly maxPerVolume: number | null;
}

/** Everything an admin sets about a project. */
export interface ProjectSettings {
  /** Name of a source of the server configuration (a PACS or a folder). */
  readonly source: string;
  readonly filters: SourceFilters;
  /** Foreground classes in label-value order: class i has value i + 1 in masks (0 = background). */
  readonly classes: readonly string[];
  /** `#rrggbb` colour of each class (same order), as the viewer paints it; filled in from a palette when not given. */
  readonly classColors: readonly string[];
  /** `active`; `paused`: no sync or round is queued (by anyone or the schedule), labelling goes on; `archived`: read-only. */
  readonly status: ProjectStatus;
  readonly encoder: EncoderSettings;
  readonly model: ModelSettings;
  readonly budget: BudgetSettings;
  /** α of eq. (10): weight of diversity against uncertainty; `adaptive`: chosen per round (domain/roundAlpha.ts). */
  readonly alpha: number | 'adaptive';
  readonly selection: SelectionSettings;
  /** `tsne` (the paper), `pca` or `none`. */
  readonly projection: string;
  readonly seed: number;
  /** Five-field cron expression of the nightly sync and round, or null for none. */
  readonly schedule: string | null;
  /** IANA time zone of the schedule. */
  readonly timeZone: string;
  /** Fraction of a round's worklist that must have masks before the next round is queued (0 = never automatically). */
  readonly autoRetrainQuota: number;
  /** How long a claim holds a case for one annotator. */
  readonly leaseMinutes: number;
}

/** What a project is doing: see {@link ProjectSettings.status}. */
export type ProjectStatus = 'active' | 'paused' | 'archived';
export const PROJECT_STATUSES: readonly ProjectStatus[] = ['active', 'paused', 'archived'];

/**
 * Default class colours in label order: Okabe–Ito, then Tol's bright (distinct and colour-blind
 * aware; the viewer's fallback palette for projects stored before colours were settings).
 */
export const CLASS_PALETTE: readonly string[] = [
  '#e69f00', '#56b4e9', '#009e73', '#f0e442', '#0072b2', '#d55e00', '#cc79a7',
  '#4477aa', '#66ccee', '#228833', '#ccbb44', '#ee6677', '#aa3377', '#bbbbbb',
];

/** The colours of `classes`: the given ones, then the palette for the rest. */
export function classColorsFor(classes: readonly string[], given: readonly string[] = []): string[] {
  return classes.map((_, i) => given[i] ?? CLASS_PALETTE[i % CLASS_PALETTE.length]!);
}

const uint = (minimum: number, maximum: number, def?: number): Record<string, unknown> => ({ type: 'integer', minimum, maximum, ...(def === undefined ? {} : { default: def }) });
const date = { type: 'string', pattern: '^[0-9]{8}$', description: 'YYYYMMDD' };

/** JSON Schema of {@link ProjectSettings} (defaults filled in on validation; served in the OpenAPI document). */
export const PROJECT_SETTINGS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['source', 'classes', 'budget'],
  properties: {
    source: { type: 'string', minLength: 1, maxLength: 100 },
    filters: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        modality: { type: 'string', pattern: '^[A-Z0-9]{1,16}$' },
        bodyPart: { type: 'string', minLength: 1, maxLength: 16 },
        dateFrom: date,
        dateTo: date,
        studyDescription: { type: 'string', minLength: 1, maxLength: 64, description: 'DICOM wildcards * and ? allowed' },
      },
    },
    classes: { type: 'array', minItems: 1, maxItems: 20, items: { type: 'string', minLength: 1, maxLength: 64 } },
    classColors: { type: 'array', maxItems: 20, items: { type: 'string', pattern: '^#[0-9a-fA-F]{6}$' } },
    status: { type: 'string', enum: PROJECT_STATUSES, default: 'active' },
    encoder: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        id: { type: 'string', default: 'intensity-texture' },
        model: { type: 'string', pattern: MODEL_NAME_PATTERN },
        featureLayer: { type: 'string', minLength: 1 },
        normalization: { type: 'string', minLength: 1 },
        inputSize: uint(16, 1024, 256),
      },
    },
    model: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        inputSize: uint(32, 512, 128),
        epochs: uint(1, 1000, 40),
        batchSize: uint(1, 64, 2),
        learningRate: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 1e-3 },
        depth: uint(2, 5, 4),
        baseChannels: uint(2, 64, 8),
        dropout: { type: 'number', minimum: 0, maximum: 0.9, default: 0.15 },
      },
    },
    budget: {
      type: 'object',
      additionalProperties: false,
      required: ['coldStart', 'perRound', 'total'],
      properties: { coldStart: uint(1, 100000), perRound: uint(1, 100000), total: uint(1, 1000000) },
    },
    alpha: { oneOf: [{ type: 'number', minimum: 0, maximum: 1 }, { const: 'adaptive' }], default: 0.3 },
    selection: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        unit: { type: 'string', enum: SELECTION_UNITS, default: 'image' },
        sliceSpacingMm: { type: ['number', 'null'], exclusiveMinimum: 0, maximum: 1000, default: null },
        maxPerVolume: { type: ['integer', 'null'], minimum: 1, maximum: 100000, default: null },
      },
    },
    projection: { type: 'string', enum: ['tsne', 'pca', 'none'], default: 'tsne' },
    seed: uint(0, 2 ** 31 - 1, 42),
    schedule: { type: ['string', 'null'], default: null, maxLength: 100 },
    timeZone: { type: 'string', default: 'UTC', maxLength: 64 },
    autoRetrainQuota: { type: 'number', minimum: 0, maximum: 1, default: 1 },
    leaseMinutes: uint(1, 7 * 24 * 60, 60),
  },
} as const;

/** A schema with every `default` removed: a patch must not fill in what it does not change. */
function withoutDefaults<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map(withoutDefaults) as T;
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(Object.entries(schema).filter(([k]) => k !== 'default').map(([k, v]) => [k, withoutDefaults(v)])) as T;
}

/**
 * JSON Schema of a change to a project (`PATCH`): any subset of the settings. Some may change only
 * while nothing depends on them (the use case says which and answers 409 naming the field).
 */
export const PROJECT_PATCH_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    source: PROJECT_SETTINGS_SCHEMA.properties.source,
    classes: PROJECT_SETTINGS_SCHEMA.properties.classes,
    classColors: PROJECT_SETTINGS_SCHEMA.properties.classColors,
    status: { type: 'string', enum: PROJECT_STATUSES },
    encoder: withoutDefaults(PROJECT_SETTINGS_SCHEMA.properties.encoder),
    projection: { type: 'string', enum: ['tsne', 'pca', 'none'] },
    seed: uint(0, 2 ** 31 - 1),
    budget: PROJECT_SETTINGS_SCHEMA.properties.budget,
    alpha: { oneOf: [{ type: 'number', minimum: 0, maximum: 1 }, { const: 'adaptive' }] },
    selection: withoutDefaults(PROJECT_SETTINGS_SCHEMA.properties.selection),
    schedule: { type: ['string', 'null'], maxLength: 100 },
    timeZone: { type: 'string', maxLength: 64 },
    autoRetrainQuota: { type: 'number', minimum: 0, maximum: 1 },
    leaseMinutes: uint(1, 7 * 24 * 60),
    filters: withoutDefaults(PROJECT_SETTINGS_SCHEMA.properties.filters), // with its default, every patch would clear the filters
    model: withoutDefaults(PROJECT_SETTINGS_SCHEMA.properties.model),
  },
} as const;

/** A change an admin makes to a project's settings. */
export type ProjectPatch = Partial<Omit<ProjectSettings, 'model' | 'encoder' | 'selection'>> & {
  readonly model?: Partial<ModelSettings>;
  readonly selection?: Partial<SelectionSettings>;
  readonly encoder?: Partial<EncoderSettings>;
};

/** Checks a settings object beyond its JSON Schema; returns the problems (empty when valid). */
export function settingsProblems(settings: ProjectSettings, known: { sources: readonly string[]; encoders: readonly string[]; models: readonly string[]; cron: (expr: string) => void }): string[] {
  const problems: string[] = [];
  if (!known.sources.includes(settings.source)) problems.push(`source: "${settings.source}" is not a configured source (configured: ${known.sources.join(', ') || 'none'})`);
  // One registered id, or several distinct ones joined by + (the plugin's createEncoder reads it the same way).
  let parts: string[] = [];
  try {
    parts = combinedParts(settings.encoder.id) ?? [settings.encoder.id];
  } catch (error) {
    problems.push(`encoder.id: ${(error as Error).message}`);
  }
  if (parts.some((id) => !known.encoders.includes(id))) problems.push(`encoder.id: "${settings.encoder.id}" is not a registered encoder or several distinct ones joined by + (registered: ${known.encoders.join(', ')})`);
  if (parts.filter((id) => MODEL_ENCODER_IDS.has(id)).length > 1) problems.push(`encoder.id: "${settings.encoder.id}" combines two encoders that would both read encoder.model`);
  if (parts.includes('tfjs-model') && !settings.encoder.model) problems.push('encoder.model: the tfjs-model encoder needs a model: the name of one in the server configuration\'s "models"');
  if (parts.includes('self-supervised') && !settings.encoder.model) problems.push('encoder.model: the self-supervised encoder needs its trained weights: a site encoder trained by the service (POST /api/projects/{id}/site-encoder) or a weights directory (scanselect train-encoder --out DIR) named in the server configuration\'s "models"');
  if (settings.encoder.model !== undefined && !known.models.includes(settings.encoder.model)) {
    problems.push(`encoder.model: "${settings.encoder.model}" is not a configured model (configured: ${known.models.join(', ') || 'none'}; the server configuration's "models" names them)`);
  }
  const { coldStart, perRound, total } = settings.budget;
  if (coldStart > total) problems.push(`budget: the cold start (${coldStart}) exceeds the total (${total})`);
  if (perRound > total) problems.push(`budget: a round (${perRound}) exceeds the total (${total})`);
  if (settings.filters.dateFrom && settings.filters.dateTo && settings.filters.dateFrom > settings.filters.dateTo) problems.push('filters: dateFrom is after dateTo');
  if (settings.schedule !== null) {
    try {
      known.cron(settings.schedule);
    } catch (error) {
      problems.push(`schedule: ${(error as Error).message}`);
    }
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: settings.timeZone });
  } catch {
    problems.push(`timeZone: "${settings.timeZone}" is not an IANA time zone`);
  }
  if (new Set(settings.classes).size !== settings.classes.length) problems.push('classes: names must be unique');
  if (settings.selection.unit === 'image' && settings.selection.sliceSpacingMm !== null) problems.push('selection.sliceSpacingMm: only for the slice and volume units');
  if (settings.classColors.length !== settings.classes.length) problems.push(`classColors: one colour per class (${settings.classes.length}), not ${settings.classColors.length}`);
  return problems;
}

/**
 * A stored project's settings with what later versions added filled in (projects stored before
 * class colours and status existed read as active, with the palette's colours; before selection
 * units, as the image unit without a cap).
 */
export function normaliseSettings(stored: ProjectSettings): ProjectSettings {
  const partial = stored as Omit<ProjectSettings, 'classColors' | 'status' | 'selection'> & { classColors?: string[]; status?: ProjectStatus; selection?: Partial<SelectionSettings> };
  return {
    ...partial, classColors: classColorsFor(partial.classes, partial.classColors), status: partial.status ?? 'active',
    selection: { unit: 'image', sliceSpacingMm: null, maxPerVolume: null, ...partial.selection },
  };
}
