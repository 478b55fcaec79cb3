import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DatabaseChoice } from '../db/openSqlClient';
import { exceedsDepth, MAX_JSON_DEPTH } from '../http/jsonBody';
import { validator } from '../http/validate';
import { MODEL_NAME_PATTERN, PROJECT_SETTINGS_SCHEMA, type ProjectSettings } from '../projects/projectConfig';

/** A local folder of DICOM files (searched recursively). */
export interface FolderSourceConfig {
  readonly kind: 'folder';
  readonly path: string;
}

/** A PACS reached over DICOMweb. */
export interface DicomWebSourceConfig {
  readonly kind: 'dicomweb';
  /** Base URL of its DICOMweb service, e.g. http://pacs:8042/dicom-web. */
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Headers whose values are read from environment variables (header → variable name), e.g.
   * `{ "Authorization": "PACS_AUTHORIZATION" }`: credentials from a Kubernetes Secret or an env
   * file, never written in the configuration. A variable that is not set stops the start.
   */
  readonly headersFromEnv?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  readonly concurrency?: number;
  /** Store each round's worklist as a Key Object Selection document (STOW-RS). Default true. */
  readonly publishKeyObjects: boolean;
  /** Store accepted masks as DICOM SEG (STOW-RS). Default true. */
  readonly publishSegmentations: boolean;
  /** Orthanc's REST root (e.g. http://pacs:8042): per-study worklist metadata is set there too. */
  readonly orthancUrl?: string;
  /** Orthanc user-metadata name (declared in Orthanc's `UserMetadata`). Default `ScanSelect`. */
  readonly orthancMetadataName: string;
}

export type SourceConfig = FolderSourceConfig | DicomWebSourceConfig;

/** OpenID Connect: accept the identity provider's JWTs as bearer tokens too. */
export interface OidcConfig {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUrl: string;
  readonly roleClaim?: string;
  readonly roleMap?: Readonly<Record<string, 'admin' | 'annotator' | 'service'>>;
  /** Leeway for `exp` and `nbf` in seconds [60]. */
  readonly clockToleranceSeconds?: number;
  /** How long a fetched key set is used, in seconds [600]. */
  readonly jwksCacheSeconds?: number;
  /** How long a key-set request may take before tokens are answered 503, in seconds [5]. */
  readonly jwksTimeoutSeconds?: number;
  /** Sign-in in the viewer through the identity provider (OHIF's OIDC code flow with PKCE); without it the viewer asks for an API token. */
  readonly viewer?: OidcViewerConfig;
}

/** The viewer as a public OIDC client of the identity provider (authorization code + PKCE, no secret). */
export interface OidcViewerConfig {
  /** The identity provider's URL (its `/.well-known/openid-configuration` is read). Default: the `issuer`. */
  readonly authority?: string;
  /** The viewer's client id at the identity provider. */
  readonly clientId: string;
  /** Scopes asked for; must contain `openid`. Default `openid profile`. */
  readonly scope: string;
}

/** The server's configuration file (`scanselect serve --config FILE`). */
export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  /** Database, masks, models, outbox and cache; relative paths are relative to the config file. */
  readonly dataDir: string;
  readonly sources: Readonly<Record<string, SourceConfig>>;
  /** Projects created at start when no project of that name exists. */
  readonly projects: ReadonlyArray<ProjectSettings & { readonly name: string }>;
  readonly oidc?: OidcConfig;
  /** Bound of the model-input cache. */
  readonly cacheMaxMb: number;
  /** Largest accepted mask upload. */
  readonly uploadLimitMb: number;
  /** tfjs backend: auto, wasm, cpu, tensorflow. */
  readonly backend: string;
  /**
   * The URL browsers reach the server at (e.g. `https://scanselect.hospital.org`, behind the
   * reverse proxy): absolute URLs the server hands out are built from it. Without it they are
   * server-relative paths; never built from a request's Host or X-Forwarded-* headers.
   */
  readonly publicUrl?: string;
  /**
   * The encoder models projects may use, by name (`encoder.model` names one): a directory or
   * `model.json` path (relative to the config file) or an http(s) URL. An API call can name only
   * these, so it cannot make the server read an arbitrary file or fetch an arbitrary URL.
   */
  readonly models: Readonly<Record<string, string>>;
  /**
   * PostgreSQL for a cluster (`url`, else the `DATABASE_URL` environment variable, which keeps the
   * password out of the file); without either, SQLite in the data directory.
   */
  readonly database?: DatabaseChoice;
  /** How jobs are retried and taken up on PostgreSQL (the job engine); SQLite ignores it. */
  readonly jobs: JobEngineConfig;
}

