import { parseArgs } from 'node:util';
import { isTaskType, TASK_TYPE_NAMES, type TaskType } from '@runway-rx/core';
import { UsageError } from './errors.js';

/** The flags that set one task's input; each is mapped onto the chosen model's field names. */
export interface TaskFlags {
  readonly model?: string | undefined;
  readonly prompt?: string | undefined;
  readonly ratio?: string | undefined;
  readonly duration?: string | undefined;
  readonly seed?: string | undefined;
  readonly image: readonly string[];
  readonly video: readonly string[];
  readonly audio: readonly string[];
  readonly reference: readonly string[];
  /** `key=value` pairs for any other field (`--field audio=true`). */
  readonly field: readonly string[];
}

/** How tasks are run and shown, shared by single tasks and batches. */
export interface RunFlags {
  /** Where outputs are saved. */
  readonly out: string;
  /** JSON lines on stdout instead of progress bars. */
  readonly json: boolean;
  /** Tasks in flight at once. */
  readonly concurrency: number;
  /** The in-process simulator's time scale (used only without RUNWAYML_API_SECRET). */
  readonly timeScale: number;
  /** Minimum milliseconds between two polls of one task; default depends on the target. */
  readonly pollIntervalMs?: number | undefined;
}

export type Command =
  | { readonly kind: 'help'; readonly type?: TaskType | undefined }
  | { readonly kind: 'version' }
  | { readonly kind: 'task'; readonly type: TaskType; readonly task: TaskFlags; readonly run: RunFlags }
  | {
      readonly kind: 'batch';
      readonly file: string;
      readonly defaultType?: TaskType | undefined;
      readonly run: RunFlags;
    };

export const DEFAULT_OUT_DIR = 'runway-output';
export const DEFAULT_CONCURRENCY = 2;
export const DEFAULT_TIME_SCALE = 0.1;

/** Every flag the command knows, for `parseArgs`. */
export const OPTIONS = {
  model: { type: 'string', short: 'm' },
  prompt: { type: 'string', short: 'p' },
  ratio: { type: 'string', short: 'r' },
  duration: { type: 'string', short: 'd' },
  seed: { type: 'string' },
  image: { type: 'string', multiple: true },
  video: { type: 'string', multiple: true },
  audio: { type: 'string', multiple: true },
  reference: { type: 'string', multiple: true },
  field: { type: 'string', multiple: true, short: 'f' },
  type: { type: 'string', short: 't' },
  out: { type: 'string', short: 'o' },
  json: { type: 'boolean' },
  concurrency: { type: 'string', short: 'c' },
  'time-scale': { type: 'string' },
  'poll-interval': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

/** Accepts `text_to_image` and `text-to-image`. */
export function parseTaskType(value: string): TaskType | undefined {
  const name = value.replaceAll('-', '_');
  return isTaskType(name) ? name : undefined;
}

function unknownType(value: string): UsageError {
  return new UsageError(
    `Unknown command or task type "${value}". Task types: ${TASK_TYPE_NAMES.join(', ')}; or: batch, help.`,
  );
}

function number(flag: string, value: string | undefined, check: (n: number) => boolean, rule: string) {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || !check(parsed)) {
    throw new UsageError(`--${flag} must be ${rule}, got "${value}"`);
  }
  return parsed;
}

/**
 * Parses the command line (without `node` and the script). Throws `UsageError` for unknown flags,
 * a missing batch file, unknown task types and malformed numbers.
 */
export function parseCommandLine(argv: readonly string[]): Command {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
  const { values, positionals } = parsed;
  const [first, ...rest] = positionals;

  if (values.version) return { kind: 'version' };
  if (first === undefined) return { kind: 'help' };
  if (first === 'help') {
    const topic = rest[0];
    if (topic === undefined) return { kind: 'help' };
    const type = parseTaskType(topic);
    if (!type) throw unknownType(topic);
    return { kind: 'help', type };
  }

  const run: RunFlags = {
    out: values.out ?? DEFAULT_OUT_DIR,
    json: values.json ?? false,
    concurrency:
      number('concurrency', values.concurrency, (n) => Number.isInteger(n) && n >= 1, 'a whole number ≥ 1') ??
      DEFAULT_CONCURRENCY,
    timeScale:
      number('time-scale', values['time-scale'], (n) => n > 0, 'a number > 0 (0.1 runs ten times faster)') ??
      DEFAULT_TIME_SCALE,
    pollIntervalMs: number(
      'poll-interval',
      values['poll-interval'],
      (n) => Number.isInteger(n) && n >= 0,
      'a whole number of milliseconds',
    ),
  };

  if (first === 'batch') {
    if (values.help) return { kind: 'help' };
    const [file, ...extra] = rest;
    if (file === undefined) throw new UsageError('batch needs a file: runway-rx batch prompts.jsonl');
    if (extra.length > 0) throw new UsageError(`Unexpected arguments: ${extra.join(' ')}`);
    const taskOnly = (['model', 'prompt', 'ratio', 'duration', 'seed'] as const).filter(
      (name) => values[name] !== undefined,
    );
    const lists = (['image', 'video', 'audio', 'reference', 'field'] as const).filter(
      (name) => (values[name]?.length ?? 0) > 0,
    );
    if (taskOnly.length + lists.length > 0) {
      throw new UsageError(
        `--${[...taskOnly, ...lists][0]} applies to a single task; in a batch, put fields on each line`,
      );
    }
    let defaultType: TaskType | undefined;
    if (values.type !== undefined) {
      defaultType = parseTaskType(values.type);
      if (!defaultType) throw unknownType(values.type);
    }
    return { kind: 'batch', file, defaultType, run };
  }

  const type = parseTaskType(first);
  if (!type) throw unknownType(first);
  if (values.help) return { kind: 'help', type };
  if (rest.length > 0) {
    throw new UsageError(
      `Unexpected arguments: ${rest.join(' ')} (quote a prompt with spaces: --prompt "a red fox")`,
    );
  }
  if (values.type !== undefined) throw new UsageError('--type applies to batch files only');
  return {
    kind: 'task',
    type,
    run,
    task: {
      model: values.model,
      prompt: values.prompt,
      ratio: values.ratio,
      duration: values.duration,
      seed: values.seed,
      image: values.image ?? [],
      video: values.video ?? [],
      audio: values.audio ?? [],
      reference: values.reference ?? [],
      field: values.field ?? [],
    },
  };
}
