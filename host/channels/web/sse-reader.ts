/**
 * An incremental reader of a server-sent events stream, following the WHATWG EventSource parsing rules
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation): chunks of bytes
 * or text go in, in any split, and each event completed by a blank line comes out as one record. It is what
 * `nanoclaw chat` and the tests read the web chat's /api/events with; a browser's EventSource does the same itself.
 * No imports, so clients load it without any server code.
 */

/** One dispatched event. */
export interface SseRecord {
  /** The stream's last event id when the event was dispatched (ids persist until an `id:` line changes them). */
  id: string;
  /** The `event:` field, `message` when the event has none. */
  event: string;
  /** The event's `data:` lines joined with \n. */
  data: string;
}

const LINE_END = /\r\n|\r|\n/g;
const BOM = '\uFEFF';

export class SseReader {
  /** The last event id seen, dispatched or not (what EventSource sends as Last-Event-ID when it reconnects). */
  lastEventId = '';
  /** The reconnection time the stream asked for with `retry:`, in milliseconds. */
  retry: number | null = null;

  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  private started = false;
  private afterCR = false;
  private lineParts: string[] = [];
  private eventType = '';
  private dataLines: string[] = [];
  private idBuffer = '';

  /** Reads one chunk; returns the events it completed, in stream order. */
  push(chunk: Uint8Array | string): SseRecord[] {
    let text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.startsWith(BOM)) text = text.slice(1);
    }
    const out: SseRecord[] = [];
    let start = 0;
    if (this.afterCR && text.startsWith('\n')) start = 1;
    if (text.length > 0) this.afterCR = false;
    LINE_END.lastIndex = start;
    for (let m = LINE_END.exec(text); m; m = LINE_END.exec(text)) {
      this.lineParts.push(text.slice(start, m.index));
      const line = this.lineParts.join('');
      this.lineParts = [];
      this.line(line, out);
      start = m.index + m[0].length;
      // A CR ending the chunk may be the first half of a CRLF split across chunks.
      if (m[0] === '\r' && start === text.length) this.afterCR = true;
    }
    if (start < text.length) this.lineParts.push(text.slice(start));
    return out;
  }

  private line(line: string, out: SseRecord[]): void {
    if (line === '') return this.dispatch(out);
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventType = value;
        return;
      case 'data':
        this.dataLines.push(value);
        return;
      case 'id':
        if (!value.includes('\0')) this.idBuffer = value;
        return;
      case 'retry':
        if (/^[0-9]+$/.test(value)) this.retry = Number(value);
        return;
    }
  }

  private dispatch(out: SseRecord[]): void {
    this.lastEventId = this.idBuffer;
    if (this.dataLines.length > 0)
      out.push({ id: this.lastEventId, event: this.eventType || 'message', data: this.dataLines.join('\n') });
    this.dataLines = [];
    this.eventType = '';
  }
}

/** The events of a whole stream (a fetch body, say); an event the stream ends in the middle of is dropped. */
export async function* readSse(stream: AsyncIterable<Uint8Array | string>): AsyncGenerator<SseRecord> {
  const reader = new SseReader();
  for await (const chunk of stream) yield* reader.push(chunk);
}
