import type { ProgressEvent } from '@scanselect/plugin';

/**
 * A progress bar on stderr for the engine's progress events. It draws only on a terminal and
 * only once the task has run for `delayMs` (default 1 s), so that quick commands and piped or
 * logged output stay clean.
 */
export class ProgressBar {
  private readonly started = Date.now();
  private lastDraw = 0;
  private drawn = false;
  private readonly enabled: boolean;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    enabled = true,
    private readonly delayMs = 1000,
    private readonly width = 28,
    private readonly labelWidth = 36,
  ) {
    this.enabled = enabled && stream.isTTY === true;
  }

  /** The callback to hand to the engine. */
  readonly update = (event: ProgressEvent): void => {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.started < this.delayMs || now - this.lastDraw < 100) return;
    this.lastDraw = now;
    this.drawn = true;
    const fraction = Math.max(0, Math.min(1, event.fraction));
    const filled = Math.round(fraction * this.width);
    const bar = '█'.repeat(filled) + '░'.repeat(this.width - filled);
    const seconds = ((now - this.started) / 1000).toFixed(1);
    const label = event.detail ? `${event.stage} ${event.detail}` : event.stage;
    this.stream.write(`\r${bar} ${String(Math.round(fraction * 100)).padStart(3)}%  ${label.padEnd(this.labelWidth).slice(0, this.labelWidth)} ${seconds}s\x1b[K`);
  };

  /** Clears the bar's line. */
  done(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
  }
}
