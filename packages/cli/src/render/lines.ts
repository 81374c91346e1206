import type { Writable } from 'node:stream';
import type { TaskEvent } from '@runway-rx/core';
import { describeError, describeEvent, jobLabel, settledNote, shortId, summaryLines } from './format.js';
import type { JobInfo, JobSummary, Reporter, RunSummary } from './reporter.js';

/** Progress is logged at these steps (in percent) so a log stays short. */
const STEP = 25;

/**
 * Plain lines for logs and pipes (stdout is not a terminal): one line per state change (a place in
 * line only when first taken), progress every 25 %, each saved file, and the summary.
 */
export class LineReporter implements Reporter {
  readonly #out: Writable;
  readonly #err: Writable;
  readonly #lastStep = new Map<number, number>();
  readonly #ids = new Map<number, string>();
  readonly #queued = new Set<number>();

  constructor(out: Writable, err: Writable) {
    this.#out = out;
    this.#err = err;
  }

  #line(job: JobInfo, text: string): void {
    const id = this.#ids.get(job.index);
    this.#out.write(`${jobLabel(job)}${id ? ` ${shortId(id)}` : ''}: ${text}\n`);
  }

  start(): void {}

  event(job: JobInfo, event: TaskEvent): void {
    if (event.id) this.#ids.set(job.index, event.id);
    // A place in line is logged once, when the task joins it; the moves up would flood a log.
    if (event.status === 'QUEUED') {
      if (this.#queued.has(job.index)) return;
      this.#queued.add(job.index);
    }
    if (event.status === 'PROCESSING') {
      const step = Math.floor(((event.progress ?? 0) * 100) / STEP);
      const last = this.#lastStep.get(job.index);
      if (last !== undefined && step <= last) return;
      this.#lastStep.set(job.index, step);
    }
    this.#line(job, describeEvent(event));
  }

  saved(job: JobInfo, path: string): void {
    this.#line(job, `saved ${path}`);
  }

  error(job: JobInfo, error: unknown): void {
    this.#line(job, `ERROR: ${describeError(error)}`);
  }

  settled(summary: JobSummary): void {
    const note = settledNote(summary);
    if (note) this.#line(summary.job, note);
  }

  notice(message: string): void {
    this.#err.write(`${message}\n`);
  }

  finish(summary: RunSummary): void {
    for (const line of summaryLines(summary)) this.#out.write(`${line}\n`);
  }
}
