/**
 * A ZIP archive written entry by entry to a {@link ByteSink} as it is made (fflate's streaming
 * `Zip`), waiting for the sink whenever it asks to (backpressure), so that an export's memory is
 * one entry's, not the archive's. Entries are deflated (`ZipDeflate`) or stored as they are
 * (`ZipPassThrough`: PNG and gzip data are compressed already).
 *
 * fflate writes no ZIP64 records: an archive holds at most 65,535 entries and 4 GiB − 1 bytes.
 * {@link ZipStream} refuses to go beyond either ({@link ZipLimitError}) rather than write an
 * archive whose offsets wrap around.
 */
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';

/** Where the archive goes. */
export interface ByteSink {
  /** Takes a chunk; resolves when the sink can take more. Rejects (or the signal aborts) once the reader has gone. */
  write(chunk: Uint8Array): Promise<void>;
  /** Aborted when the reader has gone (an HTTP client that disconnected): the writer stops. */
  readonly signal: AbortSignal;
}

/** A ZIP download ready to be written: its file name, and the writer (call it once: it also releases what the download holds). */
export interface Download {
  readonly fileName: string;
  write(sink: ByteSink): Promise<void>;
}

/** The most entries and bytes a ZIP without ZIP64 records can hold. */
export const ZIP32_MAX_ENTRIES = 0xffff;
export const ZIP32_MAX_BYTES = 0xffffffff;

/** The archive would need ZIP64 (more than {@link ZIP32_MAX_ENTRIES} entries or {@link ZIP32_MAX_BYTES} bytes). */
export class ZipLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipLimitError';
  }
}

/** The reader went away before the archive was complete. */
export class SinkClosedError extends Error {
  constructor() {
    super('the reader went away before the archive was complete');
    this.name = 'SinkClosedError';
  }
}

/** See the module comment. */
export class ZipStream {
  private readonly zip: Zip;
  private pending: Uint8Array[] = [];
  private failure: Error | null = null;
  private bytes = 0;
  private entries = 0;

  constructor(private readonly sink: ByteSink) {
    this.zip = new Zip((error, chunk) => {
      if (error) this.failure ??= error;
      else this.pending.push(chunk);
    });
  }

  /** Adds one entry, whole (deflated when `compress`), and waits until the sink has taken it. */
  async add(name: string, data: Uint8Array, compress: boolean): Promise<void> {
    if (++this.entries > ZIP32_MAX_ENTRIES) throw new ZipLimitError(`a ZIP archive holds at most ${ZIP32_MAX_ENTRIES} entries`);
    this.checkOpen();
    const entry = compress ? new ZipDeflate(name, { level: 6 }) : new ZipPassThrough(name);
    this.zip.add(entry);
    entry.push(data, true); // fflate's ZipDeflate and ZipPassThrough work synchronously: the chunks are pending now
    await this.flush();
  }

  /** Writes the central directory. */
  async end(): Promise<void> {
    this.checkOpen();
    this.zip.end();
    await this.flush();
  }

  private checkOpen(): void {
    if (this.sink.signal.aborted) throw new SinkClosedError();
  }

  private async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    while (this.pending.length > 0) {
      const chunk = this.pending.shift()!;
      this.bytes += chunk.length;
      if (this.bytes > ZIP32_MAX_BYTES) throw new ZipLimitError(`a ZIP archive without ZIP64 holds at most ${ZIP32_MAX_BYTES} bytes`);
      this.checkOpen();
      await this.sink.write(chunk);
    }
  }
}
