import type { Writable } from 'node:stream';
import { isValidationError, type TaskEvent } from '@runway-rx/core';
import type { JobInfo, JobSummary, Reporter, RunSummary } from './reporter.js';

function errorJson(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  return {
    name: error.name,
    message: error.message,
    ...(isValidationError(error) ? { issues: error.issues } : {}),
  };
}

/** How often a waiting task's new place in line is printed, at most. */
const QUEUE_UPDATE_MS = 1_000;

/**
 * JSON lines for scripts: one object per task state (`{index?, ...snapshot}`), then
 * `{event: "saved", path}` for each saved output and `{event: "error"}` for failures on our side.
 * Batches add `index` to every line and end with `{event: "summary"}`.
 *
 * A waiting task's place in line is printed when it joins the line, then at most once a second:
 * every start moves every waiting task up, and a line per move would grow with the square of the
 * batch.
 */
export class JsonReporter implements Reporter {
  readonly #out: Writable;
  readonly #err: Writable;
  readonly #indexed: boolean;
  readonly #queued = new Set<number>();
  readonly #moves = new Map<number, { job: JobInfo; event: TaskEvent }>();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(out: Writable, err: Writable, options: { indexed: boolean }) {
    this.#out = out;
    this.#err = err;
    this.#indexed = options.indexed;
  }

  #write(job: JobInfo | undefined, value: object): void {
    const line = job && this.#indexed ? { index: job.index, ...value } : value;
    this.#out.write(`${JSON.stringify(line)}\n`);
  }

  start(): void {}

  event(job: JobInfo, event: TaskEvent): void {
    if (event.status === 'QUEUED' && this.#queued.has(job.index)) {
      this.#moves.set(job.index, { job, event });
      this.#timer ??= setInterval(() => this.#flushMoves(), QUEUE_UPDATE_MS).unref();
      return;
    }
    if (event.status === 'QUEUED') this.#queued.add(job.index);
    this.#moves.delete(job.index);
    this.#write(job, event);
  }

  #flushMoves(): void {
    for (const { job, event } of this.#moves.values()) this.#write(job, event);
    this.#moves.clear();
  }

  saved(job: JobInfo, path: string, taskId: string): void {
    this.#write(job, { event: 'saved', taskId, path });
  }

  error(job: JobInfo, error: unknown): void {
    this.#write(job, { event: 'error', error: errorJson(error) });
  }

  settled(summary: JobSummary): void {
    this.#moves.delete(summary.job.index);
  }

  notice(message: string): void {
    this.#err.write(`${message}\n`);
  }

  finish(summary: RunSummary): void {
    clearInterval(this.#timer);
    this.#moves.clear();
    if (!this.#indexed) return;
    const count = (outcome: string) => summary.jobs.filter((job) => job.outcome === outcome).length;
    this.#write(undefined, {
      event: 'summary',
      interrupted: summary.interrupted,
      succeeded: count('SUCCEEDED'),
      failed: count('FAILED'),
      cancelled: count('CANCELLED'),
      errored: count('ERROR'),
      notSubmitted: count('NOT_SUBMITTED'),
      files: summary.jobs.flatMap((job) => job.files),
      ...(summary.interrupted ? { cancelledAtRunway: summary.cancelled } : {}),
      elapsedMs: Math.round(summary.elapsedMs),
    });
  }
}
