import type { Outbox, OutboxEntry } from './outbox';

/** Delivers one kind of outbox entry; throws to have it retried later. */
export type Deliver = (entry: OutboxEntry) => Promise<void>;

/**
 * Delivers due outbox entries, one at a time in order, every `intervalMs` and whenever woken.
 * A failed delivery is recorded with its error and retried with back-off; an entry of a kind
 * nobody delivers stays pending with that reason (visible in `GET /api/outbox`).
 */
export class OutboxWorker {
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<void> | null = null;

  constructor(
    private readonly outbox: Outbox,
    private readonly deliver: Readonly<Record<string, Deliver>>,
    private readonly intervalMs = 5000,
    private readonly log: (line: string) => void = () => {},
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
    void this.flush();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.busy;
  }

  /** Delivers what is due now; concurrent calls share one pass. Resolves when the pass ends. */
  flush(): Promise<void> {
    if (!this.busy) {
      this.busy = this.pass().finally(() => {
        this.busy = null;
      });
    }
    return this.busy;
  }

  private async pass(): Promise<void> {
    for (;;) {
      const due = await this.outbox.due();
      if (due.length === 0) return;
      let delivered = 0;
      for (const entry of due) {
        const deliver = this.deliver[entry.kind];
        try {
          if (!deliver) throw new Error(`no delivery for outbox entries of kind "${entry.kind}"`);
          await deliver(entry);
          await this.outbox.done(entry.id);
          delivered++;
        } catch (error) {
          const next = await this.outbox.retryLater(entry.id, (error as Error).message);
          this.log(`outbox ${entry.id} (${entry.kind} → ${entry.target}) attempt ${next.attempts} failed: ${(error as Error).message}; next at ${next.nextAttemptAt}`);
        }
      }
      if (delivered === 0) return;
    }
  }
}
