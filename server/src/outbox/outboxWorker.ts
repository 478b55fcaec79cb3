import type { Outbox, OutboxEntry } from './outbox';

/** Delivers one kind of outbox entry; throws to have it retried later. */
export type Deliver = (entry: OutboxEntry) => Promise<void>;

/**
 * A pass starts no delivery after this long; the rest waits for the next pass (seconds later).
 * Bounded passes let the job engine expire a pass whose worker died soon (OUTBOX_PASS_EXPIRY_SECONDS
 * in jobs/engine/jobEngine.ts): until then no other worker may start one.
 */
export const OUTBOX_PASS_BUDGET_MS = 60_000;

/**
 * Delivers due outbox entries, one at a time in order, every `intervalMs` and whenever woken.
 * A failed delivery is recorded with its error and retried with back-off; an entry of a kind
 * nobody delivers stays pending with that reason (visible in `GET /api/outbox`).
 *
 * Once started it is also woken by {@link Outbox.wake} (an admin's retry in this process). On
 * PostgreSQL it is not started: the job engine runs its passes, one at a time in the cluster
 * (EnginePeriodicWork), and a retried entry waits for the next of those (every few seconds). A
 * pass starts no delivery after `passBudgetMs`.
 */
export class OutboxWorker {
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<void> | null = null;
  /** Woken during a pass, which may have read the due entries before the wake: pass again. */
  private again = false;
  private stopWaking: (() => void) | null = null;

  constructor(
    private readonly outbox: Outbox,
    private readonly deliver: Readonly<Record<string, Deliver>>,
    private readonly intervalMs = 5000,
    private readonly log: (line: string) => void = () => {},
    private readonly passBudgetMs = OUTBOX_PASS_BUDGET_MS,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
    this.stopWaking = this.outbox.onWake(() => this.wake());
    void this.flush();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.stopWaking?.();
    this.stopWaking = null;
    this.again = false;
    await this.busy;
  }

  /** Delivers what is due now; concurrent calls share one pass. Resolves when the pass ends. */
  flush(): Promise<void> {
    if (!this.busy) {
      this.busy = this.pass().finally(() => {
        this.busy = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
    }
    return this.busy;
  }

  /** A pass now, or right after the running one. */
  private wake(): void {
    if (this.busy) {
      this.again = true;
      return;
    }
    this.flush().catch((error: unknown) => this.log(`outbox pass failed: ${(error as Error).message}`));
  }

  private async pass(): Promise<void> {
    const deadline = this.clock() + this.passBudgetMs;
    for (;;) {
      const due = await this.outbox.due();
      if (due.length === 0) return;
      let delivered = 0;
      for (const entry of due) {
        if (this.clock() >= deadline) return; // the rest in the next pass
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
