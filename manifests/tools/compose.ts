/**
 * The Compose file as Docker Compose reads it, for the tests (no Docker engine here): parsed with
 * YAML merge keys (`<<: *scanselect`), validated against the Compose Specification's JSON schema,
 * and `${VAR}` interpolation resolved from an env file the way Compose does it.
 *
 * The schema is the compose-spec `compose.schema.json` that the maintained linter dclint ships
 * (dclint 3.1.0, `schemas/compose.schema.json`), not a copy of ours: upgrading dclint upgrades it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';

/** Parses a Compose file with merge keys applied. */
export function readCompose(file: string): Record<string, unknown> {
  return parse(readFileSync(file, 'utf8'), { merge: true }) as Record<string, unknown>;
}

/** The compose-spec JSON schema shipped in dclint, and dclint's version. */
export function composeSpecSchema(): { schema: Record<string, unknown>; source: string } {
  const packageJson = require.resolve('dclint/package.json');
  const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
  const schema = JSON.parse(readFileSync(path.join(path.dirname(packageJson), 'schemas', 'compose.schema.json'), 'utf8')) as Record<string, unknown>;
  return { schema, source: `dclint ${version} schemas/compose.schema.json` };
}

/** Problems of a parsed Compose file against the Compose Specification schema (empty when valid). */
export function composeSchemaProblems(compose: unknown): string[] {
  // strict: false — the schema uses annotation keywords (`deprecated`) of later drafts, as dclint
  // compiles it. Its `$schema` (draft-07, spelt with https) is dropped: draft-07 is Ajv's default.
  const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
  const schema = { ...composeSpecSchema().schema };
  delete schema.$schema;
  const validate = ajv.compile(schema);
  if (validate(compose)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`);
}

/** Reads an env file (`KEY=value` lines, `#` comments) as Compose's `--env-file` does for the simple cases used here. */
export function readEnvFile(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) env[match[1]!] = match[2]!.trim();
  }
  return env;
}

/**
 * Compose's interpolation: `$$` is a literal `$`; `${VAR}`, `$VAR`; `${VAR:-default}` and
 * `${VAR-default}`; `${VAR:?message}` and `${VAR?message}` fail (with the message) when unset
 * (`:` also when empty). Returns the value, or throws naming the variable.
 */
export function interpolate(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, name: string | undefined, colon: string | undefined, operator: string | undefined, argument: string | undefined, bare: string | undefined) => {
      if (whole === '$$') return '$';
      const variable = (name ?? bare)!;
      const value = env[variable];
      const missing = value === undefined || (colon === ':' && value === '');
      if (operator === '-') return missing ? argument! : value!;
      if (operator === '?' && missing) throw new Error(`${variable}: ${argument || 'required'}`);
      return value ?? '';
    });
}

/** Every variable a Compose file interpolates (`${VAR…}` and `$VAR`). */
export function interpolatedVariables(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.replace(/\$\$/g, '').matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)|\$([A-Za-z_][A-Za-z0-9_]*)/g)) names.add((m[1] ?? m[2])!);
  return [...names].sort();
}

/** Applies `interpolate` to every string of a parsed Compose file. */
export function interpolateAll<T>(value: T, env: Readonly<Record<string, string>>): T {
  if (typeof value === 'string') return interpolate(value, env) as T;
  if (Array.isArray(value)) return value.map((v) => interpolateAll(v, env)) as T;
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateAll(v, env)])) as T;
  return value;
}
