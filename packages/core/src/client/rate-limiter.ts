import { abortReason } from './timing.js';

export interface RateLimiterOptions {
  /** The ceiling: requests per second when nothing pushes back. */
  readonly requestsPerSecond: number;
  /** The floor the rate never drops below after 429s. Default 0.2 (one request per 5 s). */
  readonly minRequestsPerSecond?: number;
  /** Multiplicative decrease on a 429. Default 0.5. */
  readonly decreaseFactor?: number;
  /** Additive increase, in requests per second gained per second without a 429. Default ceiling / 20. */
  readonly increasePerSecond?: number;
  /**
   * Space requests evenly (one per 1/rate s) instead of letting up to `rate` go at once in each
   * window. Smooth pacing probes a server's limit gently: an overshoot costs one refused request,
   * not a burst of them. Default false.
   */
  readonly smooth?: boolean;
  /**
   * Count a request in the window from its permit until it completes (the default: no window of
   * arrivals at the server can exceed the rate, however the network bunches them). When false, a
   * request counts from its permit only: for pacing one kind of request that then waits for
   * another limiter, where holding a place until completion would serialize them.
   */
  readonly untilComplete?: boolean;
  /** Clock, for tests. */
  readonly now?: () => number;
}

/** A request's hold on the window: from its permit until it completes, plus the window after. */
interface Slot {
  /** When the request completed; `Infinity` while it is in flight. */
  end: number;
  /** Whether the server accepted it (not a 429). */
  accepted: boolean;
}

/**
 * Call when the request has completed (answered, failed or aborted); pass `false` when the server
 * refused it with a 429. Idempotent.
 */
export type Release = (accepted?: boolean) => void;

interface Waiter {
  resolve: (release: Release) => void;
  reject: (error: Error) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * Paces requests so that no one-second window at the server holds more than the current rate,
 * and adapts that rate to the server: halved on a 429 (at most once per window, so one burst of
 * 429s counts once), climbing back linearly while requests succeed (AIMD, as TCP does).
 *
 * A sliding-window log, not a token bucket with burst. A request holds its place in the window
 * from its permit until a window after it *completes*: its arrival at the server lies somewhere
 * in between, so however the network delays or bunches requests, no window of arrivals holds
 * more than the rate. A saturated client loses only the round-trip time per slot.
 */
export class RateLimiter {
  readonly #max: number;
  readonly #min: number;
  readonly #decrease: number;
  readonly #increase: number;
  readonly #now: () => number;
  readonly #smooth: boolean;
  readonly #untilComplete: boolean;
  #rate: number;
  #lastAdjust: number;
  #lastDecrease = Number.NEGATIVE_INFINITY;
  /** The rate at the last 429: the climb slows down as it nears it (the server's limit lies there). */
  #lastRefusedAt = Number.POSITIVE_INFINITY;
  /** No permit before this time (the server's `Retry-After`). */
  #heldUntil = 0;
  /** Requests whose hold on the window has not expired. */
  #slots: Slot[] = [];
  #waiters: Waiter[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #listeners = new Set<(rate: number) => void>();

  constructor(options: RateLimiterOptions) {
    if (!(options.requestsPerSecond > 0)) throw new RangeError('requestsPerSecond must be a positive number');
    this.#max = options.requestsPerSecond;
    this.#min = Math.min(options.minRequestsPerSecond ?? 0.2, this.#max);
    this.#decrease = options.decreaseFactor ?? 0.5;
    this.#increase = options.increasePerSecond ?? this.#max / 20;
    this.#now = options.now ?? Date.now;
    this.#smooth = options.smooth ?? false;
    this.#untilComplete = options.untilComplete ?? true;
    this.#rate = this.#max;
    this.#lastAdjust = this.#now();
  }

  /** The rate currently allowed, in requests per second. */
  get rate(): number {
    this.#climb();
    return this.#rate;
  }

