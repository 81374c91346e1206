import pLimit, { type LimitFunction } from 'p-limit';
import { BehaviorSubject, type Observable } from 'rxjs';
import type { SchedulerState } from './types.js';

/** A task waiting for, or holding, a slot. */
export interface SchedulerJob {
  readonly model: string;
  readonly queueKey: string;
  readonly priority: number;
  /** Runs once the job has a slot; the slot is held until the returned promise settles. */
  readonly run: () => Promise<void>;
  /** Told the job's place in line (1 = next) whenever it changes while it waits. */
  readonly onPosition: (position: number) => void;
  /** Called instead of `run` when the scheduler gives up on a waiting job (a spent daily quota). */
  readonly onReject: (error: Error) => void;
  /** Whether the job would rather wait for a paused model than be rejected. */
  readonly waitWhenPaused: boolean;
}

export interface SchedulerOptions {
  /** Tasks in flight per model: one number for every model, or per model (with `default`). Default 2. */
  readonly concurrency?: number | Readonly<Record<string, number>>;
  /** A cap per queue key, or a function giving one (undefined: no cap beyond the model's). */
  readonly queueKeyConcurrency?: number | ((queueKey: string) => number | undefined);
  /** The current request rate, for the state view. */
  readonly rate: () => number;
  /** The current create rate (lowered after 429s on create), for the state view. */
  readonly createRate?: () => number;
}

interface Waiting {
  readonly job: SchedulerJob;
  readonly seq: number;
  position: number;
}

export const DEFAULT_MODEL_CONCURRENCY = 2;

/**
 * The client's own queue. It caps the tasks in flight per model (a p-limit per model; a slot is
 * held from submission until the task is terminal, like Runway's `maxConcurrentGenerations`) and
 * decides who goes next: queue keys (a user, a guild) take turns round-robin, and within a key
 * higher priority goes first, then submission order. Waiting jobs are told their place in line.
 *
 * State is in memory; the interface it offers (enqueue, remove, pause, state) is what a shared
 * implementation would offer across processes.
 */
