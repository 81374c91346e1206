/** A value, or a promise of it: a shared store (Redis, a database) answers asynchronously. */
export type Awaitable<T> = T | Promise<T>;

/** Who created a task, and the ids it goes by. */
export interface TaskOwnership {
  /** The principal id that submitted the task. */
  readonly principal: string;
  /** The router handle (`q_…`) the task was given at submission. */
  readonly handle?: string;
  /** The Runway task id, once the task was created. */
  readonly runwayId?: string;
}

/**
 * Where the router keeps which principal owns which task, under both of its ids. It is the seam
 * for running several server instances: with a shared implementation, a stream or a cancel can
 * land on any instance. The router writes an entry under the handle at submission and under both
 * ids once the Runway id is known.
 */
export interface TaskStore {
  get(ref: string): Awaitable<TaskOwnership | undefined>;
  set(ref: string, ownership: TaskOwnership): Awaitable<void>;
}

export interface InMemoryTaskStoreOptions {
  /** Entries kept; the oldest go first beyond it. Default 100_000. */
  readonly maxEntries?: number;
}

/** A `TaskStore` in this process's memory, bounded: the oldest entries are forgotten first. */
export class InMemoryTaskStore implements TaskStore {
  readonly #entries = new Map<string, TaskOwnership>();
  readonly #maxEntries: number;

  constructor(options: InMemoryTaskStoreOptions = {}) {
    const max = options.maxEntries ?? 100_000;
    if (!(Number.isInteger(max) && max > 0)) throw new RangeError('maxEntries must be a positive integer');
    this.#maxEntries = max;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(ref: string): TaskOwnership | undefined {
    return this.#entries.get(ref);
  }

  set(ref: string, ownership: TaskOwnership): void {
    this.#entries.delete(ref);
    this.#entries.set(ref, ownership);
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries) break;
      this.#entries.delete(oldest);
    }
  }
}
