import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isValidationError, TASK_TYPE_NAMES, type TaskType, validateTaskInput } from '@runway-rx/core';
import { parseTaskType } from './args.js';
import { UsageError } from './errors.js';
import { resolveInputMedia, withDefaults } from './fields.js';

/** One task of a batch file, validated and with local media turned into data URIs. */
export interface BatchTask {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly type: TaskType;
  readonly model: string;
  readonly input: Readonly<Record<string, unknown>>;
}

/** A batch file with problems: every broken line and rule is listed, and nothing was submitted. */
export class BatchFileError extends UsageError {
  readonly problems: readonly string[];

  constructor(file: string, problems: readonly string[]) {
    super(
      `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}, nothing was submitted\n` +
        problems.map((problem) => `  ${problem}`).join('\n'),
    );
    this.problems = problems;
  }
}

Object.defineProperty(BatchFileError.prototype, 'name', {
  value: 'BatchFileError',
  writable: true,
  configurable: true,
});

/**
 * Reads a JSON Lines batch file: one task a line, `{"type": "text_to_image", "model": "gen4_image",
 * "promptText": "…", …}` with the model's own field names. `type` may be left out when a default
 * is given (`--type`); `model` defaults to the type's first model. Media fields may name local
 * files, relative to the batch file. Blank lines are skipped.
 *
 * Every line is checked before anything runs: a `BatchFileError` lists each problem (bad JSON, an
 * unknown type, each broken validation rule) with its line number.
 */
export async function readBatchFile(
  file: string,
  options: { cwd: string; defaultType?: TaskType | undefined },
): Promise<BatchTask[]> {
  const path = resolve(options.cwd, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read batch file ${file}: ${(error as Error).message}`, { cause: error });
  }
  const tasks: BatchTask[] = [];
  const problems: string[] = [];
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = i + 1;
    if (raw.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      problems.push(`line ${line}: not valid JSON (${(error as Error).message})`);
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      problems.push(`line ${line}: must be a JSON object`);
      continue;
    }
    const { type: rawType, ...fields } = value as Record<string, unknown>;
    const type = typeof rawType === 'string' ? parseTaskType(rawType) : options.defaultType;
    if (!type) {
      problems.push(
        rawType === undefined
          ? `line ${line}: "type" is missing (or pass --type); one of ${TASK_TYPE_NAMES.join(', ')}`
          : `line ${line}: type must be one of ${TASK_TYPE_NAMES.join(', ')}`,
      );
      continue;
    }
    const withModel = withDefaults(type, fields);
    try {
      const input = await resolveInputMedia(type, withModel, { cwd: dirname(path), source: `line ${line}:` });
      const body = validateTaskInput(type, input) as Record<string, unknown>;
      tasks.push({ line, type, model: String(body.model), input: body });
    } catch (error) {
      if (isValidationError(error)) {
        for (const issue of error.issues) {
          problems.push(
            `line ${line}: ${type} ${String(withModel.model)}: ${issue.path || 'input'} ${issue.message}`,
          );
        }
      } else if (error instanceof UsageError) {
        problems.push(error.message);
      } else {
        throw error;
      }
    }
  }
  if (problems.length > 0) throw new BatchFileError(file, problems);
  if (tasks.length === 0) throw new UsageError(`${file} has no tasks (one JSON object a line)`);
  return tasks;
}
