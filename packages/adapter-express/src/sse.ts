import type { IncomingMessage, ServerResponse } from 'node:http';

/** One Server-Sent Event. */
export interface SseEvent {
  /** The `event:` field; omitted means `message`. */
  readonly event?: string;
  /** The `id:` field; the client sends the last one back as `Last-Event-ID` when it reconnects. */
  readonly id?: string | number;
  /** The `data:` payload; one `data:` line per line of it. */
  readonly data: string;
}

export interface SseStreamOptions {
  /** Sent as `retry:` first: how long a client waits before reconnecting. */
  readonly retryMs?: number;
  /** A `: hb` comment this often keeps proxies from cutting an idle stream. 0 turns it off. */
  readonly heartbeatMs?: number;
}

const FIELD_BREAK = /[\r\n]/;

/** Serialises one event (the WHATWG `text/event-stream` format). */
export function formatSseEvent(event: SseEvent): string {
  let text = '';
  if (event.event !== undefined) {
    if (FIELD_BREAK.test(event.event)) throw new RangeError('An SSE event name cannot hold a line break');
    text += `event: ${event.event}\n`;
  }
  if (event.id !== undefined) {
    const id = String(event.id);
    if (FIELD_BREAK.test(id) || id.includes('\0')) throw new RangeError('An SSE id cannot hold a line break');
    text += `id: ${id}\n`;
  }
  for (const line of event.data.split(/\r\n|\r|\n/)) text += `data: ${line}\n`;
  return `${text}\n`;
}

/** A response that may have `flush()` from compression middleware. */
type FlushableResponse = ServerResponse & { flush?: () => void };

/**
 * A Server-Sent Events response that never buffers more than one event per key for a slow client.
 *
 * While the socket accepts writes, events go out at once. When `write()` returns false (the
 * client stopped reading and the buffers are full), later events are held, only the latest per
 * key (a task's newest state supersedes the one before it), and written in the order they
 * happened when the socket drains. Heartbeats are skipped meanwhile: the connection is not idle.
 */
export class SseStream {
  readonly #res: FlushableResponse;
  readonly #pending = new Map<string, string>();
  #blocked = false;
  #ending = false;
  #closed = false;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  readonly #onClose = new Set<() => void>();

  constructor(req: IncomingMessage, res: ServerResponse, options: SseStreamOptions = {}) {
    this.#res = res as FlushableResponse;
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    // no-transform: compression middleware and proxies must pass events through unbuffered.
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    req.socket.setNoDelay(true);

    // Not `req.on('close')`: it fires once the request has been read, not when the client leaves.
    res.on('close', () => this.#teardown());
    res.on('drain', () => this.#drain());

    if (options.retryMs !== undefined) this.#write(`retry: ${Math.max(0, Math.round(options.retryMs))}\n\n`);
    const every = options.heartbeatMs ?? 15_000;
    if (every > 0) {
      this.#heartbeat = setInterval(() => {
        if (!this.#blocked) this.#write(': hb\n\n');
      }, every);
      this.#heartbeat.unref?.();
    }
  }

  /** Whether the client went away or the stream was ended. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Whether writes are being held until the socket drains. */
  get blocked(): boolean {
    return this.#blocked;
  }

  /** Events held for a slow client: at most one per key. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Bytes the response holds in memory for the socket (Node's writable buffer). */
  get bufferedBytes(): number {
    return this.#res.writableLength;
  }

  /**
   * Sends an event, or holds it (replacing any held event of the same `key`) while the client is
   * slow. Events of one key are states of one thing: only the latest matters. An event sent to
   * many streams can be formatted once with `formatSseEvent` and passed as that text.
   */
  send(event: SseEvent | string, key = ''): void {
    if (this.#closed || this.#ending) return;
    const text = typeof event === 'string' ? event : formatSseEvent(event);
    if (this.#blocked) {
      // Re-inserting keeps the held events in the order their latest versions happened.
      this.#pending.delete(key);
      this.#pending.set(key, text);
      return;
    }
    this.#write(text);
  }

  /** Sends a comment line (ignored by clients). */
  comment(text: string): void {
    if (this.#closed || this.#ending || this.#blocked) return;
    this.#write(`: ${text.replace(/[\r\n]+/g, ' ')}\n\n`);
  }

  /** Ends the response once everything held has been written. */
  end(): void {
    if (this.#closed || this.#ending) return;
    this.#ending = true;
    if (!this.#blocked) this.#finish();
  }

  /** Ends the response now, dropping what a slow client has not taken (the server is shutting down). */
  close(): void {
    if (this.#closed) return;
    if (this.#blocked) this.#res.destroy();
    else this.#res.end();
    this.#teardown();
  }

  /** Runs `listener` once when the stream closes (the client left, or `end()` finished). */
  onClose(listener: () => void): void {
    if (this.#closed) listener();
    else this.#onClose.add(listener);
  }

  #write(text: string): void {
    if (this.#closed) return;
    const accepted = this.#res.write(text);
    this.#res.flush?.();
    if (!accepted) this.#blocked = true;
  }

  #drain(): void {
    if (this.#closed) return;
    this.#blocked = false;
    for (const [key, text] of this.#pending) {
      this.#pending.delete(key);
      this.#write(text);
      if (this.#blocked) return;
    }
    if (this.#ending) this.#finish();
  }

  #finish(): void {
    this.#res.end();
    this.#teardown();
  }

  #teardown(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    this.#pending.clear();
    const listeners = [...this.#onClose];
    this.#onClose.clear();
    for (const listener of listeners) listener();
  }
}
