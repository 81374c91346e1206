import { z } from 'zod';
import { MalformedResponseError } from '../errors.js';

/** The five lifecycle states of the library's task structure. */
export const TASK_STATUSES = ['PENDING', 'PROCESSING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** The six statuses the Runway API sends on the wire. */
export const WIRE_STATUSES = ['PENDING', 'THROTTLED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type WireStatus = (typeof WIRE_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<TaskStatus> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

const credits = z.looseObject({ credits: z.number() });
const base = { id: z.string().min(1), createdAt: z.string().optional() };

/**
 * A task as `GET /v1/tasks/{id}` returns it: one shape per wire status. Unknown fields pass through
 * so a newer API never breaks parsing. Required fields follow the spec's `oneOf`, but `createdAt`
 * and the cost objects are treated as optional: their absence must not cost a user a task.
 */
export const WireTaskSchema = z.discriminatedUnion('status', [
  z.looseObject({ ...base, status: z.literal('PENDING'), estimatedCost: credits.optional() }),
  z.looseObject({ ...base, status: z.literal('THROTTLED'), estimatedCost: credits.optional() }),
  z.looseObject({
    ...base,
    status: z.literal('RUNNING'),
    progress: z.number().min(0).max(1).optional(),
    estimatedCost: credits.optional(),
  }),
  z.looseObject({
    ...base,
    status: z.literal('SUCCEEDED'),
    output: z.array(z.string()),
    cost: credits.optional(),
  }),
  z.looseObject({
    ...base,
    status: z.literal('FAILED'),
    failure: z.string(),
    failureCode: z.string().optional(),
    cost: credits.optional(),
  }),
  z.looseObject({ ...base, status: z.literal('CANCELLED'), cost: credits.optional() }),
]);
export type WireTask = z.infer<typeof WireTaskSchema>;

/** The answer to a create request: `{ id, estimatedCost? }`. */
export const CreateTaskResponseSchema = z.looseObject({
  id: z.string().min(1),
  estimatedCost: credits.optional(),
});
export type CreateTaskResponse = z.infer<typeof CreateTaskResponseSchema>;

/**
 * One state of a task's lifecycle: the library's task structure (`id, status, createdAt?, output?,
 * failure?, model?`) plus what the wire adds (`progress`, `failureCode`, costs) and the wire status
 * it came from.
 */
export interface TaskSnapshot {
  readonly id: string;
  readonly status: TaskStatus;
  /** The status as Runway sent it: THROTTLED and RUNNING are PENDING and PROCESSING here. */
  readonly wireStatus: WireStatus;
  readonly createdAt?: string;
  /** Output media URLs; present when SUCCEEDED. They expire 24–48 h after the task finished. */
  readonly output?: readonly string[];
  /** Why the task failed; present when FAILED. */
  readonly failure?: string;
  /** Machine-readable failure code, e.g. `SAFETY.INPUT.TEXT`. */
  readonly failureCode?: string;
  /** The model, when known (tasks this client submitted). */
  readonly model?: string;
  /** The task type, when known (tasks this client submitted). */
  readonly taskType?: string;
  /** 0..1 while PROCESSING (and 1 once SUCCEEDED); never decreases along a stream. */
  readonly progress?: number;
  readonly estimatedCost?: { readonly credits: number };
  readonly cost?: { readonly credits: number };
}

/**
 * A task still waiting in this client's own queue (the scheduler), before any request was sent.
 * It has no id yet; `queuePosition` is 1 for the next task to start.
 */
export interface QueuedSnapshot {
  readonly id?: undefined;
  readonly status: 'QUEUED';
  readonly queuePosition: number;
  readonly queueKey?: string;
  readonly model?: string;
  readonly taskType?: string;
}

/** What a submitted task's stream emits: QUEUED while in the client's queue, then the lifecycle. */
export type TaskEvent = QueuedSnapshot | TaskSnapshot;

export const isTerminal = (snapshot: { readonly status: string }): boolean =>
  TERMINAL_STATUSES.has(snapshot.status as TaskStatus);

const STATUS_OF: Record<WireStatus, TaskStatus> = {
  PENDING: 'PENDING',
  THROTTLED: 'PENDING',
  RUNNING: 'PROCESSING',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  CANCELLED: 'CANCELLED',
};

/** Parses a wire task, throwing `MalformedResponseError` when it is not one. */
export function parseWireTask(body: unknown): WireTask {
  const result = WireTaskSchema.safeParse(body);
  if (!result.success) {
    const id =
      typeof (body as { id?: unknown } | null)?.id === 'string' ? (body as { id: string }).id : undefined;
    throw new MalformedResponseError(
      `The server sent something that is not a Runway task: ${result.error.issues
        .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
        .join('; ')}`,
      { body, taskId: id, cause: result.error },
    );
  }
  return result.data;
}

/**
 * Normalises a wire task (parsed or raw) into a `TaskSnapshot` with the five library states.
 * A malformed task is a `MalformedResponseError`, never a crash.
 */
export function normalizeTask(
  wire: unknown,
  known: { model?: string; taskType?: string } = {},
): TaskSnapshot {
  const task = parseWireTask(wire);
  const snapshot: {
    -readonly [K in keyof TaskSnapshot]: TaskSnapshot[K];
  } = { id: task.id, status: STATUS_OF[task.status], wireStatus: task.status };
  if (task.createdAt !== undefined) snapshot.createdAt = task.createdAt;
  const model = typeof task.model === 'string' ? task.model : known.model;
  if (model !== undefined) snapshot.model = model;
  if (known.taskType !== undefined) snapshot.taskType = known.taskType;
  switch (task.status) {
    case 'PENDING':
    case 'THROTTLED':
      if (task.estimatedCost) snapshot.estimatedCost = { credits: task.estimatedCost.credits };
      break;
    case 'RUNNING':
      snapshot.progress = task.progress ?? 0;
      if (task.estimatedCost) snapshot.estimatedCost = { credits: task.estimatedCost.credits };
      break;
    case 'SUCCEEDED':
      snapshot.output = task.output;
      snapshot.progress = 1;
      if (task.cost) snapshot.cost = { credits: task.cost.credits };
      break;
    case 'FAILED':
      snapshot.failure = task.failure;
      if (task.failureCode !== undefined) snapshot.failureCode = task.failureCode;
      if (task.cost) snapshot.cost = { credits: task.cost.credits };
      break;
    case 'CANCELLED':
      if (task.cost) snapshot.cost = { credits: task.cost.credits };
      break;
  }
  return snapshot;
}
