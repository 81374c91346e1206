import { filter, lastValueFrom } from 'rxjs';
import type { Dispatcher } from 'undici';
import {
  AbortError,
  AuthenticationError,
  isApiError,
  isRateLimitError,
  MalformedResponseError,
  NetworkError,
  TaskFailedError,
  TimeoutError,
} from '../errors.js';
import { TASK_TYPE_NAMES, TASK_TYPES, type TaskInput, type TaskType } from '../schema/registry.js';
import { isTerminal, normalizeTask, type TaskEvent, type TaskSnapshot } from '../schema/task.js';
import { validateTaskInput } from '../schema/validate.js';
import { createDefaultDispatcher, RunwayHttp } from './http.js';
import { InMemoryTaskHub, type TaskHub } from './hub.js';
import { DEFAULT_POLLING, type PollingPolicy } from './polling.js';
import { RateLimiter } from './rate-limiter.js';
import { Scheduler } from './scheduler.js';
import { TaskStreamObservable, withDeadline } from './stream.js';
import { Submission, type SubmissionContext } from './submission.js';
import { backoffDelay, sleep } from './timing.js';
import type {
  CancelResult,
  RunwayClient,
  RunwayClientOptions,
  SubmitOptions,
  SucceededSnapshot,
  TaskStream,
  WatchOptions,
} from './types.js';

export const DEFAULT_BASE_URL = 'https://api.dev.runwayml.com';
export const DEFAULT_API_VERSION = '2024-11-06';
export const DEFAULT_REQUESTS_PER_SECOND = 10;
const DEFAULT_TIMEOUT_MS = 30_000;

const TASK_ID = /^[A-Za-z0-9_-]{1,128}$/;

function env(name: string): string | undefined {
  const value = typeof process === 'undefined' ? undefined : process.env[name];
  return value && value.length > 0 ? value : undefined;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
    throw new RangeError(`${name} must be a non-negative number of milliseconds, got ${String(value)}`);
  }
  return value;
}

function resolvePolling(options: RunwayClientOptions['polling']): PollingPolicy {
  const minIntervalMs = positive(
    'polling.minIntervalMs',
    options?.minIntervalMs,
    DEFAULT_POLLING.minIntervalMs,
  );
  const maxIntervalMs = positive(
    'polling.maxIntervalMs',
    options?.maxIntervalMs,
    Math.max(DEFAULT_POLLING.maxIntervalMs, minIntervalMs),
  );
  if (maxIntervalMs < minIntervalMs) {
    throw new RangeError('polling.maxIntervalMs must be at least polling.minIntervalMs');
  }
  return {
    minIntervalMs,
    maxIntervalMs,
    initialDelayMs: positive('polling.initialDelayMs', options?.initialDelayMs, minIntervalMs),
    backoffFactor: options?.backoffFactor ?? DEFAULT_POLLING.backoffFactor,
    graceMs: positive('polling.graceMs', options?.graceMs, DEFAULT_POLLING.graceMs),
  };
}

/** Whether a failed idempotent request (a GET, a DELETE) is worth sending again. */
function retryable(error: unknown): boolean {
  if (
    error instanceof NetworkError ||
    error instanceof TimeoutError ||
    error instanceof MalformedResponseError
  ) {
    return true;
  }
  return isApiError(error) && (error.status === 408 || error.status === 429 || error.status >= 500);
}

/**
 * Creates a client for the Runway API (or the local simulator).
 *
 * ```ts
 * const runway = createRunwayClient(); // RUNWAYML_API_SECRET, RUNWAYML_BASE_URL
 * runway.textToImage({ model: 'gen4_image', promptText: 'a lighthouse', ratio: '1920:1080' })
 *   .subscribe((task) => console.log(task.status, task.status === 'PROCESSING' ? task.progress : ''));
 * ```
 */
