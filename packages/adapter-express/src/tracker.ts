import { randomBytes } from 'node:crypto';
import {
  type CancelResult,
  isAbortError,
  type RunwayClient,
  type TaskEvent,
  type TaskInput,
  type TaskType,
} from '@runway-rx/core';
import {
  catchError,
  concat,
  defer,
  EMPTY,
  filter,
  finalize,
  map,
  type Observable,
  of,
  ReplaySubject,
  type Subscription,
  share,
} from 'rxjs';
import { type HttpError, toHttpError } from './http-error.js';
import type { TaskOwnership, TaskStore } from './store.js';
import { isFinalView, type TaskErrorView, type TaskView } from './view.js';

/**
 * One state of a task as the router numbers it; `version` is the SSE event id and `data` the
 * JSON of the view (or error), serialised once however many streams carry it.
 */
export type TaskUpdate =
  | { readonly kind: 'task'; readonly version: number; readonly view: TaskView; readonly data: string }
  | {
      readonly kind: 'error';
      readonly version: number;
      readonly error: TaskErrorView;
      readonly data: string;
      readonly httpError: HttpError;
    };

/** Whether nothing follows this update: a final state, or the router gave up on the task. */
export const isFinalUpdate = (update: TaskUpdate): boolean =>
  update.kind === 'error' || isFinalView(update.view);

/**
 * Versions of task states, shared by every task of a router: `max(previous + 1, now in ms)`.
 * They increase along every stream, a multi-task stream included (so one `Last-Event-ID` says
 * what a client has of every task in it), and a restarted or different instance numbers later
 * states higher than earlier ones, so a resume may repeat a state but never skips one.
 */
export class VersionClock {
  #last = 0;

  next(): number {
    this.#last = Math.max(this.#last + 1, Date.now());
    return this.#last;
  }
}

const HANDLE_PREFIX = 'q_';

/** Whether `ref` is a router handle rather than a Runway id. */
export const isHandle = (ref: string): boolean => ref.startsWith(HANDLE_PREFIX);

/** A fresh router handle: `q_` and 16 url-safe random characters. */
export function newHandle(): string {
  return HANDLE_PREFIX + randomBytes(12).toString('base64url');
}

/** The view of a core event: public fields only (a queue key, say, is the server's business). */
export function toView(event: TaskEvent, handle: string | undefined): TaskView {
  const withHandle = handle === undefined ? {} : { handle };
  if (event.status === 'QUEUED') {
    return {
      id: handle ?? '',
      ...withHandle,
      status: 'QUEUED',
      queuePosition: event.queuePosition,
      ...(event.taskType !== undefined ? { taskType: event.taskType } : {}),
      ...(event.model !== undefined ? { model: event.model } : {}),
    };
  }
  const view: { -readonly [K in keyof TaskView]: TaskView[K] } = {
    id: event.id,
    ...withHandle,
    status: event.status,
    wireStatus: event.wireStatus,
  };
  if (event.taskType !== undefined) view.taskType = event.taskType;
  if (event.model !== undefined) view.model = event.model;
  if (event.createdAt !== undefined) view.createdAt = event.createdAt;
  if (event.progress !== undefined) view.progress = event.progress;
  if (event.output !== undefined) view.output = [...event.output];
  if (event.failure !== undefined) view.failure = event.failure;
  if (event.failureCode !== undefined) view.failureCode = event.failureCode;
  if (event.estimatedCost !== undefined) view.estimatedCost = { credits: event.estimatedCost.credits };
  if (event.cost !== undefined) view.cost = { credits: event.cost.credits };
  return view;
}

/** A task the router follows: its owner, its ids, its latest numbered state and their stream. */
export abstract class TrackedTask {
  readonly principal: string;
  readonly handle: string | undefined;
  /** Every state from now on: the latest first, completing after a final one. Never errors. */
  abstract readonly updates: Observable<TaskUpdate>;
  protected runway: string | undefined;
  #latest: TaskUpdate | undefined;
  #latestJson = '';
  readonly #clock: VersionClock;
  /** When the task was last in use (for the tracker's sweep). */
  lastActive = Date.now();
  /** Rewrites output URLs before they are shown (the router's `outputUrl` option). */
  outputUrl: ((url: string) => string) | undefined;

