import { isTaskType, safeValidateTaskInput, type TaskType } from '@runway-rx/core';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { defaultIfEmpty, filter, firstValueFrom, of, Subscription, timeout } from 'rxjs';
import { errorHandler, HttpError } from './http-error.js';
import type { Principal, RunwayRouter, RunwayRouterOptions } from './options.js';
import { formatSseEvent, SseStream } from './sse.js';
import { InMemoryTaskStore } from './store.js';
import { isFinalUpdate, TaskTracker, type TaskUpdate, type TrackedTask } from './tracker.js';
import { SSE_EVENT } from './view.js';

const ANONYMOUS: Principal = Object.freeze({ id: 'anonymous' });
/** Task ids and handles: what Runway's uuids and the router's `q_…` handles look like. */
const TASK_REF = /^[A-Za-z0-9_-]{1,128}$/;
const NOT_FOUND = () => new HttpError(404, 'not_found', 'No such task');

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(typeof value === 'number' && value >= 0 && !Number.isNaN(value))) {
    throw new RangeError(`${name} must be a non-negative number, got ${String(value)}`);
  }
  return value;
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
  if (typeof status === 'number') return status;
  return typeof statusCode === 'number' ? statusCode : undefined;
}

function toPrincipal(value: Principal | string | null | undefined): Principal | undefined {
  if (typeof value === 'string') return value.length > 0 ? { id: value } : undefined;
  if (value && typeof value.id === 'string' && value.id.length > 0) return value;
  return undefined;
}

/** `Last-Event-ID` as a version; anything else counts as absent (the client then gets the latest). */
function lastEventId(req: Request): number | undefined {
  const header = req.get('last-event-id')?.trim();
  if (!header || !/^\d{1,16}$/.test(header)) return undefined;
  return Number(header);
}

/** The `ids` of a multi-task stream: `?ids=a,b` or `?ids=a&ids=b`, deduplicated. */
function idsOf(req: Request): string[] {
  const raw = req.query.ids;
  const parts = (Array.isArray(raw) ? raw : [raw])
    .filter((value): value is string => typeof value === 'string')
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value.length > 0);
  return [...new Set(parts)];
}

/**
 * An Express router that lets browsers create, watch and cancel Runway tasks while the API key
 * stays on the server.
 *
 * - `POST /:type` validates a JSON body against the model's schema and submits it:
 *   `202 { id, handle, status, events, … }`.
 * - `GET /events?ids=a,b` one Server-Sent Events stream for several tasks.
 * - `GET /:id` the latest state as JSON; `GET /:id/events` its states as Server-Sent Events.
 * - `DELETE /:id` cancels it.
 *
 * ```ts
 * app.use('/tasks', runwayRouter({ client, authorize: (req) => req.user?.id }));
 * ```
 */