export function createRunwayClient(options: RunwayClientOptions = {}): RunwayClient {
  const apiKey = options.apiKey ?? env('RUNWAYML_API_SECRET');
  if (!apiKey) {
    throw new AuthenticationError(
      'No API key: pass { apiKey } or set RUNWAYML_API_SECRET (or run against @runway-rx/simulator).',
      { status: 401, method: 'POST', path: '' },
    );
  }
  const baseUrl = (options.baseUrl ?? env('RUNWAYML_BASE_URL') ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  const polling = resolvePolling(options.polling);
  const retry = {
    maxRetries: options.retry?.maxRetries ?? 4,
    maxCreateRetries: Math.min(options.retry?.maxRetries ?? 2, 2),
    baseDelayMs: positive('retry.baseDelayMs', options.retry?.baseDelayMs, 500),
    maxDelayMs: positive('retry.maxDelayMs', options.retry?.maxDelayMs, 30_000),
  };
  const ownDispatcher = options.dispatcher ? undefined : createDefaultDispatcher();
  const dispatcher: Dispatcher = options.dispatcher ?? (ownDispatcher as Dispatcher);
  const requestsPerSecond = options.requestsPerSecond ?? DEFAULT_REQUESTS_PER_SECOND;
  const limiter = new RateLimiter({ requestsPerSecond });
  // Creates climb back slowly after a 429: a refused create costs a round trip and a Retry-After.
  const createPacer = new RateLimiter({
    requestsPerSecond,
    increasePerSecond: Math.max(0.05, requestsPerSecond / 100),
    decreaseFactor: 0.75,
    smooth: true,
    untilComplete: false,
  });
  const http = new RunwayHttp({
    apiKey,
    baseUrl,
    apiVersion: options.apiVersion ?? DEFAULT_API_VERSION,
    timeoutMs: positive('timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS),
    dispatcher,
    limiter,
    headers: options.headers ?? {},
  });

  /** GET/DELETE with retries on transient failures (both are idempotent). */
  async function withRetries<T>(attempt: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    for (let failures = 0; ; failures++) {
      try {
        return await attempt();
      } catch (error) {
        if (signal?.aborted || !retryable(error) || failures >= retry.maxRetries) throw error;
        const retryAfter = isRateLimitError(error) ? (error.retryAfter ?? 0) : 0;
        await sleep(Math.max(retryAfter, backoffDelay(failures, retry)), signal);
      }
    }
  }

  const fetchTask = async (id: string, signal: AbortSignal | undefined): Promise<TaskSnapshot> => {
    const path = `/v1/tasks/${encodeURIComponent(id)}`;
    const response = await http.send('GET', path, { signal, taskId: id });
    return normalizeTask(response.body);
  };

  const hub: TaskHub = new InMemoryTaskHub({ fetch: fetchTask, polling, retry });
  const scheduler = new Scheduler({
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.queueKeyConcurrency !== undefined
      ? { queueKeyConcurrency: options.queueKeyConcurrency }
      : {}),
    rate: () => limiter.rate,
    createRate: () => createPacer.rate,
  });
  limiter.onRateChange(() => scheduler.refreshState());
  createPacer.onRateChange(() => scheduler.refreshState());

  const background = new Set<Promise<unknown>>();
  let closed = false;

  function assertOpen(): void {
    if (closed) throw new AbortError('The client is closed');
  }

  function assertTaskId(id: string): void {
    if (typeof id !== 'string' || !TASK_ID.test(id)) {
      throw new RangeError(`Not a task id: ${JSON.stringify(id)}`);
    }
  }

  async function cancel(id: string, cancelOptions: { signal?: AbortSignal } = {}): Promise<CancelResult> {
    assertOpen();
    assertTaskId(id);
    return cancelTask(id, cancelOptions);
  }

  /** DELETE of a task; also used while closing, for tasks whose create was still on the wire. */
  async function cancelTask(id: string, cancelOptions: { signal?: AbortSignal } = {}): Promise<CancelResult> {
    const path = `/v1/tasks/${encodeURIComponent(id)}`;
    const wasFinished = (() => {
      const latest = hub.peek(id);
      return latest !== undefined && isTerminal(latest);
    })();
    try {
      await withRetries(
        () => http.send('DELETE', path, { signal: cancelOptions.signal, taskId: id }),
        cancelOptions.signal,
      );
    } catch (error) {
      if (isApiError(error) && error.status === 404) return 'not_found';
      throw error;
    }
    // Watchers learn the CANCELLED state now rather than at their next scheduled poll.
    hub.refresh(id);
    return wasFinished ? 'deleted' : 'cancelled';
  }

  const context: SubmissionContext = {
    http,
    createPacer,
    hub,
    scheduler,
    polling,
    retry,
    cancelInBackground: (id) => track(cancelTask(id)),
    track,
  };

  function track(work: Promise<unknown>): void {
    const pending = work.catch(() => undefined);
    background.add(pending);
    void pending.finally(() => background.delete(pending));
  }

  function submit<T extends TaskType>(type: T, input: TaskInput<T>, submitOptions: SubmitOptions = {}) {
    let body: { model: string };
    try {
      assertOpen();
      body = validateTaskInput(type, input) as { model: string };
    } catch (error) {
      return new TaskStreamObservable<TaskEvent>((subscriber) => subscriber.error(error));
    }
    return new Submission(context, type, body, submitOptions).stream;
  }

  function watch(id: string, watchOptions: WatchOptions = {}): TaskStream<TaskSnapshot> {
    assertTaskId(id);
    const { signal, timeoutMs } = watchOptions;
    const source = withDeadline(
      hub.watch(id),
      timeoutMs,
      () =>
        new TimeoutError(`Task ${id} did not finish within ${timeoutMs} ms`, {
          timeoutMs: timeoutMs ?? 0,
          taskId: id,
        }),
    );
    return new TaskStreamObservable<TaskSnapshot>((subscriber) => {
      if (signal?.aborted) {
        subscriber.error(new AbortError('Aborted', { taskId: id }));
        return;
      }
      const onAbort = () => subscriber.error(new AbortError('Aborted', { taskId: id }));
      signal?.addEventListener('abort', onAbort, { once: true });
      const subscription = source.subscribe(subscriber);
      return () => {
        signal?.removeEventListener('abort', onAbort);
        subscription.unsubscribe();
      };
    });
  }

  async function run<T extends TaskType>(
    type: T,
    input: TaskInput<T>,
    runOptions: SubmitOptions = {},
  ): Promise<SucceededSnapshot> {
    const last = (await lastValueFrom(
      submit(type, input, runOptions).pipe(filter((event): event is TaskSnapshot => isTerminal(event))),
    )) as TaskSnapshot;
    if (last.status === 'SUCCEEDED') return last as SucceededSnapshot;
    const reason =
      last.status === 'FAILED' ? `failed: ${last.failure ?? 'no reason given'}` : 'was cancelled';
    throw new TaskFailedError(
      `Task ${last.id} ${reason}${last.failureCode ? ` (${last.failureCode})` : ''}`,
      {
        taskId: last.id,
        failure: last.failure,
        failureCode: last.failureCode,
        snapshot: last,
      },
    );
  }

  const methods = Object.fromEntries(
    TASK_TYPE_NAMES.map((type) => [
      TASK_TYPES[type].method,
      (input: TaskInput<typeof type>, submitOptions?: SubmitOptions) => submit(type, input, submitOptions),
    ]),
  );

  const client: RunwayClient = {
    ...(methods as unknown as Pick<RunwayClient, keyof typeof methods & keyof RunwayClient>),
    submit,
    watch,
    cancel,
    run,
    peek: (id) => hub.peek(id),
    retrieve: async (id, retrieveOptions = {}) => {
      assertOpen();
      assertTaskId(id);
      const snapshot = await withRetries(() => fetchTask(id, retrieveOptions.signal), retrieveOptions.signal);
      hub.publish(snapshot);
      return hub.peek(id) ?? snapshot;
    },
    scheduler: {
      get state() {
        return scheduler.state;
      },
      get state$() {
        return scheduler.state$;
      },
    },
    baseUrl,
    async close() {
      if (closed) return;
      closed = true;
      const reason = new AbortError('The client was closed');
      scheduler.close(reason);
      hub.close();
      // Creates on the wire finish (a task they made is cancelled if its caller had let go), and
      // cancels they start are waited for in turn: nothing is left running unknown.
      while (background.size > 0) await Promise.allSettled([...background]);
      limiter.close(reason);
      createPacer.close(reason);
      await ownDispatcher?.close();
    },
  } as RunwayClient;
  return client;
}
