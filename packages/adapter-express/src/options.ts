import type { RunwayClient } from '@runway-rx/core';
import type { Request, Router } from 'express';
import type { TaskStore } from './store.js';

/** Who is asking: the router scopes tasks, streams and limits to this id. */
export interface Principal {
  readonly id: string;
}

/**
 * Tells who sent a request: a principal (or its id), or `undefined`/`null` for nobody (401).
 * Throwing also answers 401, unless the error has `status` (or `statusCode`) 403: then 403.
 */
export type Authorize = (
  req: Request,
) => Principal | string | null | undefined | Promise<Principal | string | null | undefined>;

export interface RunwayRouterLimits {
  /** Event streams one principal may hold open at once. Default 10. */
  readonly streamsPerPrincipal?: number;
  /** Tasks one principal may have in flight (submitted, not final). Default 20. */
  readonly tasksPerPrincipal?: number;
  /** Task ids in one `GET /events?ids=…` stream. Default 50. */
  readonly idsPerStream?: number;
}

export interface RunwayRouterOptions {
  /** The client that submits, watches and cancels; it holds the API key, which never leaves the server. */
  readonly client: RunwayClient;
  /** Who sent a request. Required unless `allowAnonymous`. */
  readonly authorize?: Authorize;
  /**
   * Serve requests `authorize` does not claim (or every request, without `authorize`) as one
   * shared principal, `anonymous`. An explicit choice: every anonymous caller can then see and
   * cancel every anonymous task.
   */
  readonly allowAnonymous?: boolean;
  /**
   * `principal` (default): a task can be read, watched and cancelled only by the principal that
   * submitted it; others get 404, as for a task that does not exist. `any`: by every authorized
   * principal, including Runway task ids the router never submitted.
   */
  readonly ownership?: 'principal' | 'any';
  readonly limits?: RunwayRouterLimits;
  /** A `: hb` comment on idle event streams this often. Default 15_000; 0 turns it off. */
  readonly heartbeatMs?: number;
  /** The `retry:` sent first on event streams: the client's reconnect delay. Default 2000. */
  readonly retryMs?: number;
  /**
   * Largest JSON body accepted (bytes, or a string such as `'8mb'`). Default `'8mb'`: a 5 MB
   * `data:image/…` URI, the largest the API takes, fits.
   */
  readonly bodyLimit?: number | string;
  /**
   * How long `POST` waits for the Runway task id before answering with the router's handle
   * (`q_…`) of a task still in the server's queue. Default 1500.
   */
  readonly idWaitMs?: number;
  /**
   * The scheduler queue a request's task joins: tasks of different keys take turns. Default the
   * principal id (each user waits their turn, none can fill the queue for the others).
   */
  readonly queueKey?: (req: Request, principal: Principal) => string;
  /** Who owns which task. Default an `InMemoryTaskStore`; share one between instances. */
  readonly taskStore?: TaskStore;
  /**
   * Rewrites each output URL before a browser sees it: to serve outputs through your own origin
   * (a proxy, a CDN, your storage after copying them). Default: Runway's URLs as they are.
   */
  readonly outputUrl?: (url: string) => string;
  /** How long a finished task's record is kept in this process for streams and lookups. Default 10 min. */
  readonly retentionMs?: number;
  /**
   * Told about errors that are the server's, not the caller's (answered 5xx, store failures).
   * Default: logged to `console.error`. Answers never include them.
   */
  readonly onError?: (error: unknown) => void;
}

/** An Express router with a way to end its event streams when the server shuts down. */
export interface RunwayRouter extends Router {
  /** Ends every open event stream and stops following tasks (the tasks themselves go on). */
  close(): void;
  /** Event streams open now. */
  readonly openStreams: number;
}
