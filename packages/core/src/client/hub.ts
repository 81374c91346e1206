import { setMaxListeners } from 'node:events';
import { Observable, Subject, type Subscriber, share, timer } from 'rxjs';
import {
  AbortError,
  isApiError,
  isRateLimitError,
  isRunwayRxError,
  MalformedResponseError,
  NetworkError,
  TimeoutError,
} from '../errors.js';
import { isTerminal, type TaskSnapshot } from '../schema/task.js';
import { type PollingPolicy, PollSchedule } from './polling.js';
import { abortReason, type BackoffOptions, backoffDelay } from './timing.js';

/**
 * Where watched tasks live: which ids are watched, their latest snapshot, and the fan-out of new
 * snapshots to every watcher. One implementation polls in this process; a shared one (Redis, so
 * several instances poll each task once) can replace it behind this interface.
 */
export interface TaskHub {
  /**
   * The lifecycle of task `id` from now on: the latest known snapshot first (if any), then every
   * change, completing after a terminal state. All watchers of one id share one poll loop.
   */
  watch(id: string): Observable<TaskSnapshot>;
  /** The latest snapshot of `id`, without a request. */
  peek(id: string): TaskSnapshot | undefined;
  /**
   * Records a snapshot learned outside the poll loop (a create's answer, a cancel). `nextPollAt`
   * delays the first poll of a fresh task.
   */
  publish(snapshot: TaskSnapshot, options?: { nextPollAt?: number }): void;
  /** Polls `id` now if a loop is waiting (after a cancel, say), instead of at its next scheduled time. */
  refresh(id: string): void;
  /** Stops every loop. */
  close(): void;
}

export interface InMemoryTaskHubOptions {
  /** One GET of a task's state. */
  readonly fetch: (id: string, signal: AbortSignal) => Promise<TaskSnapshot>;
  readonly polling: PollingPolicy;
  readonly retry: BackoffOptions;
  /** How long an unwatched entry (and a finished task's last snapshot) is kept for `peek`. Default 10 min. */
  readonly retentionMs?: number;
  /** Entries kept before unwatched ones are swept. Default 10_000. */
  readonly maxIdleEntries?: number;
}

interface Entry {
  readonly id: string;
  latest: TaskSnapshot | undefined;
  /** Earliest time the next poll may go out (the minimum interval holds across loop restarts). */
  notBefore: number;
  watchers: number;
  lastActive: number;
  /** Cuts the loop's current wait short, when it is waiting. */
  wake: (() => void) | undefined;
  readonly changes: Observable<TaskSnapshot>;
}

const RANK: Record<string, number> = { PENDING: 0, PROCESSING: 1, SUCCEEDED: 2, FAILED: 2, CANCELLED: 2 };

/**
 * Merges a freshly polled snapshot into the latest one so that a stream never goes backwards: a
 * state never returns to an earlier one, progress never decreases, and a poll that shows nothing
 * new yields `undefined` (no emission).
 */
export function mergeSnapshot(
  previous: TaskSnapshot | undefined,
  next: TaskSnapshot,
): TaskSnapshot | undefined {
  if (!previous) return next;
  if (isTerminal(previous)) return undefined;
  const before = RANK[previous.status] ?? 0;
  const after = RANK[next.status] ?? 0;
  if (after < before) return undefined;
  let merged = { ...previous, ...next };
  if (next.status === 'PROCESSING' && previous.status === 'PROCESSING') {
    const progress = Math.max(previous.progress ?? 0, next.progress ?? 0);
    merged = { ...merged, progress };
    if (progress === previous.progress && next.wireStatus === previous.wireStatus) return undefined;
  }
  if (
    next.status === previous.status &&
    next.status === 'PENDING' &&
    next.wireStatus === previous.wireStatus
  ) {
    return undefined;
  }
  return merged;
}

/** Failures a poll loop rides out: the task is still there, the road to it is bumpy. */
function isTransient(error: unknown): boolean {
  if (
    error instanceof NetworkError ||
    error instanceof TimeoutError ||
    error instanceof MalformedResponseError
  ) {
    return true;
  }
  if (isApiError(error)) return error.status === 408 || error.status === 429 || error.status >= 500;
  return !isRunwayRxError(error);
}

/** Polls each watched task in this process, once however many watchers it has. */
export class InMemoryTaskHub implements TaskHub {
  readonly #options: InMemoryTaskHubOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #closed = new AbortController();

