import type { Observable } from 'rxjs';
import type { Dispatcher } from 'undici';
import type { ModelName, TaskInput, TaskType, TaskTypes } from '../schema/registry.js';
import type { TaskEvent, TaskSnapshot } from '../schema/task.js';

/** How task state is polled. All times in milliseconds. */
export interface PollingOptions {
  /**
   * Never poll one task more often than this. Default 5000, the API's guidance ("consumers should
   * not expect updates more frequent than once every five seconds"); lower it for the simulator.
   */
  readonly minIntervalMs?: number;
  /** Never wait longer than this between two polls of a running task. Default 60_000. */
  readonly maxIntervalMs?: number;
  /** First poll after a create. Default `minIntervalMs`. */
  readonly initialDelayMs?: number;
  /** Backoff factor while PENDING/THROTTLED. Default 1.5. */
  readonly backoffFactor?: number;
  /**
   * After the last watcher leaves, keep the shared loop alive this long so a re-subscribe (a page
   * reload, an SSE reconnect) does not restart it. Default 2000.
   */
  readonly graceMs?: number;
}

/** Retries of requests that failed transiently. */
export interface RetryOptions {
  /** Attempts per request beyond the first. Default 4 for polls and deletes, 2 for creates the server refused. */
  readonly maxRetries?: number;
  /** First backoff. Default 500. */
  readonly baseDelayMs?: number;
  /** Backoff ceiling. Default 30_000. */
  readonly maxDelayMs?: number;
}

export interface RunwayClientOptions {
  /** Defaults to `process.env.RUNWAYML_API_SECRET`. */
  readonly apiKey?: string;
  /** Defaults to `process.env.RUNWAYML_BASE_URL`, then `https://api.dev.runwayml.com`. */
  readonly baseUrl?: string;
  /** The `X-Runway-Version` header. Default `2024-11-06`. */
  readonly apiVersion?: string;
  /** Timeout of one HTTP request. Default 30_000. */
  readonly timeoutMs?: number;
  /** An undici dispatcher (Agent, Pool, MockAgent, ProxyAgent). Default: a keep-alive Agent owned by the client. */
  readonly dispatcher?: Dispatcher;
  readonly polling?: PollingOptions;
  readonly retry?: RetryOptions;
  /**
   * Tasks in flight (from submission to a terminal state), in total or per model. Tasks beyond it
   * wait in the client's queue as QUEUED. Default 2 per model (Runway's Tier 1).
   */
  readonly concurrency?: number | Readonly<Record<string, number>>;
  /** A token bucket over all API requests (creates, polls, deletes). Default 10. */
  readonly requestsPerSecond?: number;
  /** Concurrency caps per queue key (a user, a guild). Default: none beyond the model's. */
  readonly queueKeyConcurrency?: number | ((queueKey: string) => number | undefined);
  /** Extra headers on every request (never logged). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface SubmitOptions {
  /** Aborting stops polling at once (mid-wait and mid-request) and cancels the task at Runway. */
  readonly signal?: AbortSignal;
  /** Cancel the task at Runway when the last subscriber leaves. Default false. */
  readonly cancelOnUnsubscribe?: boolean;
  /** A whole-task deadline: the stream errors with `TimeoutError` (the task is not cancelled unless asked). */
  readonly timeoutMs?: number;
  /** Fair queueing: tasks of different keys take turns. Default `'default'`. */
  readonly queueKey?: string;
  /** Higher first, within a queue key. Default 0. */
  readonly priority?: number;
  /**
   * When the organization's daily limit is spent (a 429 with a long Retry-After), wait for it
   * instead of failing with a `RateLimitError`. Default false.
   */
  readonly waitForDailyQuota?: boolean;
}

export interface WatchOptions {
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

/** The outcome of `cancel(id)`. */
export type CancelResult =
  /** The task was PENDING, THROTTLED or RUNNING and is now CANCELLED. */
  | 'cancelled'
  /** The task had finished; Runway deleted it. */
  | 'deleted'
  /** No such task (never existed, or already deleted). */
  | 'not_found';

/**
 * A task's lifecycle as an Observable that is also async-iterable. It is hot once subscribed:
 * later subscribers share the same task and receive the latest state at once.
 */
export interface TaskStream<T = TaskEvent> extends Observable<T>, AsyncIterable<T> {}

export type SucceededSnapshot = TaskSnapshot & {
  readonly status: 'SUCCEEDED';
  readonly output: readonly string[];
};

/** One method per task type, named from the registry: `textToVideo`, `imageToVideo`, … */
export type TaskMethods = {
  readonly [T in TaskType as TaskTypes[T]['method']]: (
    input: TaskInput<T>,
    options?: SubmitOptions,
  ) => TaskStream<TaskEvent>;
};

/** A read-only view of the scheduler, for dashboards. */
export interface SchedulerState {
  /** Tasks submitted and not yet terminal, per model. */
  readonly inFlight: Readonly<Record<string, number>>;
  /** Tasks waiting in the client's queue, per queue key. */
  readonly queued: Readonly<Record<string, number>>;
  /** The request rate currently allowed (lowered after 429s, climbing back). */
  readonly requestsPerSecond: number;
  /** The create rate currently allowed (lowered after 429s on create, climbing back). */
  readonly createsPerSecond: number;
}

export interface SchedulerView {
  readonly state: SchedulerState;
  readonly state$: Observable<SchedulerState>;
}

export interface RunwayClient extends TaskMethods {
  /** Validates, queues and submits a task; the stream submits on its first subscription, once. */
  submit<T extends TaskType>(type: T, input: TaskInput<T>, options?: SubmitOptions): TaskStream<TaskEvent>;
  /** The lifecycle of any task id; all watchers of one id share one poll loop. */
  watch(id: string, options?: WatchOptions): TaskStream<TaskSnapshot>;
  /** The latest known snapshot of a watched task, without a request. */
  peek(id: string): TaskSnapshot | undefined;
  /** One GET of a task's state. */
  retrieve(id: string, options?: { signal?: AbortSignal }): Promise<TaskSnapshot>;
  /** Cancels a running task or deletes a finished one. */
  cancel(id: string, options?: { signal?: AbortSignal }): Promise<CancelResult>;
  /** Submits and resolves with the SUCCEEDED snapshot; rejects with `TaskFailedError` on FAILED/CANCELLED. */
  run<T extends TaskType>(type: T, input: TaskInput<T>, options?: SubmitOptions): Promise<SucceededSnapshot>;
  readonly scheduler: SchedulerView;
  /** Where requests go (never includes the key). */
  readonly baseUrl: string;
  /** Stops every poll loop and closes the client's own connection pool. */
  close(): Promise<void>;
}

export type { ModelName, TaskInput, TaskType };
