import { Client } from 'pg';
import { JOB_CHANNEL } from '../jobStore';

/**
 * Hears of every change of a job in the cluster: one connection of its own (not from the pool)
 * with `LISTEN` on the jobs channel, which workers notify in the transaction that changes a job.
 * Notifications are not kept while nobody listens, so after every (re)connection `onConnected`
 * runs (the caller reads the active jobs again); a lost connection is opened again with back-off.
 */
export class JobListener {
  private client: Client | null = null;
  private stopped = false;
  private retryMs = 250;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    private readonly onJob: (id: number) => void,
    private readonly onConnected: () => void,
    private readonly log: (line: string) => void,
  ) {}

  /** Connects; resolves once listening (or after the first failure, leaving reconnection to run). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.url, application_name: 'scanselect-listen' });
    client.on('notification', (message) => {
      const id = Number(message.payload);
      if (message.channel === JOB_CHANNEL && Number.isInteger(id)) this.onJob(id);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${JOB_CHANNEL}`);
    } catch (error) {
      this.lost(client, error as Error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryMs = 250;
    this.onConnected();
  }

  private lost(client: Client, error: Error): void {
    if (this.stopped || (this.client !== null && this.client !== client)) return;
    this.client = null;
    client.removeAllListeners('end');
    void client.end().catch(() => undefined);
    if (this.timer) return;
    this.log(`job events: ${error.message}; listening again in ${this.retryMs} ms`);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, this.retryMs);
    this.timer.unref();
    this.retryMs = Math.min(this.retryMs * 2, 10_000);
  }
}
