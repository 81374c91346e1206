import type { Subscriber, Subscription } from 'rxjs';
import {
  AbortError,
  isApiError,
  isRateLimitError,
  MalformedResponseError,
  NetworkError,
  RateLimitError,
  TimeoutError,
} from '../errors.js';
import type { TaskType } from '../schema/registry.js';
import { CreateTaskResponseSchema, type TaskEvent, type TaskSnapshot } from '../schema/task.js';
import type { RunwayHttp } from './http.js';
import type { TaskHub } from './hub.js';
import type { PollingPolicy } from './polling.js';
import type { RateLimiter } from './rate-limiter.js';
import type { Scheduler } from './scheduler.js';
import { TaskStreamObservable } from './stream.js';
import { type BackoffOptions, backoffDelay, sleep } from './timing.js';
import type { SubmitOptions } from './types.js';

/** A 429 asking to wait longer than this on a create means the daily quota is spent, not a burst. */
export const DAILY_QUOTA_THRESHOLD_MS = 60_000;
/** Creates retried after a 429 (short Retry-After) before giving up. */
const MAX_RATE_LIMITED_CREATES = 10;

export interface SubmissionContext {
  readonly http: RunwayHttp;
  /**
   * Paces creates on their own (on top of the request limiter): halved on a create's 429 and held
   * for its `Retry-After`, so a burst of queued creates does not meet a wall of 429s.
   */
  readonly createPacer: RateLimiter;
  readonly hub: TaskHub;
  readonly scheduler: Scheduler;
  readonly polling: PollingPolicy;
  readonly retry: BackoffOptions & { readonly maxCreateRetries: number };
  /** Cancels a task in the background; the client awaits these on close. */
  readonly cancelInBackground: (id: string) => void;
  /** Background work the client's close() waits for. */
  readonly track: (work: Promise<unknown>) => void;
}

type Phase = 'idle' | 'queued' | 'creating' | 'created' | 'done' | 'failed';

/** Whether a failed create certainly created nothing, so sending it again cannot pay twice. */
function refused(error: unknown): boolean {
  if (error instanceof NetworkError) return !error.requestMayHaveReachedServer;
  return isApiError(error) && error.status === 503;
}

/** Whether a failed create may have created a task that we could not learn the id of. */
function outcomeUnknown(error: unknown): boolean {
  if (error instanceof NetworkError) return error.requestMayHaveReachedServer;
  if (error instanceof TimeoutError || error instanceof MalformedResponseError) return true;
  return isApiError(error) && error.status >= 500;
}

const sameState = (a: TaskEvent | undefined, b: TaskEvent) =>
  a !== undefined &&
  a.status === b.status &&
  (a.status === 'QUEUED'
    ? a.queuePosition === (b as typeof a).queuePosition
    : a.wireStatus === (b as TaskSnapshot).wireStatus && a.progress === (b as TaskSnapshot).progress);

/**
 * One submitted task: validated input waiting in the scheduler, then created (once, ever), then
 * followed through the hub. Its stream is hot and shared: every subscriber sees the latest state
 * at once, and only the first subscription submits.
 *
 * When the last subscriber leaves, a task still waiting in the client's queue is dropped without
 * any request; a created task stops being polled (and is cancelled when `cancelOnUnsubscribe`).
 */
export class Submission {
  readonly stream: TaskStreamObservable<TaskEvent>;
  readonly #ctx: SubmissionContext;
  readonly #type: TaskType;
  readonly #body: { readonly model: string };
  readonly #options: SubmitOptions;
  readonly #subscribers = new Set<Subscriber<TaskEvent>>();
  #phase: Phase = 'idle';
  #latest: TaskEvent | undefined;
  #id: string | undefined;
  #error: unknown;
  #removeFromQueue: (() => boolean) | undefined;
  #releaseSlot: (() => void) | undefined;
  #following: Subscription | undefined;
  #deadline: ReturnType<typeof setTimeout> | undefined;
  #onAbort: (() => void) | undefined;

