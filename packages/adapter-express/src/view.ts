import type { TaskStatus, WireStatus } from '@runway-rx/core';

/**
 * A task as the router shows it over HTTP: the core snapshot's public fields, plus the router's
 * own queue state. Shared by the server and the browser helper, so it holds types only.
 */
export interface TaskView {
  /** The Runway task id once the task was created; the router handle (`q_…`) before that. */
  readonly id: string;
  /** The router handle of a task submitted through the router: valid in every route, forever. */
  readonly handle?: string;
  /** `QUEUED` while the task waits in the server's own queue (no Runway id yet). */
  readonly status: 'QUEUED' | TaskStatus;
  /** The status Runway sent (`THROTTLED` shows as `PENDING`, `RUNNING` as `PROCESSING`). */
  readonly wireStatus?: WireStatus;
  /** Place in the server's queue, 1 for the next task to start; only while `QUEUED`. */
  readonly queuePosition?: number;
  readonly taskType?: string;
  readonly model?: string;
  readonly createdAt?: string;
  /** 0..1 while `PROCESSING`; 1 once `SUCCEEDED`. Never decreases. */
  readonly progress?: number;
  /** Output media URLs once `SUCCEEDED`. */
  readonly output?: readonly string[];
  readonly failure?: string;
  readonly failureCode?: string;
  readonly estimatedCost?: { readonly credits: number };
  readonly cost?: { readonly credits: number };
}

/**
 * Why the server stopped following a task without a terminal state (its submission was refused,
 * say). Sent as a `task-error` event; it ends that task's part of the stream.
 */
export interface TaskErrorView {
  readonly id: string;
  readonly handle?: string;
  /** Machine-readable: `rate_limited`, `upstream_unavailable`, … */
  readonly error: string;
  /** A message for people; never holds a key, a stack trace or an internal URL. */
  readonly message: string;
}

/** The event names of the router's Server-Sent Events protocol. */
export const SSE_EVENT = {
  /** A task's new state; `data` is a `TaskView`. */
  task: 'task',
  /** The server gave up on a task; `data` is a `TaskErrorView`. */
  taskError: 'task-error',
  /** Every task of the stream is final: close the stream (a reconnect would get 204). */
  end: 'end',
} as const;

const TERMINAL: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** Whether a view's status is final (`SUCCEEDED`, `FAILED` or `CANCELLED`). */
export function isFinalView(view: { readonly status: string }): boolean {
  return TERMINAL.has(view.status);
}
