/**
 * The DICOM transfer syntaxes the reader knows by name, and which decoder handles each.
 * Unknown or unsupported syntaxes are reported by UID *and* name so that a user can tell
 * which conversion (e.g. `dcmdjpeg`, `gdcmconv --raw`) would make the file readable.
 */

/** How the pixel data of a transfer syntax is decoded. */
export type PixelDecoderKind =
  | 'native'
  | 'rle'
  | 'jpeg-baseline'
  | 'jpeg-lossless'
  | 'jpeg-ls'
  | 'jpeg-2000'
  | 'unsupported';

/** One known transfer syntax. */
export interface TransferSyntaxInfo {
  uid: string;
  name: string;
  decoder: PixelDecoderKind;
  /** Byte order of native (uncompressed) pixel data. */
  bigEndian?: boolean;
}

const TABLE: readonly TransferSyntaxInfo[] = [
  { uid: '1.2.840.10008.1.2', name: 'Implicit VR Little Endian', decoder: 'native' },
  { uid: '1.2.840.10008.1.2.1', name: 'Explicit VR Little Endian', decoder: 'native' },
  { uid: '1.2.840.10008.1.2.1.99', name: 'Deflated Explicit VR Little Endian', decoder: 'native' },
  { uid: '1.2.840.10008.1.2.2', name: 'Explicit VR Big Endian (retired)', decoder: 'native', bigEndian: true },
  { uid: '1.2.840.10008.1.2.5', name: 'RLE Lossless', decoder: 'rle' },
  { uid: '1.2.840.10008.1.2.4.50', name: 'JPEG Baseline (Process 1)', decoder: 'jpeg-baseline' },
  { uid: '1.2.840.10008.1.2.4.51', name: 'JPEG Extended (Process 2 & 4)', decoder: 'unsupported' },
  { uid: '1.2.840.10008.1.2.4.57', name: 'JPEG Lossless, Non-Hierarchical (Process 14)', decoder: 'jpeg-lossless' },
  {
    uid: '1.2.840.10008.1.2.4.70',
    name: 'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])',
    decoder: 'jpeg-lossless',
  },
  { uid: '1.2.840.10008.1.2.4.80', name: 'JPEG-LS Lossless', decoder: 'jpeg-ls' },
  { uid: '1.2.840.10008.1.2.4.81', name: 'JPEG-LS Lossy (Near-Lossless)', decoder: 'jpeg-ls' },
  { uid: '1.2.840.10008.1.2.4.90', name: 'JPEG 2000 Image Compression (Lossless Only)', decoder: 'jpeg-2000' },
  { uid: '1.2.840.10008.1.2.4.91', name: 'JPEG 2000 Image Compression', decoder: 'jpeg-2000' },
  { uid: '1.2.840.10008.1.2.4.92', name: 'JPEG 2000 Part 2 Multi-component (Lossless Only)', decoder: 'unsupported' },
  { uid: '1.2.840.10008.1.2.4.93', name: 'JPEG 2000 Part 2 Multi-component', decoder: 'unsupported' },
  { uid: '1.2.840.10008.1.2.4.100', name: 'MPEG2 Main Profile / Main Level', decoder: 'unsupported' },
  { uid: '1.2.840.10008.1.2.4.102', name: 'MPEG-4 AVC/H.264 High Profile / Level 4.1', decoder: 'unsupported' },
  { uid: '1.2.840.10008.1.2.4.201', name: 'High-Throughput JPEG 2000 (Lossless Only)', decoder: 'unsupported' },
  { uid: '1.2.840.10008.1.2.4.203', name: 'High-Throughput JPEG 2000', decoder: 'unsupported' },
];

const BY_UID = new Map(TABLE.map((t) => [t.uid, t]));

/** All transfer syntaxes known by name (supported or not), in table order. */
export function listTransferSyntaxes(): readonly TransferSyntaxInfo[] {
  return TABLE;
}

/** Looks a transfer syntax up by UID; unknown UIDs get the name 'unknown transfer syntax'. */
export function transferSyntaxInfo(uid: string): TransferSyntaxInfo {
  return BY_UID.get(uid) ?? { uid, name: 'unknown transfer syntax', decoder: 'unsupported' };
}