  /** Calls `listener` whenever the rate changes. Returns an unsubscribe function. */
  onRateChange(listener: (rate: number) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Resolves with a `release` function when a request may be sent now; call it once the request
   * has completed. Rejects if `signal` aborts first.
   */
  acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.#waiters.length === 0 && this.#delay() === 0) return Promise.resolve(this.#take());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.#waiters.indexOf(waiter);
          if (index >= 0) this.#waiters.splice(index, 1);
          reject(abortReason(signal));
          this.#schedule();
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#waiters.push(waiter);
      this.#schedule();
    });
  }

  /**
   * The server answered 429: slow down, once per window. The first push-back at full rate drops
   * the rate to what the server accepted in the last window when that is far lower (a 10×
   * overshoot is corrected at once, not in halvings); otherwise the decrease factor applies.
   */
  penalize(): void {
    const now = this.#now();
    this.#climb();
    const window = this.#windowMs();
    if (now - this.#lastDecrease < window) return;
    this.#lastDecrease = now;
    this.#lastRefusedAt = this.#rate;
    const accepted = this.#slots.filter((slot) => slot.accepted && slot.end > now - window).length;
    // The first push-back at full rate may reveal a large overshoot (the server took less than half
    // of what we sent): go straight to what got through. After that, the usual decrease.
    const overshoot = this.#rate >= this.#max && accepted > 0 && this.#rate > 2 * accepted;
    const next = overshoot ? accepted : this.#rate * this.#decrease;
    this.#setRate(Math.max(this.#min, next));
  }

  /** Grants no permit before `at` (epoch ms): the server asked to wait (`Retry-After`). */
  holdUntil(at: number): void {
    if (at <= this.#heldUntil) return;
    this.#heldUntil = at;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#schedule();
  }

  /** Rejects every waiter (the client is closing). */
  close(reason: Error): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const waiter of this.#waiters.splice(0)) {
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.reject(reason);
    }
  }

  #climb(): void {
    const now = this.#now();
    const elapsed = (now - this.#lastAdjust) / 1000;
    this.#lastAdjust = now;
    if (this.#rate < this.#max && now - this.#lastDecrease >= this.#windowMs()) {
      const near = this.#rate >= 0.9 * this.#lastRefusedAt;
      const increase = near ? this.#increase / 4 : this.#increase;
      this.#setRate(Math.min(this.#max, this.#rate + increase * elapsed));
    }
  }

  #setRate(rate: number): void {
    if (rate === this.#rate) return;
    this.#rate = rate;
    for (const listener of this.#listeners) listener(rate);
  }

  /** Requests allowed per window, and the window: R per second (or one per 1/R s when smooth or below 1/s). */
  #capacity(): number {
    return this.#smooth ? 1 : Math.max(1, Math.floor(this.#rate));
  }

  #windowMs(): number {
    return (1000 * this.#capacity()) / this.#rate;
  }

  /** Milliseconds until one more request fits in the window; `Infinity` until a request completes. */
  #delay(): number {
    this.#climb();
    const now = this.#now();
    if (now < this.#heldUntil) return this.#heldUntil - now;
    const window = this.#windowMs();
    this.#slots = this.#slots.filter((slot) => slot.end > now - window);
    if (this.#slots.length < this.#capacity()) return 0;
    // Full: the next place frees a window after the earliest completion among the holders.
    const earliest = Math.min(...this.#slots.map((slot) => slot.end));
    return Number.isFinite(earliest) ? Math.max(1, earliest + window - now + 1) : Number.POSITIVE_INFINITY;
  }

  #take(): Release {
    const slot: Slot = { end: this.#untilComplete ? Number.POSITIVE_INFINITY : this.#now(), accepted: false };
    this.#slots.push(slot);
    let released = false;
    return (accepted = true) => {
      if (released) return;
      released = true;
      slot.accepted = accepted;
      if (!this.#untilComplete) return;
      slot.end = this.#now();
      // A full window waiting on in-flight requests can move now.
      if (this.#waiters.length > 0 && this.#timer === undefined) this.#schedule();
    };
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#waiters.length === 0) return;
    const delay = this.#delay();
    if (delay === 0) {
      this.#release();
      return;
    }
    if (!Number.isFinite(delay)) return; // a completing request calls #schedule again
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#release();
    }, delay);
  }

  #release(): void {
    while (this.#waiters.length > 0 && this.#delay() === 0) {
      const waiter = this.#waiters.shift() as Waiter;
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(this.#take());
    }
    this.#schedule();
  }
}
