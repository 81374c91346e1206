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
  /** Clock, for tests. */
  readonly now?: () => number;
}

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * Paces requests so that no sliding one-second window holds more than the current rate, and
 * adapts that rate to the server: halved on a 429 (at most once per window, so one burst of 429s
 * counts once), climbing back linearly while requests succeed (AIMD, as TCP does).
 *
 * A sliding-window log, not a token bucket with burst: the guarantee "at most R requests in any
 * second" holds exactly, and a saturated client still uses all of R. Waiters are served FIFO by
 * one timer; `acquire` is O(1).
 */
export class RateLimiter {
  readonly #max: number;
  readonly #min: number;
  readonly #decrease: number;
  readonly #increase: number;
  readonly #now: () => number;
  #rate: number;
  #lastAdjust: number;
  #lastDecrease = Number.NEGATIVE_INFINITY;
  /** Send times of recent requests (a ring, oldest first). */
  #log: number[] = [];
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

  /** Resolves when a request may be sent now; rejects if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.#waiters.length === 0 && this.#delay() === 0) {
      this.#record();
      return Promise.resolve();
    }
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

  /** The server answered 429: slow down (once per window). */
  penalize(): void {
    const now = this.#now();
    this.#climb();
    if (now - this.#lastDecrease < this.#windowMs()) return;
    this.#lastDecrease = now;
    this.#setRate(Math.max(this.#min, this.#rate * this.#decrease));
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
      this.#setRate(Math.min(this.#max, this.#rate + this.#increase * elapsed));
    }
  }

  #setRate(rate: number): void {
    if (rate === this.#rate) return;
    this.#rate = rate;
    for (const listener of this.#listeners) listener(rate);
  }

  /** Requests allowed per window, and the window: R per second, or one per 1/R s below 1/s. */
  #slots(): number {
    return Math.max(1, Math.floor(this.#rate));
  }

  #windowMs(): number {
    return (1000 * this.#slots()) / this.#rate;
  }

  /** Milliseconds until one more request fits in the window. */
  #delay(): number {
    this.#climb();
    const slots = this.#slots();
    const now = this.#now();
    const window = this.#windowMs();
    while (this.#log.length > 0 && (this.#log[0] as number) <= now - window) this.#log.shift();
    if (this.#log.length < slots) return 0;
    const oldest = this.#log[this.#log.length - slots] as number;
    return Math.max(0, oldest + window - now + 1);
  }

  #record(): void {
    this.#log.push(this.#now());
    // The log never needs more entries than the largest window can hold.
    if (this.#log.length > Math.ceil(this.#max) + 1) this.#log.shift();
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#waiters.length === 0) return;
    const delay = this.#delay();
    if (delay === 0) {
      this.#release();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#release();
    }, delay);
  }

  #release(): void {
    while (this.#waiters.length > 0 && this.#delay() === 0) {
      const waiter = this.#waiters.shift() as Waiter;
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      this.#record();
      waiter.resolve();
    }
    this.#schedule();
  }
}
