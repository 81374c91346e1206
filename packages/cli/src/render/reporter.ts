import type { TaskEvent, TaskType } from '@runway-rx/core';

/** One task of a run, as the reporters show it. */
export interface JobInfo {
  /** 1-based position in the run (the line order of a batch file). */
  readonly index: number;
  /** How many tasks the run has. */
  readonly total: number;
  readonly type: TaskType;
  readonly model: string;
}

/** How a task's run ended, from the command's point of view. */
export type Outcome =
  | 'SUCCEEDED'
  | 'FAILED'
  | 'CANCELLED'
  /** The stream or a download failed on our side (network, auth, a full disk). */
  | 'ERROR'
  /** Interrupted while waiting in the client's queue: nothing was sent for it. */
  | 'NOT_SUBMITTED';

export interface JobSummary {
  readonly job: JobInfo;
  readonly outcome: Outcome;
  readonly taskId?: string | undefined;
  readonly failure?: string | undefined;
  readonly failureCode?: string | undefined;
  readonly files: readonly string[];
  readonly error?: unknown;
}

export interface RunSummary {
  readonly jobs: readonly JobSummary[];
  readonly interrupted: boolean;
  /** Tasks cancelled at Runway after an interrupt, with what the DELETE answered. */
  readonly cancelled: readonly { readonly taskId: string; readonly result: string }[];
  /** Tasks whose create was on the wire when interrupted: cancelled as soon as their ids arrived. */
  readonly cancelledOnArrival: number;
  readonly outDir: string;
  readonly elapsedMs: number;
}

/**
 * Renders a run: progress bars on a terminal, plain lines in a pipe, JSON lines for scripts. The
 * runner calls `start`, then `event`/`saved`/`error`/`settled`/`notice` as things happen, then `finish`.
 */
export interface Reporter {
  start(jobs: readonly JobInfo[]): void;
  /** A new state of a task (QUEUED, PENDING, PROCESSING with progress, a terminal state). */
  event(job: JobInfo, event: TaskEvent): void;
  /** An output was saved. */
  saved(job: JobInfo, path: string, taskId: string): void;
  /** Following or saving a task failed on our side. */
  error(job: JobInfo, error: unknown): void;
  /** A task is done with (its stream ended and its outputs are saved), with how it ended. */
  settled(summary: JobSummary): void;
  /** A message for the person at the terminal (an interrupt, what is being cancelled). */
  notice(message: string): void;
  finish(summary: RunSummary): void;
}