  constructor(options: InMemoryTaskHubOptions) {
    this.#options = options;
    // Every running loop listens for the hub closing: as many listeners as watched tasks.
    setMaxListeners(0, this.#closed.signal);
  }

  watch(id: string): Observable<TaskSnapshot> {
    return new Observable<TaskSnapshot>((subscriber) => {
      const entry = this.#entry(id);
      entry.watchers += 1;
      entry.lastActive = Date.now();
      if (entry.latest) subscriber.next(entry.latest);
      const subscription =
        entry.latest && isTerminal(entry.latest) ? undefined : entry.changes.subscribe(subscriber);
      if (!subscription) subscriber.complete();
      return () => {
        subscription?.unsubscribe();
        entry.watchers -= 1;
        entry.lastActive = Date.now();
      };
    });
  }

  peek(id: string): TaskSnapshot | undefined {
    return this.#entries.get(id)?.latest;
  }

  publish(snapshot: TaskSnapshot, options: { nextPollAt?: number } = {}): void {
    const entry = this.#entry(snapshot.id);
    const merged = mergeSnapshot(entry.latest, snapshot);
    if (merged) entry.latest = merged;
    if (options.nextPollAt !== undefined) entry.notBefore = Math.max(entry.notBefore, options.nextPollAt);
  }

  refresh(id: string): void {
    this.#entries.get(id)?.wake?.();
  }

  close(): void {
    this.#closed.abort();
    this.#entries.clear();
  }

  /** The ids currently watched (by at least one watcher). */
  get watchedCount(): number {
    let count = 0;
    for (const entry of this.#entries.values()) if (entry.watchers > 0) count++;
    return count;
  }

  #entry(id: string): Entry {
    const existing = this.#entries.get(id);
    if (existing) return existing;
    this.#sweep();
    const entry: Entry = {
      id,
      latest: undefined,
      notBefore: 0,
      watchers: 0,
      lastActive: Date.now(),
      wake: undefined,
      changes: new Observable<TaskSnapshot>((subscriber) => {
        const controller = new AbortController();
        const stop = () => controller.abort();
        this.#closed.signal.addEventListener('abort', stop, { once: true });
        void this.#loop(entry, subscriber, controller.signal);
        return () => {
          this.#closed.signal.removeEventListener('abort', stop);
          controller.abort();
        };
      }).pipe(
        share({
          connector: () => new Subject<TaskSnapshot>(),
          resetOnRefCountZero: () => timer(this.#options.polling.graceMs),
          resetOnComplete: true,
          resetOnError: true,
        }),
      ),
    };
    this.#entries.set(id, entry);
    return entry;
  }

  /** Forgets entries nobody has watched for the retention time (bounded memory, no timers). */
  #sweep(): void {
    const limit = this.#options.maxIdleEntries ?? 10_000;
    if (this.#entries.size < limit) return;
    const cutoff = Date.now() - (this.#options.retentionMs ?? 600_000);
    for (const [id, entry] of this.#entries) {
      if (this.#entries.size < limit / 2) break;
      if (entry.watchers === 0 && entry.lastActive < cutoff) this.#entries.delete(id);
    }
    // Still full of idle entries younger than the retention: drop the least recently active.
    for (const [id, entry] of this.#entries) {
      if (this.#entries.size < limit) break;
      if (entry.watchers === 0) this.#entries.delete(id);
    }
  }

  /** Sleeps `ms`, or less when `refresh` wakes the entry; rejects when `signal` aborts. */
  #wait(entry: Entry, ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(abortReason(signal));
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settle = (error?: Error) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        entry.wake = undefined;
        if (error) reject(error);
        else resolve();
      };
      const onAbort = () => settle(abortReason(signal));
      timer = setTimeout(() => settle(), ms);
      entry.wake = () => settle();
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  async #loop(entry: Entry, subscriber: Subscriber<TaskSnapshot>, signal: AbortSignal): Promise<void> {
    const { polling, retry, fetch } = this.#options;
    const schedule = new PollSchedule(polling);
    let delay = Math.max(0, entry.notBefore - Date.now());
    let failures = 0;
    try {
      for (;;) {
        await this.#wait(entry, delay, signal);
        let snapshot: TaskSnapshot;
        try {
          snapshot = await fetch(entry.id, signal);
        } catch (error) {
          if (signal.aborted) return;
          if (!isTransient(error)) throw error;
          const retryAfter = isRateLimitError(error) ? (error.retryAfter ?? 0) : 0;
          delay = Math.max(retryAfter, backoffDelay(failures++, retry));
          continue;
        }
        failures = 0;
        const now = Date.now();
        entry.notBefore = now + polling.minIntervalMs;
        const merged = mergeSnapshot(entry.latest, snapshot);
        if (merged) {
          entry.latest = merged;
          subscriber.next(merged);
        }
        const latest = entry.latest as TaskSnapshot;
        if (isTerminal(latest)) {
          subscriber.complete();
          return;
        }
        // A loop restarted later (a new watcher after the last left) polls as soon as the minimum
        // interval allows: its state may be stale by then.
        delay = schedule.next(latest, now);
      }
    } catch (error) {
      if (this.#closed.signal.aborted) {
        subscriber.error(new AbortError('The client was closed', { taskId: entry.id }));
      } else if (!signal.aborted) {
        subscriber.error(error);
      }
    }
  }
}
