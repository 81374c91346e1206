/**
 * Counts events per key in a rolling window and says when the next one is allowed. Keeps at most
 * `limit` timestamps per key, so memory stays bounded whatever the traffic.
 */
export class RollingLimit {
  readonly #windowMs: number;
  readonly #entries = new Map<string, number[]>();

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /**
   * Records an event for `key` at `now` when fewer than `limit` happened within the window, and
   * returns 0; otherwise records nothing and returns the ms until the oldest leaves the window.
   */
  take(key: string, limit: number, now: number): number {
    if (!Number.isFinite(limit)) return 0;
    if (limit <= 0) return this.#windowMs;
    let times = this.#entries.get(key);
    if (!times) {
      times = [];
      this.#entries.set(key, times);
    }
    const since = now - this.#windowMs;
    let expired = 0;
    while (expired < times.length && (times[expired] as number) <= since) expired++;
    if (expired > 0) times.splice(0, expired);
    if (times.length >= limit) {
      const oldest = times[times.length - limit] as number;
      return Math.max(1, oldest + this.#windowMs - now);
    }
    times.push(now);
    return 0;
  }

  clear(): void {
    this.#entries.clear();
  }
}