export class Scheduler {
  readonly #options: SchedulerOptions;
  readonly #limits = new Map<string, LimitFunction>();
  /** Waiting jobs per queue key. */
  readonly #queues = new Map<string, Waiting[]>();
  /** When each key was last served (a counter): the least recently served key goes next. */
  readonly #served = new Map<string, number>();
  #turns = 0;
  readonly #keyInFlight = new Map<string, number>();
  readonly #pausedUntil = new Map<string, number>();
  readonly #state$: BehaviorSubject<SchedulerState>;
  #seq = 0;
  #positionsDirty = false;
  #resumeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: SchedulerOptions) {
    this.#options = options;
    this.#state$ = new BehaviorSubject(this.#snapshot());
  }

  get state(): SchedulerState {
    return this.#state$.value;
  }

  get state$(): Observable<SchedulerState> {
    return this.#state$.asObservable();
  }

  /** Adds a job; it starts at once when a slot is free. Returns a function that removes it while it waits. */
  enqueue(job: SchedulerJob): () => boolean {
    const waiting: Waiting = { job, seq: this.#seq++, position: 0 };
    const queue = this.#queues.get(job.queueKey) ?? [];
    // Priority first, then submission order: insert after the last job of equal or higher priority.
    let index = queue.length;
    while (index > 0 && (queue[index - 1] as Waiting).job.priority < job.priority) index--;
    queue.splice(index, 0, waiting);
    this.#queues.set(job.queueKey, queue);
    this.#pump();
    return () => this.#remove(waiting);
  }

  /** Holds back a model's waiting jobs until `until` (a spent daily quota); rejects those that won't wait. */
  pause(model: string, until: number, error: Error): void {
    this.#pausedUntil.set(model, Math.max(until, this.#pausedUntil.get(model) ?? 0));
    for (const queue of this.#queues.values()) {
      for (const waiting of [...queue]) {
        if (waiting.job.model === model && !waiting.job.waitWhenPaused) {
          this.#remove(waiting);
          waiting.job.onReject(error);
        }
      }
    }
    this.#scheduleResume();
    this.#changed();
  }

  /** Publishes the state view again (the request rate changed). */
  refreshState(): void {
    this.#changed();
  }

  /** Rejects every waiting job (the client is closing). */
  close(error: Error): void {
    clearTimeout(this.#resumeTimer);
    for (const queue of [...this.#queues.values()]) {
      for (const waiting of [...queue]) {
        this.#remove(waiting);
        waiting.job.onReject(error);
      }
    }
  }

  #limit(model: string): LimitFunction {
    let limit = this.#limits.get(model);
    if (!limit) {
      const { concurrency } = this.#options;
      const cap =
        typeof concurrency === 'number'
          ? concurrency
          : (concurrency?.[model] ?? concurrency?.default ?? DEFAULT_MODEL_CONCURRENCY);
      limit = pLimit(cap);
      this.#limits.set(model, limit);
    }
    return limit;
  }

  #hasSlot(model: string): boolean {
    const limit = this.#limit(model);
    return limit.activeCount + limit.pendingCount < limit.concurrency;
  }

  #keyCap(queueKey: string): number {
    const { queueKeyConcurrency } = this.#options;
    const cap =
      typeof queueKeyConcurrency === 'function' ? queueKeyConcurrency(queueKey) : queueKeyConcurrency;
    return cap ?? Number.POSITIVE_INFINITY;
  }

  #runnable(model: string, now: number): boolean {
    return (this.#pausedUntil.get(model) ?? 0) <= now && this.#hasSlot(model);
  }

  /** Queue keys in the order they get their next turn: least recently served first. */
  #rotation(): string[] {
    const lastServed = (key: string) => this.#served.get(key) ?? -1;
    return [...this.#queues.keys()].sort((a, b) => lastServed(a) - lastServed(b));
  }

  /** Starts every job that can start, taking keys in turn. */
  #pump(): void {
    const now = Date.now();
    let started = true;
    while (started) {
      started = false;
      for (const key of this.#rotation()) {
        if ((this.#keyInFlight.get(key) ?? 0) >= this.#keyCap(key)) continue;
        const queue = this.#queues.get(key) as Waiting[];
        const index = queue.findIndex((waiting) => this.#runnable(waiting.job.model, now));
        if (index < 0) continue;
        const [waiting] = queue.splice(index, 1) as [Waiting];
        if (queue.length === 0) this.#queues.delete(key);
        // This key had its turn: it goes to the back of the rotation.
        this.#served.set(key, this.#turns++);
        this.#start(waiting.job);
        started = true;
        break;
      }
    }
    this.#changed();
  }

  #start(job: SchedulerJob): void {
    this.#keyInFlight.set(job.queueKey, (this.#keyInFlight.get(job.queueKey) ?? 0) + 1);
    void this.#limit(job.model)(async () => {
      try {
        await job.run();
      } catch {
        // The job reports its own failure on its stream; the slot is released either way.
      }
    }).finally(() => {
      const inFlight = (this.#keyInFlight.get(job.queueKey) ?? 1) - 1;
      if (inFlight > 0) this.#keyInFlight.set(job.queueKey, inFlight);
      else {
        this.#keyInFlight.delete(job.queueKey);
        // A key with nothing waiting and nothing running has no history worth keeping.
        if (!this.#queues.has(job.queueKey)) this.#served.delete(job.queueKey);
      }
      this.#pump();
    });
  }

  #remove(waiting: Waiting): boolean {
    const queue = this.#queues.get(waiting.job.queueKey);
    const index = queue?.indexOf(waiting) ?? -1;
    if (!queue || index < 0) return false;
    queue.splice(index, 1);
    if (queue.length === 0) this.#queues.delete(waiting.job.queueKey);
    this.#changed();
    return true;
  }

  #scheduleResume(): void {
    clearTimeout(this.#resumeTimer);
    const next = Math.min(...this.#pausedUntil.values());
    if (!Number.isFinite(next)) return;
    this.#resumeTimer = setTimeout(
      () => {
        const now = Date.now();
        for (const [model, until] of this.#pausedUntil) if (until <= now) this.#pausedUntil.delete(model);
        this.#scheduleResume();
        this.#pump();
      },
      Math.max(0, next - Date.now()),
    );
    this.#resumeTimer.unref?.();
  }

  /** Coalesces position updates and the state view into one pass per microtask. */
  #changed(): void {
    if (this.#positionsDirty) return;
    this.#positionsDirty = true;
    queueMicrotask(() => {
      this.#positionsDirty = false;
      this.#updatePositions();
      this.#state$.next(this.#snapshot());
    });
  }

  /**
   * A job's place in line is where it would start if nothing else arrived: jobs of the same model
   * interleaved key by key in rotation order. When its key has a cap of its own, the jobs ahead of
   * it in its key (of any model) wait before it too: it is never placed ahead of them.
   */
  #updatePositions(): void {
    const places = new Map<Waiting, number>();
    const byModel = new Map<string, Waiting[][]>();
    for (const key of this.#rotation()) {
      const queue = this.#queues.get(key) as Waiting[];
      const capped = Number.isFinite(this.#keyCap(key));
      const perModel = new Map<string, Waiting[]>();
      queue.forEach((waiting, index) => {
        if (capped) places.set(waiting, index + 1);
        const list = perModel.get(waiting.job.model) ?? [];
        list.push(waiting);
        perModel.set(waiting.job.model, list);
      });
      for (const [model, list] of perModel) {
        const lists = byModel.get(model) ?? [];
        lists.push(list);
        byModel.set(model, lists);
      }
    }
    for (const lists of byModel.values()) {
      let position = 0;
      for (let round = 0, remaining = true; remaining; round++) {
        remaining = false;
        for (const list of lists) {
          const waiting = list[round];
          if (!waiting) continue;
          remaining = true;
          position++;
          places.set(waiting, Math.max(position, places.get(waiting) ?? 0));
        }
      }
    }
    for (const [waiting, position] of places) {
      if (waiting.position !== position) {
        waiting.position = position;
        waiting.job.onPosition(position);
      }
    }
  }

  #snapshot(): SchedulerState {
    const inFlight: Record<string, number> = {};
    for (const [model, limit] of this.#limits) {
      const count = limit.activeCount + limit.pendingCount;
      if (count > 0) inFlight[model] = count;
    }
    const queued: Record<string, number> = {};
    for (const [key, queue] of this.#queues) queued[key] = queue.length;
    const requestsPerSecond = this.#options.rate();
    return {
      inFlight,
      queued,
      requestsPerSecond,
      createsPerSecond: this.#options.createRate?.() ?? requestsPerSecond,
    };
  }
}
