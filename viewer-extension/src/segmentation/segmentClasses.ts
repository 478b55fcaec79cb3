/** One segment of the labelmap the radiologist paints: a project class. */
export interface SegmentSpec {
  /** Segment number = label value = class index + 1 (0 is background), as the server expects. */
  readonly segmentIndex: number;
  /** The class name, exactly as the project names it (the server matches SEG segments by label). */
  readonly label: string;
  readonly color: readonly [number, number, number, number];
}

/**
 * Distinct, colour-blind-aware colours (Okabe–Ito, then Tol's bright) for classes in label
 * order: the fallback for projects whose settings carry no colours (stored before `classColors`).
 */
const PALETTE: ReadonlyArray<readonly [number, number, number]> = [
  [230, 159, 0], [86, 180, 233], [0, 158, 115], [240, 228, 66], [0, 114, 178], [213, 94, 0], [204, 121, 167],
  [68, 119, 170], [102, 204, 238], [34, 136, 51], [204, 187, 68], [238, 102, 119], [170, 51, 119], [187, 187, 187],
];

/** `#rrggbb` → RGB, or null when it is not that form. */
function parseHex(hex: string): [number, number, number] | null {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex.trim());
  return m ? [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)] : null;
}

/**
 * The segments for a project's classes: one per class, numbered from 1 in class order, named
 * after the class; coloured by `colours[i]` (`#rrggbb`) where given, else by the palette.
 */
export function segmentsForClasses(classes: readonly string[], colours: readonly string[] = []): SegmentSpec[] {
  return classes.map((label, i) => {
    const rgb = (colours[i] !== undefined ? parseHex(colours[i]!) : null) ?? PALETTE[i % PALETTE.length]!;
    return { segmentIndex: i + 1, label, color: [rgb[0], rgb[1], rgb[2], 255] as const };
  });
}

/** `rgb(r, g, b)` of a segment, for swatches in the panel. */
export function cssColour(segment: SegmentSpec): string {
  return `rgb(${segment.color[0]}, ${segment.color[1]}, ${segment.color[2]})`;
}
