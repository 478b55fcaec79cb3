import type { Encoder, EncoderOptions } from '@scanselect/plugin';
import type { SqlClient } from '../db/sqlClient';
import type { ImageSource, SkippedInstance, SourceFilters, SourceInstance } from '../pacs/source';
import { processInWorkers, processOnThisThread, type InstanceProcessor, type SyncThreads } from './instanceProcessor';
import { assembleVolumes } from './assembleVolumes';
import { InstanceRows } from './instanceRows';
import { embedPrepared } from './prepareInstance';
import { sharedSyncWorkerPool } from './syncWorkerPool';
import type { InstanceResult } from './syncWorkerProtocol';

/** Options of {@link syncProject}. */
export interface SyncOptions {
  /** The service's database (SQLite or PostgreSQL). */
  readonly sql: SqlClient;
  readonly projectId: number;
  readonly source: ImageSource;
  readonly filters: SourceFilters;
  readonly encoder: Encoder;
  /** Encoder id stored with each embedding. */
  readonly encoderId: string;
  /**
   * What `encoder` was created with (the registry's factory options), so that worker threads can
   * build the same encoder (default `{ inputSize }`: enough for the encoders that take no options).
   */
  readonly encoderOptions?: EncoderOptions;
  /** Side of the square the image is resized to before embedding. */
  readonly inputSize: number;
  /**
   * Worker threads that decode and embed (default `os.availableParallelism()`; the pool of that
   * size is shared by the syncs of this process). 0: everything on this thread.
   */
  readonly workers?: number;
  /** Stops between instances (what is stored stays stored). */
  readonly signal?: AbortSignal;
  readonly onSkip?: (skipped: SkippedInstance) => void;
  /** Instances retrieved ahead of those being decoded and embedded (default 4). */
  readonly prefetch?: number;
  /** Called after every listed instance with the counts so far (for progress). */
  readonly onInstance?: (counts: SyncCounts) => void;
}

/** How many instances a sync saw and did. */
export interface SyncCounts {
  /** Instances the source listed that pass the filters. */
  readonly listed: number;
  /** Of those, not seen by an earlier sync. */
  readonly fresh: number;
  readonly embedded: number;
  /** Fresh instances that could not be decoded (recorded with the reason). */
  readonly failed: number;
  /** Files or rows the source itself left out (not DICOM, duplicates …). */
  readonly skipped: number;
}

/**
 * Milliseconds per stage, each summed over instances — stages run at the same time (retrievals
 * overlap each other and the decoding; workers decode side by side), so they add up to more than
 * the sync took. `list`, `wait` and `store` are the main thread's own: waiting for the source's
 * listing, waiting for the oldest instance in flight to be retrieved and processed, and SQLite.
 */
export interface SyncStageTimes {
  list: number;
  retrieve: number;
  wait: number;
  decode: number;
  resize: number;
  embed: number;
  thumbnail: number;
  store: number;
}

/** What one sync did. */
export interface SyncReport extends SyncCounts {
  readonly aborted: boolean;
  /**
   * The series with new slices, assembled again (assembleVolumes.ts): how many form one volume,
   * and the reasons of those that do not (at most 20).
   */
  readonly volumes: { readonly assembled: number; readonly refused: number; readonly reasons: readonly string[] };
  /** Where the instances were decoded and embedded. */
  readonly threads: SyncThreads;
  readonly stageMs: SyncStageTimes;
}

/**
 * Incremental sync of one project: list the source with the project's filters, and for every
 * instance not yet in `instances` retrieve → decode → grey → resize → embed → store, with where
 * the source found it (`location`, kept current for instances already stored). Retrievals start
 * as instances are listed (at most `prefetch` + workers in flight), decoding and embedding run in
 * worker threads (instanceProcessor.ts), and this thread stores the results one by one in the
 * order listed while the listing goes on. Each instance is committed on its own, so a sync
 * stopped at any point (crash, abort, PACS outage) keeps what it stored and the next sync neither
 * repeats nor duplicates it. A PACS error aborts the sync (thrown); a bad instance is recorded as
 * failed and the sync goes on.
 */
export async function syncProject(options: SyncOptions): Promise<SyncReport> {
  // Ended with the sync, however it ends: instances still queued for a worker are dropped.
  const ended = new AbortController();
  const pool = options.workers === 0 ? null : sharedSyncWorkerPool(options.workers);
  const processor = pool === null
    ? processOnThisThread(options.inputSize)
    : processInWorkers(pool, { id: options.encoderId, options: options.encoderOptions ?? { inputSize: options.inputSize } }, options.encoder, options.inputSize, ended.signal);
  try {
    return await new SyncRun(options, processor, (options.prefetch ?? 4) + (pool?.size ?? 0)).run();
  } finally {
    ended.abort();
  }
}

/** An instance retrieved and being processed, not stored yet. */
interface InFlight {
  readonly instance: SourceInstance;
  readonly result: Tracked<InstanceResult>;
}

/** One sync: its counts, stage times and instances in flight. */
class SyncRun {
  private readonly rows: InstanceRows;
  private listed = 0;
  private fresh = 0;
  private embedded = 0;
  private failed = 0;
  private skipped = 0;
  /** Series of the instances this sync stored: their volumes are assembled again at the end. */
  private readonly touchedSeries = new Set<string>();
  private readonly stageMs: SyncStageTimes = { list: 0, retrieve: 0, wait: 0, decode: 0, resize: 0, embed: 0, thumbnail: 0, store: 0 };
  /** Oldest first: stored in the order listed. */
  private readonly window: InFlight[] = [];

