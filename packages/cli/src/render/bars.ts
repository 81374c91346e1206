import { basename } from 'node:path';
import type { WriteStream } from 'node:tty';
import type { TaskEvent } from '@runway-rx/core';
import cliProgress from 'cli-progress';
import { describeError, describeEvent, jobLabel, settledNote, shortId, summaryLines } from './format.js';
import type { JobInfo, JobSummary, Reporter, RunSummary } from './reporter.js';

interface Row {
  readonly bar: cliProgress.SingleBar;
  readonly job: JobInfo;
}

/** Lines kept free under the bars for the prompt and a message or two. */
const RESERVED_LINES = 6;

/**
 * Live progress bars on a terminal, one row per task (cli-progress `MultiBar`): `QUEUED #2`,
 * `PENDING`, `PROCESSING 42%` with the bar filling, then `SUCCEEDED → path` or the failure.
 *
 * A batch taller than the terminal keeps a window of rows: a finished task's row moves up into the
 * scrollback as a plain line and the next waiting task takes a row.
 */
export class BarsReporter implements Reporter {
  readonly #stream: WriteStream;
  readonly #rows = new Map<number, Row>();
  readonly #waiting: JobInfo[] = [];
  readonly #states = new Map<number, { state: string; value: number; id: string }>();
  #multibar: cliProgress.MultiBar | undefined;
  #labelWidth = 0;
  #maxRows = Number.POSITIVE_INFINITY;

  constructor(stream: WriteStream) {
    this.#stream = stream;
  }

  start(jobs: readonly JobInfo[]): void {
    this.#labelWidth = Math.max(...jobs.map((job) => jobLabel(job).length));
    this.#maxRows = Math.max(3, (this.#stream.rows ?? 24) - RESERVED_LINES);
    this.#multibar = new cliProgress.MultiBar(
      {
        stream: this.#stream,
        format: ' {label}  {id}  {bar} {state}',
        barsize: 24,
        hideCursor: true,
        linewrap: false,
        autopadding: false,
        fps: 10,
        clearOnComplete: false,
        stopOnComplete: false,
        gracefulExit: false,
        // Lines logged above the bars shift them down: every frame redraws every row.
        forceRedraw: true,
      },
      cliProgress.Presets.shades_classic,
    );
    for (const job of jobs) {
      this.#states.set(job.index, { state: 'waiting', value: 0, id: ' '.repeat(8) });
      if (this.#rows.size < this.#maxRows) this.#addRow(job);
      else this.#waiting.push(job);
    }
  }

  #payload(job: JobInfo) {
    const state = this.#states.get(job.index);
    return { label: jobLabel(job).padEnd(this.#labelWidth), id: state?.id ?? '', state: state?.state ?? '' };
  }

  /** A row as a plain line, for the scrollback. */
  #line(job: JobInfo): string {
    const { label, id, state } = this.#payload(job);
    return ` ${label}  ${id}  ${state}`;
  }

  #addRow(job: JobInfo): void {
    const multibar = this.#multibar as cliProgress.MultiBar;
    const bar = multibar.create(100, this.#states.get(job.index)?.value ?? 0, this.#payload(job));
    this.#rows.set(job.index, { bar, job });
  }

  #set(job: JobInfo, change: { state?: string; value?: number; id?: string }): void {
    const previous = this.#states.get(job.index) ?? { state: '', value: 0, id: '' };
    const next = { ...previous, ...change };
    this.#states.set(job.index, next);
    this.#rows.get(job.index)?.bar.update(next.value, this.#payload(job));
  }

  event(job: JobInfo, event: TaskEvent): void {
    const value =
      event.status === 'PROCESSING' ? (event.progress ?? 0) * 100 : event.status === 'SUCCEEDED' ? 100 : 0;
    this.#set(job, {
      state: describeEvent(event),
      // A failed or cancelled task keeps the progress it had reached.
      ...(event.status === 'FAILED' || event.status === 'CANCELLED' ? {} : { value }),
      ...(event.id ? { id: shortId(event.id) } : {}),
    });
  }

  saved(job: JobInfo, path: string): void {
    // The row names the file; the summary says which directory it is in.
    const file = basename(path);
    const previous = this.#states.get(job.index)?.state ?? '';
    const state = previous.startsWith('SUCCEEDED →') ? `${previous}, ${file}` : `SUCCEEDED → ${file}`;
    this.#set(job, { state });
  }

  error(job: JobInfo, error: unknown): void {
    this.#set(job, { state: `ERROR: ${describeError(error)}` });
  }

  settled(summary: JobSummary): void {
    const { job } = summary;
    const note = settledNote(summary);
    if (note) this.#set(job, { state: note });
    const row = this.#rows.get(job.index);
    const next = this.#waiting.shift();
    if (!row || !next || !this.#multibar) {
      if (next) this.#waiting.unshift(next);
      return;
    }
    // Make room: the finished row goes up into the scrollback as a plain line.
    this.#multibar.log(`${this.#line(job)}\n`);
    this.#multibar.remove(row.bar);
    this.#rows.delete(job.index);
    this.#addRow(next);
  }

  notice(message: string): void {
    this.#multibar?.log(`${message}\n`);
    this.#multibar?.update();
  }

  finish(summary: RunSummary): void {
    if (this.#multibar) {
      // Tasks that never got a row (an interrupted batch taller than the terminal) get a line.
      for (const job of this.#waiting.splice(0)) this.#multibar.log(`${this.#line(job)}\n`);
      this.#multibar.update();
      this.#multibar.stop();
    }
    for (const line of summaryLines(summary)) this.#stream.write(`${line}\n`);
  }
}