export function runwayRouter(options: RunwayRouterOptions): RunwayRouter {
  const { client, authorize, allowAnonymous = false } = options;
  if (!client) throw new TypeError('runwayRouter needs { client }: a client from createRunwayClient()');
  if (!authorize && !allowAnonymous) {
    throw new TypeError(
      'runwayRouter needs { authorize } to tell who sends each request, or { allowAnonymous: true } to let ' +
        'everyone share one anonymous principal',
    );
  }
  const ownership = options.ownership ?? 'principal';
  const streamLimit = nonNegative('limits.streamsPerPrincipal', options.limits?.streamsPerPrincipal, 10);
  const taskLimit = nonNegative('limits.tasksPerPrincipal', options.limits?.tasksPerPrincipal, 20);
  const idsLimit = nonNegative('limits.idsPerStream', options.limits?.idsPerStream, 50);
  const heartbeatMs = nonNegative('heartbeatMs', options.heartbeatMs, 15_000);
  const retryMs = nonNegative('retryMs', options.retryMs, 2000);
  const idWaitMs = nonNegative('idWaitMs', options.idWaitMs, 1500);
  const report =
    options.onError ??
    ((error: unknown) => console.error('runway-rx router:', error instanceof Error ? error.message : error));

  const tracker = new TaskTracker({
    client,
    store: options.taskStore ?? new InMemoryTaskStore(),
    report,
    outputUrl: options.outputUrl,
    ...(options.retentionMs !== undefined ? { retentionMs: options.retentionMs } : {}),
  });
  const principals = new WeakMap<Request, Principal>();
  const streamsOf = new Map<string, number>();
  const streams = new Set<SseStream>();

  const principalOf = (req: Request): Principal => principals.get(req) ?? ANONYMOUS;

  /** Each update is formatted once, however many streams carry it. */
  const formatted = new WeakMap<TaskUpdate, string>();
  const eventText = (update: TaskUpdate): string => {
    let text = formatted.get(update);
    if (text === undefined) {
      const event = update.kind === 'task' ? SSE_EVENT.task : SSE_EVENT.taskError;
      text = formatSseEvent({ event, id: update.version, data: update.data });
      formatted.set(update, text);
    }
    return text;
  };

  const authenticate: RequestHandler = async (req, _res, next) => {
    let claimed: Principal | string | null | undefined;
    try {
      claimed = authorize ? await authorize(req) : undefined;
    } catch (error) {
      if (statusOf(error) === 403) throw new HttpError(403, 'forbidden', 'Not allowed');
      throw new HttpError(401, 'unauthorized', 'Authentication required');
    }
    const principal = toPrincipal(claimed) ?? (allowAnonymous ? ANONYMOUS : undefined);
    if (!principal) throw new HttpError(401, 'unauthorized', 'Authentication required');
    principals.set(req, principal);
    next();
  };

  /** The task `ref` names, if the caller may see it; 404 otherwise (others' tasks look absent). */
  async function owned(req: Request, ref: string): Promise<TrackedTask> {
    if (!TASK_REF.test(ref)) throw NOT_FOUND();
    const task = await tracker.resolve(ref, ownership === 'any');
    if (!task || (ownership === 'principal' && task.principal !== principalOf(req).id)) throw NOT_FOUND();
    return task;
  }

  const sendJson = (res: Response, status: number, body: unknown) => {
    res.status(status).setHeader('Cache-Control', 'no-store').json(body);
  };

  /** Streams the states of `tasks` until all are final. */
  function stream(req: Request, res: Response, tasks: readonly TrackedTask[]): void {
    const since = lastEventId(req);
    const has = (update: TaskUpdate | undefined) =>
      since !== undefined && update !== undefined && update.version <= since;
    if (tasks.every((task) => task.final && has(task.latest))) {
      // A reconnect after the final state: 204 tells EventSource to stop reconnecting.
      res.status(204).end();
      return;
    }
    const principal = principalOf(req).id;
    const open = streamsOf.get(principal) ?? 0;
    if (open >= streamLimit) {
      throw new HttpError(
        429,
        'too_many_streams',
        `At most ${streamLimit} event streams may be open at once`,
      );
    }
    streamsOf.set(principal, open + 1);
    const sse = new SseStream(req, res, { retryMs, heartbeatMs });
    streams.add(sse);
    const subscription = new Subscription();
    sse.onClose(() => {
      streams.delete(sse);
      subscription.unsubscribe();
      const left = (streamsOf.get(principal) ?? 1) - 1;
      if (left > 0) streamsOf.set(principal, left);
      else streamsOf.delete(principal);
    });

    const sent = new Map<TrackedTask, number>();
    const pending = new Set(tasks);
    const deliver = (task: TrackedTask, key: string, update: TaskUpdate) => {
      if (!has(update) && update.version > (sent.get(task) ?? 0)) {
        sent.set(task, update.version);
        sse.send(eventText(update), key);
      }
      if (isFinalUpdate(update) && pending.delete(task) && pending.size === 0) {
        sse.send({ event: SSE_EVENT.end, data: '{}' }, '\0end');
        sse.end();
      }
    };
    // What each task is at now, oldest first so that ids increase along the stream.
    const now = tasks
      .map((task, index) => ({ task, key: String(index), update: task.latest }))
      .filter((entry): entry is typeof entry & { update: TaskUpdate } => entry.update !== undefined)
      .sort((a, b) => a.update.version - b.update.version);
    for (const { task, key, update } of now) deliver(task, key, update);
    tasks.forEach((task, index) => {
      if (!pending.has(task) || sse.closed) return;
      subscription.add(task.updates.subscribe((update) => deliver(task, String(index), update)));
    });
  }

  const router = express.Router() as express.Router & Partial<Pick<RunwayRouter, 'close' | 'openStreams'>>;
  router.use(authenticate);

  router.post(
    '/:type',
    (req: Request, _res: Response, next: NextFunction) => {
      // Before reading the body: an unknown type or a non-JSON body is refused without buffering it.
      if (!isTaskType(req.params.type as string)) {
        throw new HttpError(404, 'unknown_task_type', 'No such task type');
      }
      if (!req.is('application/json')) {
        throw new HttpError(
          415,
          'unsupported_media_type',
          'Send the body as JSON (Content-Type: application/json)',
        );
      }
      next();
    },
    express.json({ limit: options.bodyLimit ?? '8mb', strict: false }),
    async (req: Request, res: Response) => {
      const type = req.params.type as TaskType;
      const principal = principalOf(req);
      const result = safeValidateTaskInput(type, req.body);
      if (!result.success) {
        throw new HttpError(400, 'validation_failed', result.error.message, { issues: result.error.issues });
      }
      if (tracker.inFlight(principal.id) >= taskLimit) {
        throw new HttpError(429, 'too_many_tasks', `At most ${taskLimit} tasks may be in flight at once`);
      }
      const queueKey = options.queueKey?.(req, principal) ?? principal.id;
      const input = result.data as { readonly model: string };
      const task = await tracker.submit(type, input, { principal: principal.id, queueKey });
      const first = await firstValueFrom(
        task.updates.pipe(
          filter((update) => update.kind === 'error' || update.view.status !== 'QUEUED'),
          timeout({ first: idWaitMs, with: () => of(undefined) }),
          defaultIfEmpty(undefined),
        ),
      );
      // Refused before it existed (a spent quota, an unreachable API): nothing to watch.
      if (first?.kind === 'error') throw first.httpError;
      await task.stored;
      const events = `${req.baseUrl}/${encodeURIComponent(task.id)}/events`;
      res.location(`${req.baseUrl}/${encodeURIComponent(task.id)}`);
      sendJson(res, 202, { ...task.view, id: task.id, events });
    },
  );

  // Before `/:id`, which would take "events" for an id.
  router.get('/events', async (req: Request, res: Response) => {
    const ids = idsOf(req);
    if (ids.length === 0) throw new HttpError(400, 'bad_request', 'Name the tasks: ?ids=a,b,c');
    if (ids.length > idsLimit) {
      throw new HttpError(400, 'bad_request', `At most ${idsLimit} tasks per stream`);
    }
    const tasks = await Promise.all(ids.map((id) => owned(req, id)));
    stream(req, res, [...new Set(tasks)]);
  });

  router.get('/:id', async (req: Request, res: Response) => {
    const task = await owned(req, req.params.id as string);
    const current = await task.current();
    if (current?.kind === 'error') throw current.httpError;
    sendJson(res, 200, current?.view ?? task.view);
  });

  router.get('/:id/events', async (req: Request, res: Response) => {
    stream(req, res, [await owned(req, req.params.id as string)]);
  });

  router.delete('/:id', async (req: Request, res: Response) => {
    const task = await owned(req, req.params.id as string);
    const result = await task.cancel();
    if (result === 'not_found') throw NOT_FOUND();
    sendJson(res, 200, { id: task.id, ...(task.handle ? { handle: task.handle } : {}), result });
  });

  router.use(errorHandler(report));

  router.close = () => {
    for (const sse of [...streams]) sse.close();
    tracker.close();
  };
  Object.defineProperty(router, 'openStreams', { get: () => streams.size, enumerable: true });
  return router as RunwayRouter;
}
