/**
 * Replaces DICOM UIDs by `<uid>`: runs of three or more dot-separated numbers at least 16
 * characters long (IP addresses and version numbers are shorter).
 */
export function redactUids(line: string): string {
  return line.replace(/\b\d+(?:\.\d+){2,}\b/g, (m) => (m.length >= 16 ? '<uid>' : m));
}
