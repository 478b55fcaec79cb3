/**
 * Why an instance failed, as a short reason that groups alike failures: what a sync records is
 * the decoder's whole message (`instance 1.2.3: Pixel Data has 1048 bytes, expected 2048 for 1
 * frame(s) of 32×32×1 at 16 bits: the file is truncated`), distinct for every instance. The sync
 * stores no error code, so the reason is read from the message: known kinds by their wording,
 * anything else as the text before its first colon or parenthesis with UIDs and numbers
 * replaced, so that the same failure of different instances gives one reason.
 */

/** Known failures, by the wording of the engine's DICOM reader (plugin/src/imaging/dicom*.ts). */
const KNOWN: ReadonlyArray<readonly [RegExp, string]> = [
  [/more than the limit/, 'too large'],
  [/transfer syntax .* is not supported|no decoder|no Transfer Syntax UID/, 'unsupported transfer syntax'],
  [/no Pixel Data|Float\/Double Float Pixel Data/, 'no pixel data (not an image)'],
  [/not a DICOM Part 10 file|could not be parsed as DICOM/, 'not readable as DICOM'],
  [/truncated|cannot be matched to .* frames/, 'truncated or corrupt pixel data'],
  [/decoding failed|codec produced/, 'compressed pixel data cannot be decoded'],
  [/photometric interpretation|samples per pixel|Bits Allocated/, 'unsupported pixel format'],
];

/** The reason of a failed instance's `error` (see the module comment). */
export function failureReason(error: string | null): string {
  const message = (error ?? '').trim();
  if (message === '') return 'unknown';
  // The reader names the instance first (`instance <uid>`, `instance <uid> frame 0`): not part of the reason.
  const text = message.replace(/^instance\s+[0-9.]+(\s+frame\s+\d+)?\s*:?\s*/, '');
  for (const [pattern, reason] of KNOWN) if (pattern.test(text)) return reason;
  return generic(text) || 'unknown';
}

/** The text before the first colon or parenthesis, UIDs and numbers replaced, at most 100 characters. */
function generic(text: string): string {
  const head = text.split(/[:(]/, 1)[0]!;
  return head.replace(/\b\d+(\.\d+){2,}\b/g, '<uid>').replace(/\d+/g, 'N').replace(/\s+/g, ' ').trim().slice(0, 100);
}
