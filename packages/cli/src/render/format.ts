import { isValidationError, type TaskEvent } from '@runway-rx/core';
import type { JobInfo, JobSummary, RunSummary } from './reporter.js';

/** A task state in a few words: `QUEUED #3`, `PENDING`, `PROCESSING 42%`, `FAILED: reason (code)`. */
export function describeEvent(event: TaskEvent): string {
  switch (event.status) {
    case 'QUEUED':
      return `QUEUED #${event.queuePosition}`;
    case 'PENDING':
      return event.wireStatus === 'THROTTLED' ? 'PENDING (throttled at Runway)' : 'PENDING';
    case 'PROCESSING':
      return `PROCESSING ${Math.floor((event.progress ?? 0) * 100)}%`;
    case 'SUCCEEDED':
      return 'SUCCEEDED';
    case 'FAILED':
      return `FAILED: ${event.failure ?? 'no reason given'}${event.failureCode ? ` (${event.failureCode})` : ''}`;
    case 'CANCELLED':
      return 'CANCELLED';
  }
}

/** `#2 text_to_image gen4_image`. */
export function jobLabel(job: JobInfo): string {
  return `#${String(job.index).padStart(String(job.total).length)} ${job.type} ${job.model}`;
}

/** The first 8 characters of a task id, for rows and file names. */
export const shortId = (id: string) => id.replaceAll('-', '').slice(0, 8);

/** A one-line message for an error, with each broken rule of a validation error. */
export function describeError(error: unknown): string {
  if (isValidationError(error)) {
    const rules = error.issues.map((issue) => `${issue.path || 'input'} ${issue.message}`);
    return rules.length > 0 ? `invalid input: ${rules.join('; ')}` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * What a row says about a task that ended without a state of its own: interrupted in the queue, or
 * while its create was on the wire (the client cancels it when its id arrives). `undefined` otherwise.
 */
export function settledNote(summary: JobSummary): string | undefined {
  if (summary.outcome === 'NOT_SUBMITTED') return 'not submitted (interrupted)';
  if (summary.outcome === 'CANCELLED' && summary.taskId === undefined) return 'CANCELLED as soon as created';
  return undefined;
}

/** The closing lines of a run: counts, where outputs went, failures, what an interrupt cancelled. */
export function summaryLines(summary: RunSummary): string[] {
  const count = (outcome: string) => summary.jobs.filter((job) => job.outcome === outcome).length;
  const parts = [
    `${count('SUCCEEDED')} succeeded`,
    `${count('FAILED')} failed`,
    `${count('CANCELLED')} cancelled`,
  ];
  if (count('ERROR') > 0) parts.push(`${count('ERROR')} errored`);
  if (count('NOT_SUBMITTED') > 0) parts.push(`${count('NOT_SUBMITTED')} not submitted`);
  const files = summary.jobs.reduce((n, job) => n + job.files.length, 0);
  const lines = [
    `${summary.interrupted ? 'Interrupted' : 'Done'}: ${parts.join(', ')} in ${(summary.elapsedMs / 1000).toFixed(1)} s` +
      (files > 0 ? ` · ${files} file${files === 1 ? '' : 's'} saved in ${summary.outDir}` : ''),
  ];
  for (const job of summary.jobs) {
    if (job.outcome === 'FAILED') {
      lines.push(
        `  ${jobLabel(job.job)}: FAILED: ${job.failure ?? 'no reason given'}${job.failureCode ? ` (${job.failureCode})` : ''}`,
      );
    } else if (job.error !== undefined && job.outcome !== 'NOT_SUBMITTED') {
      lines.push(`  ${jobLabel(job.job)}: ${describeError(job.error)}`);
    }
  }
  if (summary.interrupted) {
    const ok = summary.cancelled.filter((c) => c.result === 'cancelled');
    if (ok.length > 0) {
      lines.push(`Cancelled at Runway: ${ok.map((c) => c.taskId).join(', ')}`);
    }
    for (const other of summary.cancelled.filter((c) => c.result !== 'cancelled')) {
      lines.push(`  ${other.taskId}: ${other.result}`);
    }
    if (summary.cancelledOnArrival > 0) {
      const n = summary.cancelledOnArrival;
      lines.push(
        `${n} task${n === 1 ? ' was' : 's were'} being created: cancelled as soon as Runway answered`,
      );
    }
  }
  return lines;
}
