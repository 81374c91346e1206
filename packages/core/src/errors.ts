import type { TaskSnapshot } from './schema/task.js';

/**
 * Every error runway-rx raises is a `RunwayRxError`. Subclasses carry the fields a caller needs to
 * act on them (status, retryAfter, taskId, issues), keep the underlying `cause`, and each has a type
 * guard so callers never depend on `instanceof` across duplicated package copies.
 */

/** One problem found in a request body, named by its path and the rule it broke. */
export interface ValidationIssue {
  /** Dotted path of the field, e.g. `promptImage.0.uri`; empty for the body itself. */
  readonly path: string;
  /** Machine-readable rule: `required`, `enum`, `too_small`, `too_big`, `type`, `format`, `unknown_field`, … */
  readonly code: string;
  /** What the rule demands, phrased for a person: "must be one of 1280:720, 720:1280". */
  readonly message: string;
}

const brand = Symbol.for('runway-rx.error');

export class RunwayRxError extends Error {
  /** Present when the error concerns a task that exists (or may exist) at Runway. */
  readonly taskId: string | undefined;
  readonly [brand] = true;

  constructor(message: string, options: { cause?: unknown; taskId?: string | undefined } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.taskId = options.taskId;
  }
}

/** Input rejected before any request was sent (or by the server with a 400). */
export class ValidationError extends RunwayRxError {
  readonly issues: readonly ValidationIssue[];
  readonly taskType: string | undefined;
  readonly model: string | undefined;

  constructor(
    message: string,
    options: {
      issues: readonly ValidationIssue[];
      taskType?: string | undefined;
      model?: string | undefined;
      cause?: unknown;
    },
  ) {
    super(message, options);
    this.issues = options.issues;
    this.taskType = options.taskType;
    this.model = options.model;
  }
}

/** The server answered with an HTTP error status. */
export class ApiError extends RunwayRxError {
  readonly status: number;
  /** The parsed JSON body (or text) the server answered with. Never contains the API key. */
  readonly body: unknown;
  readonly method: string;
  readonly path: string;

  constructor(
    message: string,
    options: {
      status: number;
      body?: unknown;
      method: string;
      path: string;
      taskId?: string | undefined;
      cause?: unknown;
    },
  ) {
    super(message, options);
    this.status = options.status;
    this.body = options.body;
    this.method = options.method;
    this.path = options.path;
  }
}

/** 401: the API key is missing, malformed or revoked. Never retried. */
export class AuthenticationError extends ApiError {}

/** 429: too many requests, or the organization's daily generation limit is spent. */
export class RateLimitError extends ApiError {
  /** Milliseconds the server asked us to wait, when it said. */
  readonly retryAfter: number | undefined;
  /** Wall-clock time after which a retry may succeed, when known. */
  readonly retryAt: Date | undefined;

  constructor(
    message: string,
    options: ConstructorParameters<typeof ApiError>[1] & { retryAfter?: number | undefined },
  ) {
    super(message, options);
    this.retryAfter = options.retryAfter;
    this.retryAt = options.retryAfter === undefined ? undefined : new Date(Date.now() + options.retryAfter);
  }
}

/**
 * The connection failed. `requestMayHaveReachedServer` tells whether the server may have acted on
 * it: for a create, `true` means a task may exist and was deliberately not created a second time.
 */
export class NetworkError extends RunwayRxError {
  readonly requestMayHaveReachedServer: boolean;
  readonly method: string;
  readonly path: string;

  constructor(
    message: string,
    options: {
      method: string;
      path: string;
      requestMayHaveReachedServer: boolean;
      taskId?: string | undefined;
      cause?: unknown;
    },
  ) {
    super(message, options);
    this.requestMayHaveReachedServer = options.requestMayHaveReachedServer;
    this.method = options.method;
    this.path = options.path;
  }
}

/** A request or a whole task took longer than allowed. */
export class TimeoutError extends RunwayRxError {
  readonly timeoutMs: number;

  constructor(message: string, options: { timeoutMs: number; taskId?: string | undefined; cause?: unknown }) {
    super(message, options);
    this.timeoutMs = options.timeoutMs;
  }
}

/** The server sent something that is not a Runway task (or not JSON at all). */
export class MalformedResponseError extends RunwayRxError {
  readonly body: unknown;

  constructor(message: string, options: { body: unknown; taskId?: string | undefined; cause?: unknown }) {
    super(message, options);
    this.body = options.body;
  }
}

/** The operation was aborted through an `AbortSignal`. */
export class AbortError extends RunwayRxError {}

/**
 * Raised by the promise helpers (`run`, async iteration is unaffected) when a task ends FAILED or
 * CANCELLED. The stream itself emits those states as values.
 */
export class TaskFailedError extends RunwayRxError {
  readonly failure: string | undefined;
  readonly failureCode: string | undefined;
  /** The terminal snapshot (status FAILED or CANCELLED). */
  readonly snapshot: TaskSnapshot;

  constructor(
    message: string,
    options: {
      taskId: string;
      failure?: string | undefined;
      failureCode?: string | undefined;
      snapshot: TaskSnapshot;
    },
  ) {
    super(message, options);
    this.failure = options.failure;
    this.failureCode = options.failureCode;
    this.snapshot = options.snapshot;
  }
}

// Names live on the prototypes (not instances, not constructor names, which bundlers may rename),
// so a guard can walk the chain: an AuthenticationError is also an ApiError.
for (const [ctor, name] of [
  [RunwayRxError, 'RunwayRxError'],
  [ValidationError, 'ValidationError'],
  [ApiError, 'ApiError'],
  [AuthenticationError, 'AuthenticationError'],
  [RateLimitError, 'RateLimitError'],
  [NetworkError, 'NetworkError'],
  [TimeoutError, 'TimeoutError'],
  [MalformedResponseError, 'MalformedResponseError'],
  [AbortError, 'AbortError'],
  [TaskFailedError, 'TaskFailedError'],
] as const) {
  Object.defineProperty(ctor.prototype, 'name', { value: name, writable: true, configurable: true });
}

export function isRunwayRxError(value: unknown): value is RunwayRxError {
  return value instanceof Error && brand in value;
}

function guard<T extends RunwayRxError>(name: string): (value: unknown) => value is T {
  return (value: unknown): value is T => {
    if (!isRunwayRxError(value)) return false;
    for (let proto = Object.getPrototypeOf(value); proto && proto !== Error.prototype; ) {
      if (Object.hasOwn(proto, 'name') && proto.name === name) return true;
      proto = Object.getPrototypeOf(proto);
    }
    return false;
  };
}

export const isValidationError = guard<ValidationError>('ValidationError');
export const isApiError = guard<ApiError>('ApiError');
export const isAuthenticationError = guard<AuthenticationError>('AuthenticationError');
export const isRateLimitError = guard<RateLimitError>('RateLimitError');
export const isNetworkError = guard<NetworkError>('NetworkError');
export const isTimeoutError = guard<TimeoutError>('TimeoutError');
export const isMalformedResponseError = guard<MalformedResponseError>('MalformedResponseError');
export const isAbortError = guard<AbortError>('AbortError');
export const isTaskFailedError = guard<TaskFailedError>('TaskFailedError');
