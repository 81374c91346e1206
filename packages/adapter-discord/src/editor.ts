import { type MessageBody, visibleKey } from './message.js';

export interface MessageEditorOptions {
  /** At least this long between the end of one edit and the start of the next. */
  readonly intervalMs: number;
  /** Sends one edit. A rejection is reported to `onError`; the editor carries on. */
  readonly send: (message: MessageBody) => Promise<void>;
  readonly onError: (error: unknown) => void;
  readonly now?: () => number;
}

/**
 * Keeps one Discord message in step with a changing render without flooding the API.
 *
 * - at most one edit in flight, and `intervalMs` between edits (Discord asks for about one a
 *   second or two; a 429 is waited out by `@discordjs/rest` inside `send`, and the gap counts
 *   from when that edit finally finished);
 * - only the latest render is ever sent: renders that arrive while waiting replace each other,
 *   so a slow or rate-limited API never builds a backlog;
 * - a render that looks the same as what is shown is not sent at all.
 */
export class MessageEditor {
  readonly #options: MessageEditorOptions;
  readonly #now: () => number;
  #latest: MessageBody | undefined;
  #latestKey: string | undefined;
  #shownKey: string | undefined;
  #inFlight = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastEditEndedAt = Number.NEGATIVE_INFINITY;
  #closed = false;
  #waiters: { key: string; resolve: (sent: boolean) => void }[] = [];
  #sentCount = 0;

  constructor(options: MessageEditorOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Edits sent so far (successful or not). */
  get sent(): number {
    return this.#sentCount;
  }

  /** Whether the message already shows `message` (nothing in flight could change that). */
  shows(message: MessageBody): boolean {
    return !this.#inFlight && this.#shownKey === visibleKey(message);
  }

  /** Shows `message` as soon as the interval allows, unless a newer render replaces it first. */
  push(message: MessageBody): void {
    if (this.#closed) return;
    this.#latest = message;
    this.#latestKey = visibleKey(message);
    this.#settleWaiters();
    this.#schedule();
  }

  /**
   * Records that the message now shows `message` through another path (a button's update
   * response), so the editor neither repeats it nor leaves an older render on top of it.
   */
  markShown(message: MessageBody): void {
    const key = visibleKey(message);
    this.#latest = message;
    this.#latestKey = key;
    if (!this.#inFlight) this.#shownKey = key;
    this.#lastEditEndedAt = this.#now();
    this.#settleWaiters();
  }

  /**
   * Pushes `message` and resolves once it is shown (`true`), or once sending it failed or a newer
   * render replaced it (`false`).
   */
  show(message: MessageBody): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    const key = visibleKey(message);
    const settled = new Promise<boolean>((resolve) => this.#waiters.push({ key, resolve }));
    this.push(message);
    return settled;
  }

  /** Stops editing; pending `show` promises resolve `false`. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(false);
  }

  #schedule(): void {
    if (this.#closed || this.#inFlight || this.#timer !== undefined) return;
    if (this.#latestKey === undefined || this.#latestKey === this.#shownKey) return;
    const wait = Math.max(0, this.#lastEditEndedAt + this.#options.intervalMs - this.#now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#flush();
    }, wait);
  }

  async #flush(): Promise<void> {
    const message = this.#latest;
    const key = this.#latestKey;
    if (this.#closed || !message || key === undefined || key === this.#shownKey) return;
    this.#inFlight = true;
    this.#sentCount++;
    let sent = false;
    try {
      await this.#options.send(message);
      sent = true;
    } catch (error) {
      this.#options.onError(error);
    } finally {
      this.#inFlight = false;
      this.#lastEditEndedAt = this.#now();
    }
    // A failed edit is not retried as such: the next different render tries again.
    this.#shownKey = key;
    this.#settleWaiters(sent ? undefined : key);
    this.#schedule();
  }

  /** Resolves the waiters whose render is shown, failed, or was replaced by a newer one. */
  #settleWaiters(failedKey?: string): void {
    this.#waiters = this.#waiters.filter((waiter) => {
      if (waiter.key === failedKey) {
        waiter.resolve(false);
        return false;
      }
      if (waiter.key === this.#shownKey && !this.#inFlight) {
        waiter.resolve(true);
        return false;
      }
      if (waiter.key !== this.#latestKey) {
        waiter.resolve(false);
        return false;
      }
      return true;
    });
  }
}