/** The job engine's settings (PostgreSQL mode). */
export interface JobEngineConfig {
  /** Further attempts after a job fails for a reason other than its input, or its worker dies. */
  readonly retryLimit: number;
  /** First wait before a retry; doubled at each (with jitter). */
  readonly retryDelaySeconds: number;
  /**
   * Longest run of a job of each kind: a job running longer is taken to have lost its worker and
   * is taken up by another. Must exceed the slowest legitimate run (a round's training).
   */
  readonly timeoutSeconds: { readonly sync: number; readonly round: number };
  /** How often the engine looks for such jobs. */
  readonly maintenanceIntervalSeconds: number;
  /** How often an idle worker looks for a job. */
  readonly pollSeconds: number;
}

const SOURCE_SCHEMA = {
  type: 'object',
  discriminator: { propertyName: 'kind' },
  oneOf: [
    { type: 'object', additionalProperties: false, required: ['kind', 'path'], properties: { kind: { const: 'folder' }, path: { type: 'string', minLength: 1 } } },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'url'],
      properties: {
        kind: { const: 'dicomweb' },
        url: { type: 'string', pattern: '^https?://' },
        headers: { type: 'object', additionalProperties: { type: 'string' } },
        headersFromEnv: { type: 'object', additionalProperties: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } },
        timeoutMs: { type: 'integer', minimum: 100 },
        concurrency: { type: 'integer', minimum: 1, maximum: 64 },
        publishKeyObjects: { type: 'boolean', default: true },
        publishSegmentations: { type: 'boolean', default: true },
        orthancUrl: { type: 'string', pattern: '^https?://' },
        orthancMetadataName: { type: 'string', default: 'ScanSelect', pattern: '^[A-Za-z0-9]+$' },
      },
    },
  ],
} as const;

