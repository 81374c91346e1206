import { getTaskType, type OutputKind, type TaskType, type WireStatus } from '@runway-rx/core';
import { estimateCredits } from '../costs.js';
import { failsBeforeRunning, failureMessage, readMarkers } from '../failures.js';
import type { ResolvedOptions } from '../options.js';
import { deriveSeed, Random } from '../random.js';
import { EventHeap } from './heap.js';
import { progressAt, progressCurve } from './progress.js';

/** One state a task entered, and when (epoch ms). */
export interface TimelineEntry {
  readonly status: WireStatus;
  readonly at: number;
  /** Progress at that moment, for RUNNING (0) and SUCCEEDED (1). */
  readonly progress?: number;
}

/** What the simulator knows about a task: its wire state plus the internals tests and benchmarks read. */
export interface SimulatedTask {
  readonly id: string;
  /** Submission order, from 1. */
  readonly sequence: number;
  readonly taskType: TaskType;
  readonly model: string;
  /** The short id of the API key that created it (never the key itself). */
  readonly keyId: string;
  readonly status: WireStatus;
  /** ISO 8601, UTC. */
  readonly createdAt: string;
  /** Epoch ms of the create. */
  readonly submittedAt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  /** Current progress while RUNNING. */
  readonly progress?: number;
  /** Whether the task was ever THROTTLED. */
  readonly throttled: boolean;
  /** Scaled durations drawn for it, in wall-clock ms. */
  readonly queueMs: number;
  readonly runMs: number;
  readonly estimatedCredits: number;
  readonly costCredits?: number;
  readonly failure?: string;
  readonly failureCode?: string;
  /** The kind of media it produces. */
  readonly outputKind: OutputKind;
  /** The validated body it was created with (strings over 16 KiB, large data URIs, are abbreviated). */
  readonly input: Readonly<Record<string, unknown>>;
  readonly timeline: readonly TimelineEntry[];
}

interface TaskRecord {
  readonly id: string;
  readonly sequence: number;
  readonly taskType: TaskType;
  readonly model: string;
  readonly keyId: string;
  readonly slotKey: string;
  readonly input: Readonly<Record<string, unknown>>;
  readonly promptText: string | undefined;
  readonly submittedAt: number;
  readonly queueMs: number;
  readonly runMs: number;
  readonly plannedFailure: { readonly code: string; readonly early: boolean } | undefined;
  readonly estimatedCredits: number;
  readonly knots: Float64Array;
  readonly outputKind: OutputKind;
  readonly timeline: TimelineEntry[];
  status: WireStatus;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  throttled: boolean;
  costCredits: number | undefined;
}

type EventKind = 'admit' | 'finish' | 'evict';

interface Slot {
  running: number;
  maxRunning: number;
  /** THROTTLED tasks, in submission order. */
  readonly queue: TaskRecord[];
}

/** The outcome of `DELETE /v1/tasks/{id}`. */
export type RemoveResult = 'cancelled' | 'deleted' | 'not_found';

const TERMINAL: ReadonlySet<WireStatus> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
const LONG_STRING = 16 * 1024;

function abbreviate(input: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') {
      return value.length > LONG_STRING ? `${value.slice(0, 64)}…(${value.length} characters)` : value;
    }
    if (Array.isArray(value)) return value.map(walk);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    }
    return value;
  };
  return walk(input) as Readonly<Record<string, unknown>>;
}

/**
 * The task lifecycle, driven by one ordered queue of timed events (leave PENDING, finish, forget)
 * and a single timer armed for the earliest of them. Every read first applies the events that are
 * due, in time order, so answers are exact even when the timer fires late, and thousands of tasks
 * cost one timer.
 *
 * Concurrency is per API key and model: a task leaving PENDING runs when a slot is free, otherwise
 * it is THROTTLED and waits in submission order; a slot is handed on the moment a task finishes or
 * is cancelled.
 */
export class TaskEngine {
  readonly #options: ResolvedOptions;
  readonly #now: () => number;
  readonly #tasks = new Map<string, TaskRecord>();
  readonly #slots = new Map<string, Slot>();
  readonly #events = new EventHeap<{ kind: EventKind; task: TaskRecord }>();
  readonly #ids: Random;
  #sequence = 0;
  #evicted = 0;
  #throttled = 0;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #closed = false;

  constructor(options: ResolvedOptions, now: () => number = Date.now) {
    this.#options = options;
    this.#now = now;
    this.#ids = new Random(deriveSeed(options.seed, 'ids'));
  }

