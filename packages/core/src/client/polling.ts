import type { TaskSnapshot } from '../schema/task.js';

export interface PollingPolicy {
  readonly minIntervalMs: number;
  readonly maxIntervalMs: number;
  readonly initialDelayMs: number;
  readonly backoffFactor: number;
  readonly graceMs: number;
}

export const DEFAULT_POLLING: PollingPolicy = {
  minIntervalMs: 5000,
  maxIntervalMs: 60_000,
  initialDelayMs: 5000,
  backoffFactor: 1.5,
  graceMs: 2000,
};

interface Sample {
  readonly at: number;
  readonly progress: number;
}

/**
 * Decides when to poll a task next, from what its past polls showed.
 *
 * - While the task waits (PENDING / THROTTLED) the interval grows geometrically from the minimum:
 *   a queued task changes rarely and its start time tells us nothing.
 * - While it runs, progress samples give a rate; the next poll is aimed just after the estimated
 *   finish instead of on a fixed clock. The first running poll only starts the measurement (the
 *   run may have begun just before it), so the second comes a minimum interval later; while the
 *   finish is far compared with the span measured, the next poll goes halfway there to refine it.
 * - Every interval is clamped to [min, max], so the API's guidance (no more than one poll per
 *   five seconds by default) holds whatever the estimate says.
 */
export class PollSchedule {
  readonly #policy: PollingPolicy;
  #waitingInterval: number;
  #firstRunning: Sample | undefined;
  #lastRunning: Sample | undefined;

  constructor(policy: PollingPolicy) {
    this.#policy = policy;
    this.#waitingInterval = policy.minIntervalMs;
  }

  /** Records what a poll at `at` saw and returns how long to wait before the next one. */
  next(snapshot: TaskSnapshot, at: number): number {
    const { minIntervalMs, maxIntervalMs } = this.#policy;
    const clamp = (ms: number) => Math.min(maxIntervalMs, Math.max(minIntervalMs, Math.round(ms)));
    if (snapshot.status === 'PENDING') {
      const interval = this.#waitingInterval;
      this.#waitingInterval = Math.min(maxIntervalMs, interval * this.#policy.backoffFactor);
      return clamp(interval);
    }
    if (snapshot.status !== 'PROCESSING') return clamp(minIntervalMs);

    const sample = { at, progress: snapshot.progress ?? 0 };
    this.#firstRunning ??= sample;
    this.#lastRunning = sample;
    const eta = this.#estimateFinish();
    if (eta === undefined) return clamp(minIntervalMs);
    // A rate measured over a short span is noisy: while the finish is far away compared with the
    // span the samples cover, look again halfway there, so the final aim rests on a long baseline.
    // Only when halfway still leaves a whole minimum interval before the aim: a look that lands
    // just before the end would push the next one a minimum interval past it.
    const remaining = eta - at;
    const span = at - (this.#firstRunning as Sample).at;
    const refine = remaining > span / 2 && remaining >= 2 * minIntervalMs;
    return clamp(refine ? remaining / 2 : remaining);
  }

  /** Estimated wall-clock time the task finishes, plus a small margin so the poll lands after it. */
  #estimateFinish(): number | undefined {
    const first = this.#firstRunning;
    const last = this.#lastRunning;
    if (!first || !last || last.progress <= 0) return undefined;
    // One sample says little: the run may have started just before it, so the rate is unknown.
    // The next poll, a minimum interval later, gives the first real rate.
    if (last.at <= first.at || last.progress <= first.progress) return undefined;
    const rate = (last.progress - first.progress) / (last.at - first.at); // progress per ms
    const start = last.at - last.progress / rate;
    const finish = last.at + (1 - last.progress) / rate;
    // Aim a little late: a poll that lands just before the end costs a whole minimum interval.
    // The margin is 3% of the run, at least 100 ms (or half the minimum interval when that is
    // shorter, as against a time-scaled simulator) and at most 2 s.
    const floor = Math.min(100, this.#policy.minIntervalMs / 2);
    const margin = Math.min(2000, Math.max(floor, 0.03 * (finish - start)));
    return finish + margin;
  }
}
