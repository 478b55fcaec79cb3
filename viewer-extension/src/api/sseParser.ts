/**
 * An incremental parser of `text/event-stream` (the WHATWG "event stream interpretation"):
 * feed it text chunks as they arrive (split anywhere, even inside a line or a CRLF) and it
 * calls `onEvent` for each complete event. Comments (`: …`) are ignored; `data` lines are joined
 * with newlines; an event without data is not dispatched; `retry` is ignored (the client has
 * its own back-off).
 */
export interface ServerSentEvent {
  /** `event:` field, `message` when absent. */
  readonly type: string;
  readonly data: string;
  /** Last `id:` seen so far (ids persist across events, as in the spec). */
  readonly id: string | null;
}

export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private type = '';
  private lastId: string | null = null;
  private pendingCr = false;

  constructor(private readonly onEvent: (event: ServerSentEvent) => void) {}

  /** Feeds a chunk of the stream. */
  push(chunk: string): void {
    let text = chunk;
    // A CR at the end of the previous chunk may be the first half of a CRLF.
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = text.endsWith('\r');
    this.buffer += text;
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.type = value;
    else if (field === 'id' && !value.includes('\0')) this.lastId = value;
  }

  private dispatch(): void {
    const data = this.data;
    const type = this.type;
    this.data = [];
    this.type = '';
    if (data.length === 0) return;
    this.onEvent({ type: type || 'message', data: data.join('\n'), id: this.lastId });
  }
}
