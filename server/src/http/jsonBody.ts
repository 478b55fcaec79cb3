import express, { type RequestHandler } from 'express';

/** How deeply a JSON request body may nest arrays and objects (the API's own bodies need 4). */
export const MAX_JSON_DEPTH = 32;
/** Largest JSON request body. */
export const MAX_JSON_BYTES = 1024 * 1024;

/** Thrown for a body nested deeper than {@link MAX_JSON_DEPTH}; the error handler answers 400 `too-deep`. */
export class JsonTooDeepError extends Error {
  readonly type = 'entity.too.deep';
}

/**
 * The nesting depth of JSON text, found by one pass over the bytes (brackets inside strings do
 * not count) that stops as soon as `limit` is passed — before `JSON.parse` and the schema
 * validation, whose recursion a body of 200,000 `[` would overflow.
 */
export function exceedsDepth(bytes: Uint8Array, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/** `express.json` with the size bound and the depth check before parsing. */
export function jsonBody(): RequestHandler {
  return express.json({
    limit: MAX_JSON_BYTES,
    verify: (_req, _res, buffer) => {
      if (exceedsDepth(buffer, MAX_JSON_DEPTH)) throw new JsonTooDeepError(`the JSON body nests deeper than ${MAX_JSON_DEPTH} levels`);
    },
  });
}
