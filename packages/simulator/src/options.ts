import type { TaskType } from '@runway-rx/core';

/** An inclusive range `[min, max]` of milliseconds. */
export type MsRange = readonly [min: number, max: number];

/**
 * Durations of a task's phases, in simulated (unscaled) milliseconds: the simulator multiplies them
 * by `timeScale`. A duration is drawn uniformly from its range, per task, from the seeded generator.
 */
export interface TimingOptions {
  /** Time spent PENDING before the task may run. Default `[500, 2000]`. */
  readonly queueMs?: MsRange;
  /** Run time per task type, or one range for all. Defaults: videos 30–90 s, images 5–15 s, audio 5–15 s. */
  readonly runMs?: Partial<Record<TaskType, MsRange>> | MsRange;
  /** Run-time multiplier for prompts containing `[slow]`. Default 10. */
  readonly slowFactor?: number;
}

/** Faults injected into the answers of one kind of route. Every rate is a share in [0, 1]. */
export interface RouteFaults {
  /** Share of requests answered with a 5xx (`status`) instead of being handled. */
  readonly errorRate?: number;
  /** The status of those answers. Default 503. */
  readonly status?: number;
  /** Share of requests answered 429 with `Retry-After`. */
  readonly rate429?: number;
  /** `Retry-After` of those 429s, in seconds. Default 1. */
  readonly retryAfterSeconds?: number;
  /** Share of requests whose connection is destroyed before anything is done. */
  readonly resetBeforeRate?: number;
  /**
   * Share of creates whose task IS created, after which the connection is destroyed without an
   * answer: the case where a client cannot know whether its POST took effect.
   */
  readonly resetAfterCommitRate?: number;
  /** Delay added before the request is handled: a fixed number of ms, or a range drawn per request. */
  readonly latencyMs?: number | MsRange;
  /** Share of requests answered 200 with a body that is not valid JSON (after the work is done). */
  readonly malformedRate?: number;
}

/**
 * Faults per kind of route: `create` (POST of a task), `get` (GET of a task), `delete` (DELETE of a
 * task) and `all` (every `/v1` route; a route's own settings override it field by field).
 */
export interface Faults {
  readonly all?: RouteFaults;
  readonly create?: RouteFaults;
  readonly get?: RouteFaults;
  readonly delete?: RouteFaults;
}

export type ProgressMode = 'linear' | 'stepped';

export interface SimulatorOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Interface to listen on. Default `127.0.0.1`. */
  readonly host?: string;
  /** Multiplies every simulated duration: 0.01 runs a 30 s task in 300 ms. Default 1. */
  readonly timeScale?: number;
  /** The accepted API keys. Default: any key of the form `key_` followed by hex digits. */
  readonly apiKeys?: readonly string[];
  /** Seed of every random draw (ids, timings, progress noise, failures, faults). Default: random. */
  readonly seed?: number;
  /**
   * Tasks that may run at once per API key and model (Runway's `maxConcurrentGenerations`); tasks
   * beyond it are THROTTLED and start in submission order. A number for every model, or per model
   * (models not listed get 2). Default 2.
   */
  readonly concurrency?: number | Readonly<Record<string, number>>;
  /**
   * Creates allowed per API key and model in a rolling window (Runway's `maxDailyGenerations`);
   * past it a create answers 429 with `Retry-After` until the oldest create leaves the window.
   * Default: no limit.
   */
  readonly dailyLimit?: number | Readonly<Record<string, number>>;
  /** Length of the daily limit's rolling window, in wall-clock ms (not scaled). Default 24 h. */
  readonly dailyWindowMs?: number;
  /** Creates allowed per API key per second; past it a create answers 429 with `Retry-After`. */
  readonly createRateLimit?: { readonly perSecond: number };
  readonly timing?: TimingOptions;
  /** How RUNNING progress rises: `linear` with noise (default) or in `stepped` quarters. */
  readonly progress?: ProgressMode;
  /** Share of tasks that fail at the end of their run with an internal failure. Default 0. */
  readonly failureRate?: number;
  /**
   * The longest an output URL stays valid, in wall-clock ms: a URL is valid for between half of
   * this and all of it after the GET that handed it out (Runway's "24–48 hours" by default, 48 h).
   */
  readonly outputTtlMs?: number;
  /** Finished tasks are forgotten this long after they finished, in wall-clock ms. Default 1 h. */
  readonly retentionMs?: number;
  /** Size in bytes of every output file (padded in a way its format allows). Default: its natural size. */
  readonly outputBytes?: number;
  /** Largest request body accepted; larger ones answer 413. Default 64 MiB. */
  readonly maxBodyBytes?: number;
  /** Entries kept in the request log (oldest dropped first). Default 10,000. */
  readonly requestLogLimit?: number;
  /** Faults to inject; change them later with `setFaults`. */
  readonly faults?: Faults;
}

export const DEFAULT_QUEUE_MS: MsRange = [500, 2000];

