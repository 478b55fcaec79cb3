/**
 * Minimal typings for the parts of untyped packages that the imaging readers use. They describe
 * only what we call, so that the rest of the code stays free of `any`.
 */

declare module 'dcmjs' {
  /** One element of a dcmjs dataset dictionary (keyed by 8-hex-digit tag, e.g. '7FE00010'). */
  export interface DcmjsElement {
    vr: string;
    Value?: unknown[];
  }
  export interface DcmjsDicomDict {
    meta: Record<string, DcmjsElement>;
    dict: Record<string, DcmjsElement>;
    write(options?: Record<string, unknown>): ArrayBuffer;
  }
  interface DicomDictConstructor {
    new (meta: Record<string, DcmjsElement>): DcmjsDicomDict;
  }
  export interface DcmjsReadOptions {
    ignoreErrors?: boolean;
    untilTag?: string | null;
    includeUntilTagValue?: boolean;
    noCopy?: boolean;
    forceStoreRaw?: boolean;
  }
  export const data: {
    DicomMessage: { readFile(buffer: ArrayBuffer, options?: DcmjsReadOptions): DcmjsDicomDict };
    DicomMetaDictionary: {
      naturalizeDataset(dict: Record<string, DcmjsElement>): Record<string, unknown>;
      denaturalizeDataset(dataset: Record<string, unknown>): Record<string, DcmjsElement>;
    };
    DicomDict: DicomDictConstructor;
  };
  interface Logger { setLevel(level: string): void; getLevel(): number }
  export const log: Logger & { getLogger(name: string): Logger };
}

declare module 'jpeg-lossless-decoder-js' {
  export class Decoder {
    xDim: number;
    yDim: number;
    numComp: number;
    numBytes: number;
    decompress(buffer: ArrayBuffer, offset: number, length: number): ArrayBuffer;
  }
}

/*
 * The @cornerstonejs codecs are emscripten factories: calling one returns a promise of the
 * initialised wasm module, whose decoder classes copy the bitstream into wasm memory. The three
 * codec packages share one decoder shape (this file has no imports, so these are global).
 */
interface EmscriptenCodecFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}
interface EmscriptenCodecDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): EmscriptenCodecFrameInfo;
  delete(): void;
}
interface EmscriptenCodecFactoryOptions {
  wasmBinary?: Uint8Array;
  /** emscripten stdout/stderr hooks (openjpeg prints progress at INFO level). */
  print?: (text: string) => void;
  printErr?: (text: string) => void;
}
declare module '@cornerstonejs/codec-charls/decodewasmjs' {
  type Decoder = EmscriptenCodecDecoder;
  type FactoryOptions = EmscriptenCodecFactoryOptions;
  interface JpegLsDecoder extends Decoder {
    /** 0 = planar (none), 1 = line interleaved, 2 = sample interleaved. */
    getInterleaveMode(): number;
  }
  const factory: (options?: FactoryOptions) => Promise<{ JpegLSDecoder: new () => JpegLsDecoder }>;
  export = factory;
}

declare module '@cornerstonejs/codec-openjpeg/decodewasmjs' {
  type Decoder = EmscriptenCodecDecoder;
  type FactoryOptions = EmscriptenCodecFactoryOptions;
  const factory: (options?: FactoryOptions) => Promise<{ J2KDecoder: new () => Decoder }>;
  export = factory;
}

declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs' {
  type Decoder = EmscriptenCodecDecoder;
  type FactoryOptions = EmscriptenCodecFactoryOptions;
  const factory: (options?: FactoryOptions) => Promise<{ JPEGDecoder: new () => Decoder }>;
  export = factory;
}