  constructor(clock: VersionClock, ownership: TaskOwnership) {
    this.#clock = clock;
    this.principal = ownership.principal;
    this.handle = ownership.handle;
    this.runway = ownership.runwayId;
  }

  /** The Runway id when known, else the handle. */
  get id(): string {
    return this.runway ?? this.handle ?? '';
  }

  get runwayId(): string | undefined {
    return this.runway;
  }

  get latest(): TaskUpdate | undefined {
    return this.#latest;
  }

  get final(): boolean {
    return this.#latest !== undefined && isFinalUpdate(this.#latest);
  }

  /** The latest view, or what is known before any state arrived. */
  get view(): TaskView {
    const latest = this.#latest;
    if (latest?.kind === 'task') return latest.view;
    return { id: this.id, ...(this.handle ? { handle: this.handle } : {}), status: 'QUEUED' };
  }

  /** Cancels the task (or, when it is finished, deletes it at Runway). */
  abstract cancel(): Promise<CancelResult>;

  /** The current view, asking Runway when nothing here keeps it fresh. */
  abstract current(): Promise<TaskUpdate | undefined>;

  /** Numbers a new state; `undefined` when it shows nothing new. */
  protected record(original: TaskView): TaskUpdate | undefined {
    if (this.final) return undefined;
    const rewrite = this.outputUrl;
    const view =
      rewrite && original.output ? { ...original, output: original.output.map(rewrite) } : original;
    const json = JSON.stringify(view);
    if (json === this.#latestJson) return undefined;
    this.#latestJson = json;
    this.#latest = { kind: 'task', version: this.#clock.next(), view, data: json };
    return this.#latest;
  }

  /** Numbers the router's giving up on the task. */
  protected recordError(error: unknown): TaskUpdate | undefined {
    if (this.final) return undefined;
    const httpError = toHttpError(error);
    const info: TaskErrorView = {
      id: this.id,
      ...(this.handle ? { handle: this.handle } : {}),
      error: httpError.code,
      message: httpError.message,
    };
    this.#latest = {
      kind: 'error',
      version: this.#clock.next(),
      error: info,
      data: JSON.stringify(info),
      httpError,
    };
    return this.#latest;
  }
}

interface SubmittedTaskHooks {
  /** The Runway id became known. */
  readonly identified: (task: SubmittedTask) => void;
  /** The task reached a final state (or failed to be submitted). */
  readonly settled: (task: SubmittedTask) => void;
}

/**
 * A task submitted through the router. The router follows it to its final state whoever watches:
 * that subscription holds its place in the client's queue and then its concurrency slot, as the
 * scheduler intends; SSE streams share it.
 */
export class SubmittedTask extends TrackedTask {
  readonly #subject = new ReplaySubject<TaskUpdate>(1);
  readonly updates: Observable<TaskUpdate> = this.#subject.asObservable();
  readonly #abort = new AbortController();
  readonly #client: RunwayClient;
  readonly #hooks: SubmittedTaskHooks;
  #subscription: Subscription | undefined;
  #cancelledHere = false;
  #settled = false;
  /** Settles when the ownership of the Runway id is stored. */
  stored: Promise<void> = Promise.resolve();