/** Default run time per task type, in simulated ms (videos 10–120 s, images and sounds 5–15 s). */
export const DEFAULT_RUN_MS: Readonly<Record<TaskType, MsRange>> = {
  text_to_video: [30_000, 90_000],
  image_to_video: [30_000, 90_000],
  video_to_video: [40_000, 120_000],
  text_to_image: [5_000, 15_000],
  character_performance: [30_000, 90_000],
  lip_sync: [20_000, 60_000],
  video_upscale: [20_000, 60_000],
  frame_interpolation: [10_000, 30_000],
  sound_effect: [5_000, 15_000],
};

export const DEFAULT_CONCURRENCY = 2;
export const DEFAULT_SLOW_FACTOR = 10;
export const DEFAULT_OUTPUT_TTL_MS = 48 * 60 * 60 * 1000;
export const DEFAULT_RETENTION_MS = 60 * 60 * 1000;
export const DEFAULT_DAILY_WINDOW_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
export const DEFAULT_REQUEST_LOG_LIMIT = 10_000;

/** Options with every default applied. */
export interface ResolvedOptions {
  readonly port: number;
  readonly host: string;
  readonly timeScale: number;
  readonly apiKeys: ReadonlySet<string> | undefined;
  readonly seed: number;
  readonly concurrency: (model: string) => number;
  readonly dailyLimit: (model: string) => number;
  readonly dailyWindowMs: number;
  readonly createRateLimit: { readonly perSecond: number } | undefined;
  readonly queueMs: MsRange;
  readonly runMs: (type: TaskType) => MsRange;
  readonly slowFactor: number;
  readonly progress: ProgressMode;
  readonly failureRate: number;
  readonly outputTtlMs: number;
  readonly retentionMs: number;
  readonly outputBytes: number | undefined;
  readonly maxBodyBytes: number;
  readonly requestLogLimit: number;
  readonly faults: Faults;
}

function perModel(value: number | Readonly<Record<string, number>> | undefined, fallback: number) {
  if (value === undefined) return () => fallback;
  if (typeof value === 'number') return () => value;
  return (model: string) => (Object.hasOwn(value, model) ? (value[model] as number) : fallback);
}

function assertRange(name: string, range: MsRange): MsRange {
  const [min, max] = range;
  if (!(Number.isFinite(min) && Number.isFinite(max) && min >= 0 && max >= min)) {
    throw new RangeError(`${name} must be [min, max] with 0 ≤ min ≤ max, got [${min}, ${max}]`);
  }
  return range;
}

function positive(name: string, value: number | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new RangeError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${value}`);
  }
  return value;
}

/** Applies defaults and checks the options, throwing `RangeError` for values that make no sense. */
export function resolveOptions(options: SimulatorOptions = {}): ResolvedOptions {
  const timing = options.timing ?? {};
  const queueMs = assertRange('timing.queueMs', timing.queueMs ?? DEFAULT_QUEUE_MS);
  const runMs = timing.runMs;
  let runFor: (type: TaskType) => MsRange;
  if (runMs === undefined) runFor = (type) => DEFAULT_RUN_MS[type];
  else if (Array.isArray(runMs)) {
    const range = assertRange('timing.runMs', runMs as MsRange);
    runFor = () => range;
  } else {
    const table = runMs as Partial<Record<TaskType, MsRange>>;
    for (const [type, range] of Object.entries(table)) assertRange(`timing.runMs.${type}`, range as MsRange);
    runFor = (type) => table[type] ?? DEFAULT_RUN_MS[type];
  }
  const failureRate = positive('failureRate', options.failureRate, 0, true);
  if (failureRate > 1) throw new RangeError(`failureRate must be in [0, 1], got ${failureRate}`);
  return {
    port: positive('port', options.port, 0, true),
    host: options.host ?? '127.0.0.1',
    timeScale: positive('timeScale', options.timeScale, 1, true),
    apiKeys: options.apiKeys ? new Set(options.apiKeys) : undefined,
    seed: (options.seed ?? Math.floor(Math.random() * 2 ** 32)) >>> 0,
    concurrency: perModel(options.concurrency, DEFAULT_CONCURRENCY),
    dailyLimit: perModel(options.dailyLimit, Number.POSITIVE_INFINITY),
    dailyWindowMs: positive('dailyWindowMs', options.dailyWindowMs, DEFAULT_DAILY_WINDOW_MS),
    createRateLimit: options.createRateLimit,
    queueMs,
    runMs: runFor,
    slowFactor: positive('timing.slowFactor', timing.slowFactor, DEFAULT_SLOW_FACTOR),
    progress: options.progress ?? 'linear',
    failureRate,
    outputTtlMs: positive('outputTtlMs', options.outputTtlMs, DEFAULT_OUTPUT_TTL_MS),
    retentionMs: positive('retentionMs', options.retentionMs, DEFAULT_RETENTION_MS, true),
    outputBytes: options.outputBytes,
    maxBodyBytes: positive('maxBodyBytes', options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES),
    requestLogLimit: positive('requestLogLimit', options.requestLogLimit, DEFAULT_REQUEST_LOG_LIMIT, true),
    faults: options.faults ?? {},
  };
}
