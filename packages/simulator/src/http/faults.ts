import type { Faults, MsRange, RouteFaults } from '../options.js';
import type { Random } from '../random.js';

export type FaultRoute = 'create' | 'get' | 'delete' | 'other';

/** What to do with a request before it is handled. */
export type PreFault =
  | { readonly kind: 'none' }
  | { readonly kind: 'reset_before' }
  | { readonly kind: 'rate_429'; readonly retryAfterSeconds: number }
  | { readonly kind: 'error'; readonly status: number };

/** What to do with the answer of a request that was handled. */
export type PostFault = 'none' | 'reset_after_commit' | 'malformed';

/**
 * Draws the faults of each request from the seeded generator, so that the same seed and the same
 * sequence of requests replay the same faults. A route's own settings override `all` field by field.
 */
export class FaultPlan {
  readonly #random: Random;
  #faults: Faults;

  constructor(random: Random, faults: Faults) {
    this.#random = random;
    this.#faults = faults;
  }

  set(faults: Faults): void {
    this.#faults = faults;
  }

  get current(): Faults {
    return this.#faults;
  }

  #for(route: FaultRoute): RouteFaults {
    const all = this.#faults.all ?? {};
    if (route === 'other') return all;
    return { ...all, ...(this.#faults[route] ?? {}) };
  }

  /** Added latency for this request in ms (0 for none). */
  latency(route: FaultRoute): number {
    const latency = this.#for(route).latencyMs;
    if (latency === undefined) return 0;
    if (typeof latency === 'number') return Math.max(0, latency);
    const [min, max] = latency as MsRange;
    return Math.max(0, this.#random.between(min, max));
  }

  before(route: FaultRoute): PreFault {
    const faults = this.#for(route);
    if (this.#random.chance(faults.resetBeforeRate)) return { kind: 'reset_before' };
    if (this.#random.chance(faults.rate429)) {
      return { kind: 'rate_429', retryAfterSeconds: faults.retryAfterSeconds ?? 1 };
    }
    if (this.#random.chance(faults.errorRate)) return { kind: 'error', status: faults.status ?? 503 };
    return { kind: 'none' };
  }

  after(route: FaultRoute): PostFault {
    const faults = this.#for(route);
    if (route === 'create' && this.#random.chance(faults.resetAfterCommitRate)) return 'reset_after_commit';
    if (this.#random.chance(faults.malformedRate)) return 'malformed';
    return 'none';
  }
}