  constructor(
    clock: VersionClock,
    client: RunwayClient,
    ownership: TaskOwnership & { readonly handle: string },
    hooks: SubmittedTaskHooks,
  ) {
    super(clock, ownership);
    this.#client = client;
    this.#hooks = hooks;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Starts following the submission's stream (which submits it). */
  follow(stream: Observable<TaskEvent>, first: { taskType: string; model: string }): void {
    this.#push(this.record({ id: this.id, handle: this.handle as string, status: 'QUEUED', ...first }));
    this.#subscription = stream.subscribe({
      next: (event) => {
        if (event.status !== 'QUEUED' && this.runway === undefined) {
          this.runway = event.id;
          this.#hooks.identified(this);
        }
        this.#push(this.record(toView(event, this.handle)));
      },
      error: (error: unknown) => {
        if (this.#cancelledHere && isAbortError(error)) {
          // Cancelled while still in the server's queue (or its create on the wire, which the
          // client cancels at Runway as soon as the id arrives).
          const { queuePosition: _position, ...rest } = this.view;
          this.#push(this.record({ ...rest, status: 'CANCELLED' }));
        } else {
          this.#push(this.recordError(error));
        }
      },
      complete: () => this.#settle(),
    });
  }

  async cancel(): Promise<CancelResult> {
    if (this.runway !== undefined) return this.#client.cancel(this.runway);
    if (this.final) return 'not_found';
    this.#cancelledHere = true;
    this.#abort.abort();
    return 'cancelled';
  }

  async current(): Promise<TaskUpdate | undefined> {
    return this.latest;
  }

  /** Stops following (the router closes). The task itself is left alone. */
  stop(): void {
    this.#settled = true;
    this.#subscription?.unsubscribe();
    this.#subject.complete();
  }

  #push(update: TaskUpdate | undefined): void {
    if (!update) return;
    this.lastActive = Date.now();
    this.#subject.next(update);
    if (isFinalUpdate(update)) this.#settle();
  }

  #settle(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#subject.complete();
    this.#hooks.settled(this);
  }
}

/**
 * A task the router did not submit in this process (another instance did, or its record was
 * retired): followed through `client.watch`, only while someone watches, so the shared poll
 * stops when nobody does.
 */
export class WatchedTask extends TrackedTask {
  readonly updates: Observable<TaskUpdate>;
  readonly #client: RunwayClient;
  /** Open subscriptions to `updates`. */
  watchers = 0;

  constructor(clock: VersionClock, client: RunwayClient, ownership: TaskOwnership & { runwayId: string }) {
    super(clock, ownership);
    this.#client = client;
    const runwayId = ownership.runwayId;
    const changes = defer(() => client.watch(runwayId)).pipe(
      map((snapshot) => this.record(toView(snapshot, this.handle))),
      catchError((error: unknown) => of(this.recordError(error))),
      filter((update): update is TaskUpdate => update !== undefined),
      share(),
    );
    this.updates = defer(() => {
      this.watchers += 1;
      const first = this.latest;
      const later =
        first && isFinalUpdate(first)
          ? EMPTY
          : changes.pipe(filter((update) => first === undefined || update.version > first.version));
      return concat(first ? of(first) : EMPTY, later).pipe(
        finalize(() => {
          this.watchers -= 1;
          this.lastActive = Date.now();
        }),
      );
    });
  }

  cancel(): Promise<CancelResult> {
    return this.#client.cancel(this.runway as string);
  }