/** JSON Schema of the configuration file. */
export const SERVER_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['sources'],
  properties: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'integer', minimum: 0, maximum: 65535, default: 8080 },
    dataDir: { type: 'string', default: 'scanselect-data' },
    sources: { type: 'object', minProperties: 1, additionalProperties: SOURCE_SCHEMA },
    projects: { type: 'array', default: [], items: { ...PROJECT_SETTINGS_SCHEMA, required: ['name', ...PROJECT_SETTINGS_SCHEMA.required], properties: { name: { type: 'string', minLength: 1, maxLength: 100 }, ...PROJECT_SETTINGS_SCHEMA.properties } } },
    oidc: {
      type: 'object',
      additionalProperties: false,
      required: ['issuer', 'audience', 'jwksUrl'],
      properties: {
        issuer: { type: 'string' },
        audience: { type: 'string' },
        jwksUrl: { type: 'string', pattern: '^https?://' },
        roleClaim: { type: 'string' },
        roleMap: { type: 'object', additionalProperties: { enum: ['admin', 'annotator', 'service'] } },
        clockToleranceSeconds: { type: 'number', minimum: 0, maximum: 600 },
        jwksCacheSeconds: { type: 'number', minimum: 0, maximum: 86400 },
        jwksTimeoutSeconds: { type: 'number', exclusiveMinimum: 0, maximum: 120 },
        viewer: {
          type: 'object',
          additionalProperties: false,
          required: ['clientId'],
          properties: {
            authority: { type: 'string', pattern: '^https?://' },
            clientId: { type: 'string', minLength: 1 },
            scope: { type: 'string', pattern: '(^| )openid( |$)', default: 'openid profile' },
          },
        },
      },
    },
    cacheMaxMb: { type: 'number', minimum: 0, default: 512 },
    uploadLimitMb: { type: 'number', minimum: 1, maximum: 2048, default: 50 },
    backend: { type: 'string', enum: ['auto', 'wasm', 'cpu', 'tensorflow'], default: 'auto' },
    publicUrl: { type: 'string', pattern: '^https?://[^/?#@\\s]+(/[^?#\\s]*)?$', maxLength: 2000 },
    models: { type: 'object', default: {}, propertyNames: { pattern: MODEL_NAME_PATTERN }, additionalProperties: { type: 'string', minLength: 1 } },
    database: {
      type: 'object',
      additionalProperties: false,
      properties: {
        url: { type: 'string', pattern: '^postgres(ql)?://', maxLength: 2000 },
        poolSize: { type: 'integer', minimum: 1, maximum: 100 },
      },
    },
    jobs: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        retryLimit: { type: 'integer', minimum: 0, maximum: 100, default: 2 },
        retryDelaySeconds: { type: 'integer', minimum: 1, maximum: 86400, default: 30 },
        timeoutSeconds: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            sync: { type: 'integer', minimum: 10, maximum: 86400, default: 7200 },
            round: { type: 'integer', minimum: 10, maximum: 86400, default: 14400 },
          },
        },
        maintenanceIntervalSeconds: { type: 'integer', minimum: 1, maximum: 3600, default: 60 },
        pollSeconds: { type: 'number', minimum: 0.5, maximum: 60, default: 2 },
      },
    },
  },
} as const;

const validateConfig = validator<ServerConfig>(SERVER_CONFIG_SCHEMA);

/**
 * Validates a configuration object (defaults filled in) and resolves relative paths against
 * `baseDir`. Throws a message naming every problem.
 */
export function parseServerConfig(value: unknown, baseDir: string): ServerConfig {
  const config = validateConfig(value, 'config');
  const resolve = (p: string): string => path.resolve(baseDir, p);
  const sources = Object.fromEntries(Object.entries(config.sources).map(([name, s]) => [name, s.kind === 'folder' ? { ...s, path: resolve(s.path) } : s]));
  const models = Object.fromEntries(Object.entries(config.models).map(([name, m]) => [name, /^https?:\/\//i.test(m) ? m : resolve(m)]));
  const publicUrl = config.publicUrl?.replace(/\/+$/, '');
  return { ...config, dataDir: resolve(config.dataDir), sources, models, ...(publicUrl !== undefined && { publicUrl }) };
}

/** A configuration file that cannot be read or is not valid (the CLI exits 2). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads and validates a JSON configuration file; throws {@link ConfigError}. */
export function loadServerConfig(file: string): ServerConfig {
  let json: unknown;
  try {
    const bytes = readFileSync(file);
    if (exceedsDepth(bytes, MAX_JSON_DEPTH)) throw new Error(`it nests deeper than ${MAX_JSON_DEPTH} levels`);
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new ConfigError(`cannot read the configuration ${file}: ${(error as Error).message}`);
  }
  try {
    const config = parseServerConfig(json, path.dirname(path.resolve(file)));
    for (const source of Object.values(config.sources)) if (source.kind === 'dicomweb') sourceHeaders(source);
    return config;
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

/** The headers of a DICOMweb source: its `headers`, and those of `headersFromEnv` read from the environment now. */
export function sourceHeaders(source: DicomWebSourceConfig, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const headers: Record<string, string> = { ...source.headers };
  for (const [header, variable] of Object.entries(source.headersFromEnv ?? {})) {
    const value = env[variable];
    if (value === undefined || value === '') throw new Error(`the environment variable ${variable} (header ${header} of the source at ${source.url}) is not set`);
    headers[header] = value;
  }
  return headers;
}