  /** Creates a task from a validated body. Limits (daily, rate) are the caller's business. */
  create(taskType: TaskType, input: Readonly<Record<string, unknown>>, keyId: string): SimulatedTask {
    const now = this.#now();
    this.advance(now);
    const sequence = ++this.#sequence;
    const random = new Random(deriveSeed(this.#options.seed, 'task', sequence));
    const model = String(input.model);
    const promptText = typeof input.promptText === 'string' ? input.promptText : undefined;
    const markers = readMarkers(promptText);
    const scale = this.#options.timeScale;
    const [qMin, qMax] = this.#options.queueMs;
    const [rMin, rMax] = this.#options.runMs(taskType);
    const queueMs = random.between(qMin, qMax) * scale;
    const runMs = random.between(rMin, rMax) * scale * (markers.slow ? this.#options.slowFactor : 1);
    const randomFailure = random.chance(this.#options.failureRate);
    const code = markers.failureCode ?? (randomFailure ? 'INTERNAL.BAD_OUTPUT.CODE01' : undefined);
    const task: TaskRecord = {
      id: this.#newId(),
      sequence,
      taskType,
      model,
      keyId,
      slotKey: `${keyId}\u0000${model}`,
      input: abbreviate(input),
      promptText,
      submittedAt: now,
      queueMs,
      runMs,
      plannedFailure: code ? { code, early: failsBeforeRunning(code) } : undefined,
      estimatedCredits: estimateCredits(taskType, model, input),
      knots: progressCurve(random),
      outputKind: getTaskType(taskType).output,
      timeline: [{ status: 'PENDING', at: now }],
      status: 'PENDING',
      startedAt: undefined,
      finishedAt: undefined,
      throttled: false,
      costCredits: undefined,
    };
    this.#tasks.set(task.id, task);
    this.#push(now + queueMs, 'admit', task);
    return this.#view(task, now);
  }

  /** The task as it is now, or `undefined` when unknown, deleted or evicted. */
  get(id: string): SimulatedTask | undefined {
    const now = this.#now();
    this.advance(now);
    const task = this.#tasks.get(id);
    return task ? this.#view(task, now) : undefined;
  }

  /** Every task held in memory, in submission order. */
  list(): SimulatedTask[] {
    const now = this.#now();
    this.advance(now);
    return [...this.#tasks.values()].map((task) => this.#view(task, now));
  }

  /** Cancels a task that has not finished, or deletes one that has. */
  remove(id: string): RemoveResult {
    const now = this.#now();
    this.advance(now);
    const task = this.#tasks.get(id);
    if (!task) return 'not_found';
    if (TERMINAL.has(task.status)) {
      this.#tasks.delete(id);
      return 'deleted';
    }
    const slot = this.#slot(task.slotKey);
    if (task.status === 'THROTTLED') {
      const index = slot.queue.indexOf(task);
      if (index >= 0) slot.queue.splice(index, 1);
    }
    const wasRunning = task.status === 'RUNNING';
    this.#settle(task, 'CANCELLED', now, 0);
    if (wasRunning) {
      slot.running--;
      this.#drain(slot, now);
    }
    return 'cancelled';
  }

  /** Counts of the tasks in memory by status, and totals since start (or the last reset). */
  counts(): {
    readonly total: number;
    readonly created: number;
    readonly evicted: number;
    readonly throttled: number;
    readonly byStatus: Readonly<Record<WireStatus, number>>;
    readonly maxConcurrent: Readonly<Record<string, number>>;
  } {
    this.advance(this.#now());
    const byStatus: Record<WireStatus, number> = {
      PENDING: 0,
      THROTTLED: 0,
      RUNNING: 0,
      SUCCEEDED: 0,
      FAILED: 0,
      CANCELLED: 0,
    };
    for (const task of this.#tasks.values()) byStatus[task.status]++;
    const maxConcurrent: Record<string, number> = {};
    for (const [slotKey, slot] of this.#slots) {
      const model = slotKey.slice(slotKey.indexOf('\u0000') + 1);
      maxConcurrent[model] = Math.max(maxConcurrent[model] ?? 0, slot.maxRunning);
    }
    return {
      total: this.#tasks.size,
      created: this.#sequence,
      evicted: this.#evicted,
      throttled: this.#throttled,
      byStatus,
      maxConcurrent,
    };
  }

  /** Applies every event due at `now`, in time order, then arms the timer for the next one. */
  advance(now: number): void {
    for (;;) {
      const at = this.#events.peekTime();
      if (at === undefined || at > now) break;
      const event = this.#events.pop();
      if (event) this.#apply(event.value.kind, event.value.task, event.at);
    }
    this.#arm();
  }

  /** Forgets every task and counter. */
  reset(): void {
    this.#tasks.clear();
    this.#slots.clear();
    this.#events.clear();
    this.#sequence = 0;
    this.#evicted = 0;
    this.#throttled = 0;
    this.#disarm();
  }

  /** Stops the timer; the engine answers reads but no longer moves on its own. */
  close(): void {
    this.#closed = true;
    this.#disarm();
  }

  #apply(kind: EventKind, task: TaskRecord, at: number): void {
    switch (kind) {
      case 'admit': {
        if (task.status !== 'PENDING') return;
        if (task.plannedFailure?.early) {
          this.#settle(task, 'FAILED', at, 0);
          return;
        }
        const slot = this.#slot(task.slotKey);
        if (slot.running < this.#options.concurrency(task.model) && slot.queue.length === 0) {
          this.#start(task, slot, at);
        } else {
          task.status = 'THROTTLED';
          task.throttled = true;
          this.#throttled++;
          task.timeline.push({ status: 'THROTTLED', at });
          insertBySequence(slot.queue, task);
        }
        return;
      }
      case 'finish': {
        if (task.status !== 'RUNNING') return;
        const slot = this.#slot(task.slotKey);
        slot.running--;
        if (task.plannedFailure) this.#settle(task, 'FAILED', at, 0);
        else this.#settle(task, 'SUCCEEDED', at, Math.ceil(task.estimatedCredits));
        this.#drain(slot, at);
        return;
      }
      case 'evict': {
        if (TERMINAL.has(task.status) && this.#tasks.get(task.id) === task) {
          this.#tasks.delete(task.id);
          this.#evicted++;
        }
        return;
      }
    }
  }

  #start(task: TaskRecord, slot: Slot, at: number): void {
    slot.running++;
    slot.maxRunning = Math.max(slot.maxRunning, slot.running);
    task.status = 'RUNNING';
    task.startedAt = at;
    task.timeline.push({ status: 'RUNNING', at, progress: 0 });
    this.#push(at + task.runMs, 'finish', task);
  }

  /** Starts THROTTLED tasks, oldest submission first, while the slot has room. */
  #drain(slot: Slot, at: number): void {
    const limit = this.#options.concurrency(slot.queue[0]?.model ?? '');
    while (slot.queue.length > 0 && slot.running < limit) {
      this.#start(slot.queue.shift() as TaskRecord, slot, at);
    }
  }

  #settle(task: TaskRecord, status: 'SUCCEEDED' | 'FAILED' | 'CANCELLED', at: number, cost: number): void {
    task.status = status;
    task.finishedAt = at;
    task.costCredits = cost;
    task.timeline.push(status === 'SUCCEEDED' ? { status, at, progress: 1 } : { status, at });
    this.#push(at + this.#options.retentionMs, 'evict', task);
  }

  #slot(key: string): Slot {
    let slot = this.#slots.get(key);
    if (!slot) {
      slot = { running: 0, maxRunning: 0, queue: [] };
      this.#slots.set(key, slot);
    }
    return slot;
  }

  #newId(): string {
    for (;;) {
      const id = this.#ids.uuid();
      if (!this.#tasks.has(id)) return id;
    }
  }

  #push(at: number, kind: EventKind, task: TaskRecord): void {
    this.#events.push(at, { kind, task });
    if (at < this.#timerAt) this.#arm();
  }

  #arm(): void {
    if (this.#closed) return;
    const next = this.#events.peekTime();
    if (next === undefined) {
      this.#disarm();
      return;
    }
    if (this.#timer && next >= this.#timerAt) return;
    this.#disarm();
    const delay = Math.min(2 ** 31 - 1, Math.max(0, next - this.#now()));
    this.#timerAt = next;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Number.POSITIVE_INFINITY;
      this.advance(this.#now());
    }, delay);
    this.#timer.unref();
  }

  #disarm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  #view(task: TaskRecord, now: number): SimulatedTask {
    const running = task.status === 'RUNNING' && task.startedAt !== undefined;
    const failure = task.status === 'FAILED' && task.plannedFailure ? task.plannedFailure.code : undefined;
    return {
      id: task.id,
      sequence: task.sequence,
      taskType: task.taskType,
      model: task.model,
      keyId: task.keyId,
      status: task.status,
      createdAt: new Date(task.submittedAt).toISOString(),
      submittedAt: task.submittedAt,
      ...(task.startedAt !== undefined ? { startedAt: task.startedAt } : {}),
      ...(task.finishedAt !== undefined ? { finishedAt: task.finishedAt } : {}),
      ...(running
        ? {
            progress: progressAt(
              task.runMs > 0 ? (now - (task.startedAt as number)) / task.runMs : 1,
              this.#options.progress,
              task.knots,
            ),
          }
        : {}),
      throttled: task.throttled,
      queueMs: task.queueMs,
      runMs: task.runMs,
      estimatedCredits: task.estimatedCredits,
      ...(task.costCredits !== undefined ? { costCredits: task.costCredits } : {}),
      ...(failure ? { failure: failureMessage(failure), failureCode: failure } : {}),
      outputKind: task.outputKind,
      input: task.input,
      timeline: [...task.timeline],
    };
  }
}

/** Inserts `task` into `queue` (sorted by sequence); usually an append. */
function insertBySequence(queue: TaskRecord[], task: TaskRecord): void {
  let i = queue.length;
  while (i > 0 && (queue[i - 1] as TaskRecord).sequence > task.sequence) i--;
  queue.splice(i, 0, task);
}