  async current(): Promise<TaskUpdate | undefined> {
    if (this.final || this.watchers > 0) return this.latest;
    // Nobody watches, so nothing keeps the latest state fresh: one GET.
    try {
      this.record(toView(await this.#client.retrieve(this.runway as string), this.handle));
    } catch (error) {
      throw toHttpError(error);
    }
    return this.latest;
  }
}

export interface TaskTrackerOptions {
  readonly client: RunwayClient;
  readonly store: TaskStore;
  /** Rewrites output URLs before they are shown. */
  readonly outputUrl?: ((url: string) => string) | undefined;
  /** How long a finished task's record stays for streams and lookups. Default 10 min. */
  readonly retentionMs?: number;
  /** Told about failures of the store. */
  readonly report?: ((error: unknown) => void) | undefined;
}

/**
 * The tasks this router follows, by handle and by Runway id, with their owners; and how many each
 * principal has in flight. Ownership goes to the `TaskStore`, so another instance can serve them.
 */
export class TaskTracker {
  readonly #client: RunwayClient;
  readonly #store: TaskStore;
  readonly #report: ((error: unknown) => void) | undefined;
  readonly #outputUrl: ((url: string) => string) | undefined;
  readonly #clock = new VersionClock();
  readonly #tasks = new Map<string, TrackedTask>();
  readonly #inFlight = new Map<string, number>();
  readonly #retentionMs: number;
  readonly #sweep: ReturnType<typeof setInterval>;

  constructor(options: TaskTrackerOptions) {
    this.#client = options.client;
    this.#store = options.store;
    this.#report = options.report;
    this.#outputUrl = options.outputUrl;
    this.#retentionMs = options.retentionMs ?? 600_000;
    this.#sweep = setInterval(() => this.#forgetIdle(), Math.min(60_000, Math.max(1000, this.#retentionMs)));
    this.#sweep.unref?.();
  }

  /** Tasks `principal` submitted here that are not final yet. */
  inFlight(principal: string): number {
    return this.#inFlight.get(principal) ?? 0;
  }

  /** Submits a validated input for `principal` and follows it. */
  async submit(
    type: TaskType,
    input: { readonly model: string },
    options: { readonly principal: string; readonly queueKey: string },
  ): Promise<SubmittedTask> {
    const handle = newHandle();
    await this.#store.set(handle, { principal: options.principal, handle });
    const task = new SubmittedTask(
      this.#clock,
      this.#client,
      { principal: options.principal, handle },
      {
        identified: (identified) => this.#identified(identified),
        settled: (settled) => this.#settled(settled),
      },
    );
    task.outputUrl = this.#outputUrl;
    this.#tasks.set(handle, task);
    this.#inFlight.set(options.principal, this.inFlight(options.principal) + 1);
    // `input` passed the registry's validation for `type`; the type system cannot tie a runtime
    // task type to its input type, hence the cast.
    const valid = input as TaskInput<typeof type>;
    const stream = this.#client.submit(type, valid, { queueKey: options.queueKey, signal: task.signal });
    task.follow(stream, { taskType: type, model: input.model });
    return task;
  }

  /**
   * The task a handle or Runway id names: followed here, or known to the store (then watched
   * through the client). `undefined` when unknown. With `anyTask`, a Runway id the router never
   * saw is watched too (owner unknown).
   */
  async resolve(ref: string, anyTask = false): Promise<TrackedTask | undefined> {
    const local = this.#tasks.get(ref);
    if (local) return local;
    const ownership =
      (await this.#store.get(ref)) ??
      (anyTask && !isHandle(ref) ? { principal: '', runwayId: ref } : undefined);
    if (!ownership?.runwayId) return undefined;
    // The store may have answered while another request adopted the same task.
    const existing = this.#tasks.get(ownership.runwayId) ?? this.#tasks.get(ref);
    if (existing) return existing;
    const task = new WatchedTask(this.#clock, this.#client, { ...ownership, runwayId: ownership.runwayId });
    task.outputUrl = this.#outputUrl;
    this.#tasks.set(ownership.runwayId, task);
    if (ownership.handle) this.#tasks.set(ownership.handle, task);
    return task;
  }

  /** Stops following every task (the tasks themselves go on at Runway). */
  close(): void {
    clearInterval(this.#sweep);
    for (const task of new Set(this.#tasks.values())) if (task instanceof SubmittedTask) task.stop();
    this.#tasks.clear();
    this.#inFlight.clear();
  }

  #identified(task: SubmittedTask): void {
    const runwayId = task.runwayId as string;
    this.#tasks.set(runwayId, task);
    const ownership: TaskOwnership = { principal: task.principal, handle: task.handle as string, runwayId };
    task.stored = (async () => {
      await this.#store.set(runwayId, ownership);
      await this.#store.set(ownership.handle as string, ownership);
    })().catch((error: unknown) => this.#report?.(error));
  }

  #settled(task: SubmittedTask): void {
    const left = this.inFlight(task.principal) - 1;
    if (left > 0) this.#inFlight.set(task.principal, left);
    else this.#inFlight.delete(task.principal);
  }

  /** Forgets final tasks past the retention time, and watched ones nobody used for as long. */
  #forgetIdle(): void {
    const cutoff = Date.now() - this.#retentionMs;
    for (const [ref, task] of this.#tasks) {
      const idle = task.lastActive < cutoff;
      const unwatched = task instanceof WatchedTask && task.watchers === 0;
      if (idle && (task.final || unwatched)) this.#tasks.delete(ref);
    }
  }
}
