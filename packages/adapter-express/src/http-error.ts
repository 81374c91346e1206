import {
  isAbortError,
  isApiError,
  isAuthenticationError,
  isMalformedResponseError,
  isNetworkError,
  isRateLimitError,
  isTimeoutError,
  isValidationError,
  type ValidationIssue,
} from '@runway-rx/core';
import type { ErrorRequestHandler } from 'express';

/** The JSON body of every error the router answers with. */
export interface ErrorBody {
  /** Machine-readable: `validation_failed`, `not_found`, `rate_limited`, … */
  readonly error: string;
  /** For people. Never holds a key, a stack trace or an internal URL. */
  readonly message: string;
  readonly issues?: readonly ValidationIssue[];
  /** Seconds to wait, on a 429. */
  readonly retryAfter?: number;
}

/** An HTTP error the router answers with: a status and a JSON body that is safe to show. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly issues: readonly ValidationIssue[] | undefined;
  /** Milliseconds, sent as `Retry-After` (rounded up to seconds). */
  readonly retryAfterMs: number | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { issues?: readonly ValidationIssue[]; retryAfterMs?: number | undefined; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.code = code;
    this.issues = options.issues;
    this.retryAfterMs = options.retryAfterMs;
  }

  get body(): ErrorBody {
    return {
      error: this.code,
      message: this.message,
      ...(this.issues ? { issues: this.issues } : {}),
      ...(this.retryAfterMs !== undefined ? { retryAfter: Math.ceil(this.retryAfterMs / 1000) } : {}),
    };
  }
}
Object.defineProperty(HttpError.prototype, 'name', { value: 'HttpError', configurable: true });

/** What Express's body parser attaches to the errors it raises. */
interface BodyParserError {
  readonly type?: unknown;
  readonly status?: unknown;
  readonly expose?: unknown;
}

function bodyParserError(error: unknown): HttpError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { type, status } = error as BodyParserError;
  if (typeof type !== 'string' || typeof status !== 'number') return undefined;
  if (type === 'entity.too.large') {
    return new HttpError(413, 'payload_too_large', 'The request body is larger than this server accepts');
  }
  if (type === 'entity.parse.failed') return new HttpError(400, 'invalid_json', 'The body is not valid JSON');
  if (status === 415) return new HttpError(415, 'unsupported_media_type', 'Send the body as UTF-8 JSON');
  if (status >= 400 && status < 500)
    return new HttpError(status, 'bad_request', 'The request could not be read');
  return undefined;
}

/**
 * Maps anything thrown while handling a request to an `HttpError` whose body is safe to send:
 * core errors by kind, Express's body-parser errors by type, and everything else to a generic 500.
 */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (isValidationError(error)) {
    return new HttpError(400, 'validation_failed', 'The input is not valid for this model', {
      issues: error.issues,
    });
  }
  if (isRateLimitError(error)) {
    return new HttpError(
      429,
      'rate_limited',
      'The generation service is busy or its limit is spent; retry later',
      {
        retryAfterMs: error.retryAfter,
      },
    );
  }
  if (isAuthenticationError(error)) {
    // The server's own key was refused: a configuration problem, not the caller's.
    return new HttpError(502, 'upstream_unavailable', 'The generation service is unavailable');
  }
  if (isApiError(error)) {
    if (error.status === 404) return new HttpError(404, 'not_found', 'No such task');
    return new HttpError(502, 'upstream_error', 'The generation service answered with an error');
  }
  if (isTimeoutError(error)) {
    return new HttpError(504, 'upstream_timeout', 'The generation service did not answer in time');
  }
  if (isNetworkError(error) || isMalformedResponseError(error)) {
    return new HttpError(502, 'upstream_unavailable', 'The generation service is unavailable');
  }
  if (isAbortError(error)) return new HttpError(503, 'shutting_down', 'The server is shutting down');
  return bodyParserError(error) ?? new HttpError(500, 'internal_error', 'Something went wrong on the server');
}

/**
 * The router's error handler: every error becomes a JSON body from `toHttpError`. Errors that are
 * not the caller's doing (5xx) go to `report` first, e.g. a logger.
 */
export function errorHandler(report: ((error: unknown) => void) | undefined): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) {
      // A stream already started: nothing sensible can be sent any more.
      next(error);
      return;
    }
    const mapped = toHttpError(error);
    if (mapped.status >= 500) report?.(error);
    if (mapped.retryAfterMs !== undefined) {
      res.setHeader('Retry-After', String(Math.max(0, Math.ceil(mapped.retryAfterMs / 1000))));
    }
    res.status(mapped.status).setHeader('Cache-Control', 'no-store').json(mapped.body);
  };
}
