/** Exit codes of the `runway-rx` command. */
export const ExitCode = {
  /** Every task succeeded and its outputs were saved. */
  Ok: 0,
  /** A task failed, was cancelled, or could not be followed or saved. */
  TaskFailed: 1,
  /** The command line, an input file or a task's input was rejected; nothing was submitted. */
  Usage: 2,
  /** Interrupted with Ctrl-C (SIGINT); in-flight tasks were cancelled. */
  Interrupted: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * Something wrong with how the command was called (an unknown flag, a missing file, a file too
 * large to send): reported on stderr with exit code 2, before any request is sent.
 */
export class UsageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

Object.defineProperty(UsageError.prototype, 'name', {
  value: 'UsageError',
  writable: true,
  configurable: true,
});

export function isUsageError(value: unknown): value is UsageError {
  return value instanceof UsageError;
}
