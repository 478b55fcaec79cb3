/**
 * multipart/related bodies as DICOMweb uses them (WADO-RS responses, STOW-RS requests): parts
 * separated by `--boundary`, each with its own headers and a binary body.
 */

/** One part of a multipart body. */
export interface Part {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

/** The `boundary` parameter of a multipart Content-Type, or null. */
export function boundaryOf(contentType: string): string | null {
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2] ?? null) : null;
}

/** Splits a multipart body into its parts (headers lower-cased). Throws on a malformed body. */
export function parseMultipart(body: Uint8Array, boundary: string): Part[] {
  const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Part[] = [];
  let at = buffer.indexOf(delimiter);
  if (at < 0) throw new Error(`multipart body has no boundary "${boundary}"`);
  for (;;) {
    let start = at + delimiter.length;
    if (buffer[start] === 0x2d && buffer[start + 1] === 0x2d) return parts; // closing "--"
    if (buffer[start] === 0x0d && buffer[start + 1] === 0x0a) start += 2;
    const headerEnd = buffer.indexOf('\r\n\r\n', start);
    if (headerEnd < 0) throw new Error('multipart part without a header end');
    const next = buffer.indexOf(delimiter, headerEnd + 4);
    if (next < 0) throw new Error('multipart body is not closed');
    let end = next;
    if (buffer[end - 2] === 0x0d && buffer[end - 1] === 0x0a) end -= 2;
    const headers: Record<string, string> = {};
    for (const line of buffer.subarray(start, headerEnd).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    parts.push({ headers, body: new Uint8Array(buffer.subarray(headerEnd + 4, end)) });
    at = next;
  }
}

/** A multipart/related body of DICOM parts and its Content-Type. */
export function buildMultipart(parts: readonly Uint8Array[], type = 'application/dicom'): { body: Buffer; contentType: string } {
  // A boundary that occurs in no part.
  let boundary = 'scanselect-boundary';
  for (let i = 0; parts.some((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength).includes(`--${boundary}`)); i++) boundary = `scanselect-boundary-${i}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: ${type}\r\n\r\n`), Buffer.from(part.buffer, part.byteOffset, part.byteLength), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/related; type="${type}"; boundary=${boundary}` };
}
