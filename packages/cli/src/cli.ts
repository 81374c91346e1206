import { isAbsolute, relative, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import type { WriteStream } from 'node:tty';
import { isValidationError, type TaskType, validateTaskInput } from '@runway-rx/core';
import packageJson from '../package.json' with { type: 'json' };
import { type Command, parseCommandLine, type RunFlags } from './args.js';
import { readBatchFile } from './batch-file.js';
import { connect } from './connection.js';
import { ExitCode, isUsageError } from './errors.js';
import { buildTaskInput } from './fields.js';
import { renderHelp, renderTaskHelp } from './help.js';
import { BarsReporter } from './render/bars.js';
import { JsonReporter } from './render/json.js';
import { LineReporter } from './render/lines.js';
import type { Reporter, RunSummary } from './render/reporter.js';
import { type Job, runJobs } from './run.js';

/** Where the command reads and writes: the process's own streams, or a test's. */
export interface CliIo {
  readonly stdout: Writable & { readonly isTTY?: boolean };
  readonly stderr: Writable;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Aborted on Ctrl-C. */
  readonly signal?: AbortSignal | undefined;
}

/** The package version, printed by `--version`. */
export const VERSION: string = packageJson.version;

function printValidation(io: CliIo, error: unknown, json: boolean): void {
  if (!isValidationError(error)) return;
  const where = [error.taskType, error.model ? `model ${error.model}` : undefined].filter(Boolean).join(' ');
  io.stderr.write(`runway-rx: invalid ${where ? `${where} ` : ''}input\n`);
  for (const issue of error.issues) io.stderr.write(`  ${issue.path || 'input'} ${issue.message}\n`);
  if (error.taskType) {
    io.stderr.write(`See \`runway-rx help ${error.taskType}\` for each model's fields and limits.\n`);
  }
  if (json) {
    const line = {
      event: 'error',
      error: { name: error.name, message: error.message, issues: error.issues },
    };
    io.stdout.write(`${JSON.stringify(line)}\n`);
  }
}

function exitCodeOf(summary: RunSummary): ExitCode {
  if (summary.interrupted) return ExitCode.Interrupted;
  const bad = summary.jobs.filter((job) => job.outcome !== 'SUCCEEDED' || job.error !== undefined);
  if (bad.length === 0) return ExitCode.Ok;
  // The server refused the input (a 400 with rules): a usage problem, like local validation.
  return bad.every((job) => isValidationError(job.error)) ? ExitCode.Usage : ExitCode.TaskFailed;
}

function reporterFor(io: CliIo, run: RunFlags, batch: boolean): Reporter {
  if (run.json) return new JsonReporter(io.stdout, io.stderr, { indexed: batch });
  if (io.stdout.isTTY) return new BarsReporter(io.stdout as WriteStream);
  return new LineReporter(io.stdout, io.stderr);
}

/** A path as a person would type it: relative to the working directory when inside it. */
function shownPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

async function execute(io: CliIo, jobs: readonly Job[], run: RunFlags, batch: boolean): Promise<ExitCode> {
  const connection = await connect({
    env: io.env,
    concurrency: run.concurrency,
    timeScale: run.timeScale,
    pollIntervalMs: run.pollIntervalMs,
    log: (message) => io.stderr.write(`${message}\n`),
  });
  const outDir = resolve(io.cwd, run.out);
  const reporter = reporterFor(io, run, batch);
  const shown = run.json ? (path: string) => path : (path: string) => shownPath(io.cwd, path);
  const displayed: Reporter = {
    start: (list) => reporter.start(list),
    event: (job, event) => reporter.event(job, event),
    saved: (job, path, taskId) => reporter.saved(job, shown(path), taskId),
    error: (job, error) => reporter.error(job, error),
    settled: (summary) => reporter.settled(summary),
    notice: (message) => reporter.notice(message),
    finish: (summary) => reporter.finish(summary),
  };
  let summary: RunSummary;
  try {
    summary = await runJobs(jobs, {
      client: connection.client,
      dispatcher: connection.downloads,
      outDir,
      reporter: displayed,
      interrupt: io.signal,
    });
  } finally {
    // Closing waits for cancellations the client still sends (tasks created after an interrupt).
    await connection.close();
  }
  reporter.finish({
    ...summary,
    outDir: shown(outDir),
    jobs: summary.jobs.map((job) => ({ ...job, files: job.files.map(shown) })),
  });
  return exitCodeOf(summary);
}

async function runTask(io: CliIo, command: Extract<Command, { kind: 'task' }>): Promise<ExitCode> {
  const input = await buildTaskInput(command.type, command.task, { cwd: io.cwd });
  const body = validateTaskInput(command.type, input) as Record<string, unknown>;
  const job: Job = { index: 1, total: 1, type: command.type, model: String(body.model), input: body };
  return execute(io, [job], command.run, false);
}

async function runBatch(io: CliIo, command: Extract<Command, { kind: 'batch' }>): Promise<ExitCode> {
  const tasks = await readBatchFile(command.file, { cwd: io.cwd, defaultType: command.defaultType });
  const jobs = tasks.map(
    (task, i): Job => ({
      index: i + 1,
      total: tasks.length,
      type: task.type as TaskType,
      model: task.model,
      input: task.input,
    }),
  );
  return execute(io, jobs, command.run, true);
}

/**
 * Runs the `runway-rx` command with `argv` (the arguments after the script) and returns its exit
 * code: 0 all succeeded, 1 a task failed or was cancelled, 2 bad usage or input (nothing was
 * submitted), 130 interrupted.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let command: Command | undefined;
  try {
    command = parseCommandLine(argv);
    switch (command.kind) {
      case 'help':
        io.stdout.write(command.type ? renderTaskHelp(command.type) : renderHelp());
        return ExitCode.Ok;
      case 'version':
        io.stdout.write(`${VERSION}\n`);
        return ExitCode.Ok;
      case 'task':
        return await runTask(io, command);
      case 'batch':
        return await runBatch(io, command);
    }
  } catch (error) {
    if (isUsageError(error)) {
      io.stderr.write(`runway-rx: ${error.message}\nRun \`runway-rx --help\` for usage.\n`);
      return ExitCode.Usage;
    }
    if (isValidationError(error)) {
      printValidation(io, error, command !== undefined && 'run' in command && command.run.json);
      return ExitCode.Usage;
    }
    io.stderr.write(`runway-rx: ${error instanceof Error ? error.message : String(error)}\n`);
    return ExitCode.TaskFailed;
  }
}