  constructor(private readonly options: SyncOptions, private readonly processor: InstanceProcessor, private readonly inFlight: number) {
    this.rows = new InstanceRows(options.sql, options.projectId);
  }

  async run(): Promise<SyncReport> {
    const listing = this.options.source.list(this.options.filters, (s) => this.skip(s))[Symbol.asyncIterator]();
    // The next listed instance is asked for while the window has room, so that the listing (a
    // PACS query per study) goes on while finished instances are stored, not between them.
    let nextListed: Tracked<IteratorResult<SourceInstance>> | null = null;
    let listedAll = false;
    try {
      for (;;) {
        if (nextListed === null && !listedAll && this.window.length < this.inFlight) nextListed = track(listing.next());
        const head = this.window[0];
        if (nextListed === null || head?.result.settled) {
          if (head === undefined) return await this.report(false); // everything listed is stored
          if (this.options.signal?.aborted) return await this.report(true);
          await this.storeNext();
          continue;
        }
        // Whichever comes first: the next listed instance, or the oldest one in flight being done.
        const start = performance.now();
        await Promise.race(head ? [nextListed.promise, head.result.promise] : [nextListed.promise]).catch(() => undefined);
        this.stageMs[nextListed.settled ? 'list' : 'wait'] += performance.now() - start;
        if (!nextListed.settled) continue;
        const next = await nextListed.promise; // a listing error is thrown here
        nextListed = null;
        if (next.done) listedAll = true;
        else if (!(await this.admit(next.value))) return await this.report(true);
      }
    } finally {
      if (!listedAll) {
        // As leaving a for-await loop does: the source closes what it opened (after a query in flight).
        const closing = listing.return?.();
        if (nextListed?.settled === false) void closing?.catch(() => undefined);
        else await closing;
      }
    }
  }

  /** Takes a listed instance: a stored one's location is kept current, a new one is retrieved. False: the sync is stopped. */
  private async admit(instance: SourceInstance): Promise<boolean> {
    this.listed++;
    this.options.onInstance?.(this.counts());
    const location = await this.rows.location(instance.sopUid);
    if (location !== undefined) {
      // Files move, and databases from before locations were kept have none: keep it current.
      if ((instance.location ?? null) !== location) await this.rows.relocate(instance.sopUid, instance.location ?? null);
      return true;
    }
    if (this.window.some((w) => w.instance.sopUid === instance.sopUid)) return true;
    if (this.options.signal?.aborted) return false;
    this.fresh++;
    const retrieved = this.timed('retrieve', () => this.options.source.retrieve(instance));
    this.window.push({ instance, result: track(retrieved.then((bytes) => this.processor.process(bytes, instance.sopUid))) });
    return true;
  }

  /** Stores the oldest instance in flight, once done; embeds it here first when no worker did. */
  private async storeNext(): Promise<void> {
    const { instance, result: inFlight } = this.window.shift()!;
    let result = await this.timed('wait', () => inFlight.promise);
    if ('kind' in result && result.kind === 'prepared') result = await embedPrepared(result, this.options.encoder); // one at a time, in order
    if ('times' in result) for (const stage of ['decode', 'resize', 'embed', 'thumbnail'] as const) this.stageMs[stage] += result.times[stage];
    const start = performance.now();
    await this.rows.add(instance, result, this.options.encoderId);
    this.stageMs.store += performance.now() - start;
    if ('error' in result) this.failed++;
    else {
      this.embedded++;
      this.touchedSeries.add(instance.seriesUid);
    }
  }

  private skip(skipped: SkippedInstance): void {
    this.skipped++;
    this.options.onSkip?.(skipped);
  }

  private counts(): SyncCounts {
    return { listed: this.listed, fresh: this.fresh, embedded: this.embedded, failed: this.failed, skipped: this.skipped };
  }

  private async report(aborted: boolean): Promise<SyncReport> {
    // What is stored is assembled even after a stop (a series cut short reads as a gap until the next sync completes it).
    const outcomes = await assembleVolumes(this.options.sql, this.options.projectId, this.touchedSeries);
    const refused = outcomes.filter((o) => o.status === 'refused');
    const volumes = { assembled: outcomes.length - refused.length, refused: refused.length, reasons: refused.slice(0, 20).map((o) => o.reason!) };
    // What was retrieved but not stored when a stop comes is left for the next sync.
    return { ...this.counts(), fresh: this.fresh - this.window.length, aborted, volumes, threads: await this.processor.threads(), stageMs: this.stageMs };
  }

  private async timed<T>(stage: keyof SyncStageTimes, work: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.stageMs[stage] += performance.now() - start;
    }
  }
}

/** A promise and whether it has settled; a rejection is left to whoever awaits `promise`. */
interface Tracked<T> {
  readonly promise: Promise<T>;
  settled: boolean;
}

function track<T>(promise: Promise<T>): Tracked<T> {
  const tracked: Tracked<T> = { promise, settled: false };
  promise.then(() => (tracked.settled = true), () => (tracked.settled = true)); // also: never an unhandled rejection
  return tracked;
}
