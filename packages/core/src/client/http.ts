import { Agent, type Dispatcher, request, errors as undiciErrors } from 'undici';
import {
  ApiError,
  AuthenticationError,
  isRateLimitError,
  MalformedResponseError,
  NetworkError,
  RateLimitError,
  TimeoutError,
  ValidationError,
  type ValidationIssue,
} from '../errors.js';
import type { RateLimiter } from './rate-limiter.js';
import { abortReason, parseRetryAfter } from './timing.js';

export interface HttpOptions {
  readonly apiKey: string;
  readonly baseUrl: string;
  readonly apiVersion: string;
  readonly timeoutMs: number;
  readonly dispatcher: Dispatcher;
  readonly limiter: RateLimiter;
  readonly headers: Readonly<Record<string, string>>;
}

export interface HttpResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Record<string, string | string[] | undefined>;
}

/** Error codes meaning the request never left this machine: safe to retry even a create. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'ENETUNREACH',
]);

/** Creates the keep-alive agent a client owns when the caller gives no dispatcher. */
export function createDefaultDispatcher(): Agent {
  return new Agent({ keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000, connections: 64, pipelining: 1 });
}

/**
 * The one place that talks HTTP: paces every request through the rate limiter, sends the headers
 * Runway wants, and turns every failure into a typed error. It never retries: retry policy belongs
 * to the callers, which know whether a request is safe to repeat.
 */
export class RunwayHttp {
  readonly #options: HttpOptions;
  readonly #headers: Record<string, string>;

  constructor(options: HttpOptions) {
    this.#options = options;
    this.#headers = {
      ...options.headers,
      authorization: `Bearer ${options.apiKey}`,
      'x-runway-version': options.apiVersion,
      accept: 'application/json',
    };
  }

  get limiter(): RateLimiter {
    return this.#options.limiter;
  }

  /**
   * Sends one request. Throws `ApiError` (and its subclasses) for error statuses, `NetworkError`,
   * `TimeoutError` or `MalformedResponseError` otherwise; each says whether the request may have
   * reached the server.
   */
  async send(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    init: {
      body?: unknown;
      /** Aborts the wait for the rate limiter and the request itself. */
      signal?: AbortSignal | undefined;
      /** Aborts only the wait for the rate limiter (a create is never cut off once sent). */
      acquireSignal?: AbortSignal | undefined;
      taskId?: string | undefined;
    } = {},
  ): Promise<HttpResponse> {
    const { signal } = init;
    const limiter = this.#options.limiter;
    const release = await limiter.acquire(init.acquireSignal ?? signal);
    try {
      const response = await this.#send(method, path, init);
      release(true);
      return response;
    } catch (error) {
      const refused = isRateLimitError(error);
      release(!refused);
      // The server pushes back on reads and cancels: slow every request down. (A create's 429 is
      // the create pacer's business: it may be a quota, not a rate.)
      if (refused && method !== 'POST') limiter.penalize();
      throw error;
    }
  }

  async #send(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    init: { body?: unknown; signal?: AbortSignal | undefined; taskId?: string | undefined },
  ): Promise<HttpResponse> {
    const { signal, taskId } = init;
    const url = `${this.#options.baseUrl}${path}`;
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, {
        method,
        dispatcher: this.#options.dispatcher,
        headers:
          init.body === undefined ? this.#headers : { ...this.#headers, 'content-type': 'application/json' },
        body: init.body === undefined ? null : JSON.stringify(init.body),
        signal: signal ?? null,
        headersTimeout: this.#options.timeoutMs,
        bodyTimeout: this.#options.timeoutMs,
      });
    } catch (error) {
      throw this.#connectionError(error, method, path, signal, taskId);
    }

    let text: string;
    try {
      text = await response.body.text();
    } catch (error) {
      throw this.#connectionError(error, method, path, signal, taskId);
    }
    const headers = response.headers as Record<string, string | string[] | undefined>;
    let body: unknown = text;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch (cause) {
        if (response.statusCode < 300) {
          throw new MalformedResponseError(
            `${method} ${path} answered ${response.statusCode} with a body that is not JSON`,
            { body: text.slice(0, 500), taskId, cause },
          );
        }
      }
    } else {
      body = undefined;
    }
    if (response.statusCode >= 400)
      throw this.#statusError(response.statusCode, body, headers, method, path, taskId);
    return { status: response.statusCode, body, headers };
  }

  #statusError(
    status: number,
    body: unknown,
    headers: Record<string, string | string[] | undefined>,
    method: string,
    path: string,
    taskId: string | undefined,
  ): ApiError | ValidationError {
    const serverMessage =
      typeof (body as { error?: unknown } | undefined)?.error === 'string'
        ? (body as { error: string }).error
        : undefined;
    const base = { status, body, method, path, taskId };
    const said = serverMessage ? `: ${serverMessage}` : '';
    if (status === 400 && Array.isArray((body as { issues?: unknown } | undefined)?.issues)) {
      const issues = (
        (body as { issues: { path?: unknown; code?: unknown; message?: unknown }[] }).issues ?? []
      ).map(
        (issue): ValidationIssue => ({
          path: Array.isArray(issue.path) ? issue.path.join('.') : String(issue.path ?? ''),
          code: String(issue.code ?? 'invalid'),
          message: String(issue.message ?? 'is invalid'),
        }),
      );
      return new ValidationError(`The server rejected the request${said}`, {
        issues,
        cause: new ApiError(`${method} ${path} answered 400`, base),
      });
    }
    if (status === 401) {
      return new AuthenticationError(
        `Authentication failed (401)${said}. Check the API key (RUNWAYML_API_SECRET).`,
        base,
      );
    }
    if (status === 429) {
      const retryAfter = parseRetryAfter(headers);
      const when = retryAfter === undefined ? '' : ` Retry after ${Math.ceil(retryAfter / 1000)} s.`;
      return new RateLimitError(`Rate limited (429)${said}.${when}`, { ...base, retryAfter });
    }
    return new ApiError(`${method} ${path} answered ${status}${said}`, base);
  }

  #connectionError(
    error: unknown,
    method: string,
    path: string,
    signal: AbortSignal | undefined,
    taskId: string | undefined,
  ): Error {
    if (signal?.aborted) return abortReason(signal);
    const code = (error as { code?: string } | undefined)?.code;
    if (
      error instanceof undiciErrors.HeadersTimeoutError ||
      error instanceof undiciErrors.BodyTimeoutError ||
      code === 'UND_ERR_HEADERS_TIMEOUT' ||
      code === 'UND_ERR_BODY_TIMEOUT'
    ) {
      return new TimeoutError(`${method} ${path} timed out after ${this.#options.timeoutMs} ms`, {
        timeoutMs: this.#options.timeoutMs,
        taskId,
        cause: error,
      });
    }
    const notSent = code !== undefined && NOT_SENT_CODES.has(code);
    return new NetworkError(`${method} ${path} failed: ${(error as Error)?.message ?? String(error)}`, {
      method,
      path,
      requestMayHaveReachedServer: !notSent,
      taskId,
      cause: error,
    });
  }
}
