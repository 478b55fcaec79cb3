import { createHash } from 'node:crypto';

/**
 * The suffix kustomize appends to a generated ConfigMap's name (`scanselect-config-<hash>`), so that
 * a changed configuration gives a new name and rolls the pods that mount it. Same algorithm as
 * kustomize's `api/hasher/hasher.go`: the SHA-256 of the Go JSON encoding of `{data, kind, name}`
 * (keys sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped as Go's encoder does), its first ten hex
 * digits with 0, 1, 3, a and e replaced so that no word can form.
 *
 * `name` is always empty: kustomize looks the name up as the single field "metadata/name", which
 * never exists. Checked against `kubectl kustomize` (kustomize v5.5.0) in test/manifestsKustomize.test.ts.
 */
export function configMapHash(configMap: { readonly data?: Readonly<Record<string, string>>; readonly binaryData?: Readonly<Record<string, string>> }): string {
  const encoded: Record<string, unknown> = {};
  if (configMap.binaryData !== undefined) encoded.binaryData = sortKeys(configMap.binaryData);
  encoded.data = configMap.data === undefined ? '' : sortKeys(configMap.data);
  encoded.kind = 'ConfigMap';
  encoded.name = '';
  const hex = createHash('sha256').update(goJson(encoded)).digest('hex');
  return [...hex.slice(0, 10)].map((c) => SAFE_DIGITS[c] ?? c).join('');
}

const SAFE_DIGITS: Readonly<Record<string, string>> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };

function sortKeys(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.keys(record).sort().map((k) => [k, record[k]!]));
}

/** JSON as Go's `json.Marshal` writes it for strings and maps (its HTML-safe escaping). */
function goJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