  constructor(
    ctx: SubmissionContext,
    type: TaskType,
    body: { readonly model: string },
    options: SubmitOptions,
  ) {
    this.#ctx = ctx;
    this.#type = type;
    this.#body = body;
    this.#options = options;
    this.stream = new TaskStreamObservable<TaskEvent>((subscriber) => this.#attach(subscriber));
  }

  #attach(subscriber: Subscriber<TaskEvent>): () => void {
    if (this.#latest) subscriber.next(this.#latest);
    if (this.#phase === 'done') subscriber.complete();
    if (this.#phase === 'failed') subscriber.error(this.#error);
    if (this.#phase === 'done' || this.#phase === 'failed') return () => {};
    this.#subscribers.add(subscriber);
    if (this.#subscribers.size === 1) this.#activate();
    return () => {
      if (this.#subscribers.delete(subscriber) && this.#subscribers.size === 0) this.#deactivate();
    };
  }

  #activate(): void {
    const { signal, timeoutMs } = this.#options;
    if (signal && !this.#onAbort) {
      this.#onAbort = () => this.#abort();
      signal.addEventListener('abort', this.#onAbort, { once: true });
      if (signal.aborted) {
        this.#abort();
        return;
      }
    }
    if (timeoutMs !== undefined && this.#deadline === undefined) {
      this.#deadline = setTimeout(() => {
        const id = this.#id;
        this.#fail(
          new TimeoutError(
            `The task did not finish within ${timeoutMs} ms${id ? ` (task ${id} is still at Runway)` : ''}`,
            { timeoutMs, taskId: id },
          ),
        );
      }, timeoutMs);
    }
    if (this.#phase === 'idle') this.#enqueue();
    else if (this.#phase === 'created') this.#follow();
  }

  #deactivate(): void {
    if (this.#phase === 'queued') {
      this.#removeFromQueue?.();
      this.#removeFromQueue = undefined;
      this.#phase = 'idle';
      this.#latest = undefined;
    } else if (this.#phase === 'created') {
      this.#unfollow();
      if (this.#options.cancelOnUnsubscribe && this.#id) this.#ctx.cancelInBackground(this.#id);
    }
    this.#clearDeadline();
  }

  #enqueue(): void {
    this.#phase = 'queued';
    const { queueKey = 'default', priority = 0, waitForDailyQuota = false } = this.#options;
    this.#removeFromQueue = this.#ctx.scheduler.enqueue({
      model: this.#body.model,
      queueKey,
      priority,
      waitWhenPaused: waitForDailyQuota,
      onPosition: (queuePosition) => {
        if (this.#phase !== 'queued') return;
        this.#emit({
          status: 'QUEUED',
          queuePosition,
          queueKey,
          model: this.#body.model,
          taskType: this.#type,
        });
      },
      onReject: (error) => this.#fail(error),
      run: () =>
        new Promise<void>((release) => {
          this.#removeFromQueue = undefined;
          this.#releaseSlot = release;
          // The client's close() waits for creates on the wire: their tasks must not be lost.
          this.#ctx.track(this.#create());
        }),
    });
  }

  async #create(): Promise<void> {
    this.#phase = 'creating';
    let id: string;
    let estimatedCost: { credits: number } | undefined;
    try {
      ({ id, estimatedCost } = await this.#send());
    } catch (error) {
      this.#fail(error);
      return;
    }
    this.#id = id;
    const snapshot: TaskSnapshot = {
      id,
      status: 'PENDING',
      wireStatus: 'PENDING',
      model: this.#body.model,
      taskType: this.#type,
      ...(estimatedCost ? { estimatedCost: { credits: estimatedCost.credits } } : {}),
    };
    this.#ctx.hub.publish(snapshot, { nextPollAt: Date.now() + this.#ctx.polling.initialDelayMs });
    if (this.#phase !== 'creating') {
      // Aborted or timed out while the create was on the wire. The task exists now: the hub keeps
      // its id (peek), and an abort cancels it.
      if (this.#options.signal?.aborted) this.#ctx.cancelInBackground(id);
      return;
    }
    this.#phase = 'created';
    this.#emit(snapshot);
    if (this.#subscribers.size > 0) this.#follow();
    else {
      this.#releaseSlot?.();
      if (this.#options.cancelOnUnsubscribe) this.#ctx.cancelInBackground(id);
    }
  }

  /** Sends the create, retrying only what the server certainly refused. */
  async #send(): Promise<{ id: string; estimatedCost?: { credits: number } | undefined }> {
    const { http, createPacer, scheduler, retry } = this.#ctx;
    const { signal, waitForDailyQuota } = this.#options;
    const path = `/v1/${this.#type}`;
    let refusals = 0;
    let rateLimited = 0;
    for (;;) {
      try {
        const release = await createPacer.acquire(signal);
        let response: Awaited<ReturnType<RunwayHttp['send']>>;
        try {
          response = await http.send('POST', path, { body: this.#body, acquireSignal: signal });
          release(true);
        } catch (error) {
          release(!isRateLimitError(error));
          throw error;
        }
        const parsed = CreateTaskResponseSchema.safeParse(response.body);
        if (!parsed.success) {
          throw new MalformedResponseError(`POST ${path} answered without a task id`, {
            body: response.body,
            cause: parsed.error,
          });
        }
        return parsed.data;
      } catch (error) {
        if (signal?.aborted) throw error;
        if (isRateLimitError(error)) {
          const wait = error.retryAfter ?? backoffDelay(rateLimited, retry);
          if (wait < DAILY_QUOTA_THRESHOLD_MS) {
            // A rate, not a quota: every create waits out the Retry-After, then goes slower.
            if (++rateLimited > MAX_RATE_LIMITED_CREATES) throw error;
            createPacer.penalize();
            createPacer.holdUntil(Date.now() + wait);
            continue;
          }
          const quota = new RateLimitError(
            `Runway's generation limit for ${this.#body.model} is spent; retry after ${new Date(Date.now() + wait).toISOString()}`,
            { status: 429, body: error.body, method: 'POST', path, retryAfter: wait, cause: error },
          );
          scheduler.pause(this.#body.model, Date.now() + wait, quota);
          if (!waitForDailyQuota) throw quota;
          await sleep(wait, signal);
          continue;
        }
        if (refused(error) && refusals < retry.maxCreateRetries) {
          await sleep(backoffDelay(refusals++, retry), signal);
          continue;
        }
        if (outcomeUnknown(error)) {
          throw new NetworkError(
            `POST ${path} failed after it may have reached Runway, so it was not sent again: a task may ` +
              `exist and spend credits. Check your recent tasks before submitting again. (${(error as Error).message})`,
            { method: 'POST', path, requestMayHaveReachedServer: true, cause: error },
          );
        }
        throw error;
      }
    }
  }

  #follow(): void {
    if (this.#following || !this.#id) return;
    this.#following = this.#ctx.hub.watch(this.#id).subscribe({
      next: (snapshot) => this.#emit(snapshot),
      error: (error: unknown) => this.#fail(error),
      complete: () => this.#finish(),
    });
  }

  #unfollow(): void {
    this.#following?.unsubscribe();
    this.#following = undefined;
    // Nobody follows the task any more: its slot goes to the next task in line.
    this.#releaseSlot?.();
    this.#releaseSlot = undefined;
  }

  #emit(event: TaskEvent): void {
    if (sameState(this.#latest, event)) return;
    this.#latest = event;
    for (const subscriber of [...this.#subscribers]) subscriber.next(event);
  }

  #finish(): void {
    this.#settle('done');
    for (const subscriber of this.#drain()) subscriber.complete();
  }

  #fail(error: unknown): void {
    if (this.#phase === 'done' || this.#phase === 'failed') return;
    this.#error = error;
    this.#settle('failed');
    for (const subscriber of this.#drain()) subscriber.error(error);
  }

  #abort(): void {
    const id = this.#id;
    const phase = this.#phase;
    if (phase === 'done' || phase === 'failed') return;
    this.#fail(new AbortError(id ? `Aborted; task ${id} is being cancelled` : 'Aborted', { taskId: id }));
    // A create still on the wire is not cut off (that could leave a task nobody knows of):
    // #create cancels the task as soon as its id arrives.
    if (phase === 'created' && id) this.#ctx.cancelInBackground(id);
  }

  #settle(phase: 'done' | 'failed'): void {
    this.#phase = phase;
    this.#removeFromQueue?.();
    this.#removeFromQueue = undefined;
    this.#following?.unsubscribe();
    this.#following = undefined;
    this.#releaseSlot?.();
    this.#releaseSlot = undefined;
    this.#clearDeadline();
    if (this.#onAbort) this.#options.signal?.removeEventListener('abort', this.#onAbort);
  }

  #drain(): Subscriber<TaskEvent>[] {
    const subscribers = [...this.#subscribers];
    this.#subscribers.clear();
    return subscribers;
  }

  #clearDeadline(): void {
    clearTimeout(this.#deadline);
    this.#deadline = undefined;
  }
}
