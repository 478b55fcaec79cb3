/** The few dcmjs calls the extension makes (dcmjs ships no typings). */
declare module 'dcmjs' {
  export interface DcmjsElement {
    vr: string;
    Value?: unknown[];
  }
  export interface DcmjsDicomDict {
    meta: Record<string, DcmjsElement>;
    dict: Record<string, DcmjsElement>;
    write(options?: Record<string, unknown>): ArrayBuffer;
  }
  export const data: {
    DicomMessage: { readFile(buffer: ArrayBuffer, options?: Record<string, unknown>): DcmjsDicomDict };
    DicomMetaDictionary: {
      naturalizeDataset(dict: Record<string, DcmjsElement>): Record<string, unknown>;
      denaturalizeDataset(dataset: Record<string, unknown>): Record<string, DcmjsElement>;
    };
    DicomDict: new (meta: Record<string, DcmjsElement>) => DcmjsDicomDict;
  };
  interface Logger { setLevel(level: string): void }
  export const log: Logger;
}
