import type { IncomingMessage, ServerResponse } from 'node:http';
import { isTaskType, safeValidateTaskInput, type TaskType } from '@runway-rx/core';
import type { TaskEngine } from '../engine/engine.js';
import type { RollingLimit } from '../engine/limits.js';
import { isAcceptedKey, keyId } from '../keys.js';
import type { Faults, ResolvedOptions } from '../options.js';
import type { FaultPlan, FaultRoute } from './faults.js';
import { BodyTooLargeError, bearerToken, delay, readBody, sendError, sendJson } from './io.js';
import { OUTPUTS_PREFIX, type OutputSigner, outputFile, sendMedia } from './outputs.js';
import type { RequestLogEntry, RequestRecorder, SimulatorStats } from './stats.js';
import { UPLOADS_PREFIX, type UploadStore, uploadMediaType } from './uploads.js';
import { DOC_URL, toWireIssue, wireTask } from './wire.js';

/** The API version the simulator speaks (`X-Runway-Version`). */
export const API_VERSION = '2024-11-06';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** Everything a request handler needs. */
export interface HandlerContext {
  readonly options: ResolvedOptions;
  readonly engine: TaskEngine;
  readonly recorder: RequestRecorder;
  readonly faults: FaultPlan;
  readonly signer: OutputSigner;
  readonly uploads: UploadStore;
  readonly dailyLimit: RollingLimit;
  readonly createRate: RollingLimit;
  readonly now: () => number;
  readonly baseUrl: () => string;
  readonly stats: () => SimulatorStats;
  readonly setFaults: (faults: Faults) => void;
  readonly reset: () => void;
}

type LogDraft = {
  -readonly [K in keyof RequestLogEntry]: RequestLogEntry[K];
};

interface Exchange {
  readonly ctx: HandlerContext;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly log: LogDraft;
}

/** A request handler for `node:http` serving the Runway API and the simulator's own routes. */
export function createHandler(ctx: HandlerContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(ctx, req, res).catch(() => {
      if (!res.headersSent) sendError(res, 500, 'An internal error occurred in the simulator.');
      else res.destroy();
    });
  };
}

async function handle(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://simulator.invalid');
  const method = req.method ?? 'GET';
  const path = url.pathname;
  const log: LogDraft = { at: ctx.now(), method, path, route: 'not_found', status: 0, durationMs: 0 };
  const exchange: Exchange = { ctx, req, res, url, log };

  if (path.startsWith('/__simulator/') || path === '/__simulator' || path === '/') {
    if (path.startsWith(OUTPUTS_PREFIX)) {
      track(exchange, false);
      return serveOutput(exchange);
    }
    if (path.startsWith(UPLOADS_PREFIX)) {
      track(exchange, false);
      return serveUploadData(exchange);
    }
    return serveAdmin(exchange);
  }

  track(exchange, path.startsWith('/v1/'));
  const taskPath = /^\/v1\/tasks\/([^/]+)$/.exec(path);
  if (taskPath) {
    const id = decodeSegment(taskPath[1] as string);
    if (method === 'GET') return api(exchange, 'get', () => getTask(exchange, id));
    if (method === 'DELETE') return api(exchange, 'delete', () => deleteTask(exchange, id));
    return methodNotAllowed(exchange, 'GET, DELETE');
  }
  if (path === '/v1/uploads') {
    if (method !== 'POST') return methodNotAllowed(exchange, 'POST');
    log.route = 'upload';
    return api(exchange, 'other', () => createUpload(exchange));
  }
  const createPath = /^\/v1\/([a-z0-9_]+)$/.exec(path);
  const type = createPath?.[1];
  if (type && isTaskType(type)) {
    if (method !== 'POST') return methodNotAllowed(exchange, 'POST');
    return api(exchange, 'create', () => createTask(exchange, type));
  }
  sendError(res, 404, `No route for ${method} ${path}.`);
}

/** A decoded path segment; a malformed escape stays as it is (and matches no task). */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Records the exchange in the request log once the answer is sent or the connection is gone. */
function track(exchange: Exchange, api: boolean): void {
  const { ctx, res, log } = exchange;
  res.once('close', () => {
    log.status = res.writableFinished ? res.statusCode : 0;
    log.durationMs = ctx.now() - log.at;
    ctx.recorder.record({ ...log }, api);
  });
}

function methodNotAllowed(exchange: Exchange, allow: string): void {
  sendError(exchange.res, 405, `Method ${exchange.log.method} is not allowed here.`, { allow });
}

/**
 * Runs an API route behind the injected faults, authentication and version check, in that order:
 * a fault stands for a proxy or server failure, which happens before the API looks at the request.
 */
async function api(exchange: Exchange, route: FaultRoute, run: () => Promise<void> | void): Promise<void> {
  const { ctx, req, res, log } = exchange;
  if (route !== 'other') log.route = route;
  const latency = ctx.faults.latency(route);
  if (latency > 0) {
    ctx.recorder.countFault('latency');
    await delay(latency, res);
    if (res.destroyed) return;
  }
  const fault = ctx.faults.before(route);
  switch (fault.kind) {
    case 'reset_before':
      log.fault = 'reset_before';
      req.socket.destroy();
      return;
    case 'rate_429':
      log.fault = 'rate_429';
      sendError(res, 429, 'You have exceeded the rate limit for this endpoint.', {
        'retry-after': String(fault.retryAfterSeconds),
      });
      return;
    case 'error':
      log.fault = 'error';
      sendError(res, fault.status, 'The service is temporarily unavailable. Please retry.');
      return;
    case 'none':
      break;
  }

  const token = bearerToken(req);
  if (!token) {
    sendError(res, 401, 'No API key provided. Send it as "Authorization: Bearer <key>".');
    return;
  }
  if (!isAcceptedKey(token, ctx.options.apiKeys)) {
    sendError(res, 401, 'The API key provided is not valid.');
    return;
  }
  log.keyId = keyId(token);
  const version = req.headers['x-runway-version'];
  if (version !== API_VERSION) {
    const said =
      typeof version === 'string' ? ` "${version.slice(0, 40)}" is not supported.` : ' is missing.';
    sendError(res, 400, `The X-Runway-Version header${said} Send "X-Runway-Version: ${API_VERSION}".`);
    return;
  }
  await run();
}

/** Sends a 200 JSON answer, unless a post-commit fault replaces it. */
function answer(exchange: Exchange, route: FaultRoute, body: Record<string, unknown>): void {
  const { ctx, req, res, log } = exchange;
  const fault = ctx.faults.after(route);
  if (fault === 'reset_after_commit') {
    log.fault = 'reset_after_commit';
    req.socket.destroy();
    return;
  }
  if (fault === 'malformed') {
    log.fault = 'malformed';
    const text = JSON.stringify(body);
    const broken = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(broken)),
    });
    res.end(broken);
    return;
  }
  sendJson(res, 200, body);
}

/** Reads and parses a JSON body, answering 413 or 400 itself; `undefined` when it did. */
async function readJson(exchange: Exchange): Promise<{ value: unknown } | undefined> {
  const { ctx, req, res } = exchange;
  let raw: Buffer;
  try {
    raw = await readBody(req, ctx.options.maxBodyBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      sendError(res, 413, `The request body is larger than ${ctx.options.maxBodyBytes} bytes.`, {
        connection: 'close',
      });
      return undefined;
    }
    req.socket.destroy();
    return undefined;
  }
  try {
    return { value: JSON.parse(raw.toString('utf8')) };
  } catch {
    sendJson(res, 400, { error: 'The request body is not valid JSON.', docUrl: DOC_URL });
    return undefined;
  }
}

async function createTask(exchange: Exchange, type: TaskType): Promise<void> {
  const { ctx, res, log } = exchange;
  const body = await readJson(exchange);
  if (!body) return;
  const result = safeValidateTaskInput(type, body.value);
  if (!result.success) {
    sendJson(res, 400, {
      error: result.error.message,
      issues: result.error.issues.map(toWireIssue),
      docUrl: DOC_URL,
    });
    return;
  }
  const input = result.data as unknown as Readonly<Record<string, unknown>>;
  const model = String(input.model);
  const key = log.keyId as string;
  const now = ctx.now();
  const rate = ctx.options.createRateLimit;
  if (rate) {
    const wait = ctx.createRate.take(key, rate.perSecond, now);
    if (wait > 0) {
      sendError(res, 429, 'You have exceeded the rate limit for this endpoint.', {
        'retry-after': String(Math.max(1, Math.ceil(wait / 1000))),
      });
      return;
    }
  }
  const wait = ctx.dailyLimit.take(`${key}\u0000${model}`, ctx.options.dailyLimit(model), now);
  if (wait > 0) {
    sendError(res, 429, `You have exceeded the daily generation limit for model ${model}.`, {
      'retry-after': String(Math.max(1, Math.ceil(wait / 1000))),
    });
    return;
  }
  const task = ctx.engine.create(type, input, key);
  log.taskId = task.id;
  answer(exchange, 'create', { id: task.id, estimatedCost: { credits: task.estimatedCredits } });
}

function getTask(exchange: Exchange, id: string): void {
  const { ctx, res, log } = exchange;
  const task = UUID.test(id) ? ctx.engine.get(id) : undefined;
  if (!task) {
    sendError(res, 404, 'Task not found.');
    return;
  }
  log.taskId = task.id;
  const now = ctx.now();
  answer(
    exchange,
    'get',
    wireTask(task, () => ctx.signer.urls(ctx.baseUrl(), task, now)),
  );
}

function deleteTask(exchange: Exchange, id: string): void {
  const { ctx, res, log } = exchange;
  const result = UUID.test(id) ? ctx.engine.remove(id) : 'not_found';
  if (result === 'not_found') {
    sendError(res, 404, 'Task not found.');
    return;
  }
  log.taskId = id;
  sendJson(res, 204);
}

async function createUpload(exchange: Exchange): Promise<void> {
  const { ctx, res } = exchange;
  const body = await readJson(exchange);
  if (!body) return;
  const value = body.value as { filename?: unknown; type?: unknown } | null;
  const issues: { code: string; path: string[]; message: string }[] = [];
  const filename = value && typeof value === 'object' ? value.filename : undefined;
  const kind = value && typeof value === 'object' ? value.type : undefined;
  let mediaType: string | undefined;
  if (typeof filename !== 'string') {
    issues.push({
      code: filename === undefined ? 'required' : 'type',
      path: ['filename'],
      message: 'must be a string',
    });
  } else if (filename.length < 3 || filename.length > 255) {
    issues.push({ code: 'too_small', path: ['filename'], message: 'must be 3 to 255 characters' });
  } else {
    mediaType = uploadMediaType(filename);
    if (!mediaType) {
      issues.push({
        code: 'media_type',
        path: ['filename'],
        message: 'must have the extension of a supported image, video or audio format',
      });
    }
  }
  if (kind !== 'ephemeral') issues.push({ code: 'enum', path: ['type'], message: 'must be ephemeral' });
  if (issues.length > 0 || !mediaType || typeof filename !== 'string') {
    sendJson(res, 400, { error: 'Invalid upload request.', issues, docUrl: DOC_URL });
    return;
  }
  const ticket = ctx.uploads.create(ctx.baseUrl(), filename, mediaType, ctx.now());
  sendJson(res, 200, { ...ticket });
}

async function serveUploadData(exchange: Exchange): Promise<void> {
  const { ctx, req, res, url, log } = exchange;
  log.route = 'upload_data';
  const id = url.pathname.slice(UPLOADS_PREFIX.length);
  const method = log.method;
  if (method === 'GET') {
    const upload = ctx.uploads.get(id, ctx.now());
    if (!upload?.bytes) {
      sendError(res, 404, 'Upload not found.');
      return;
    }
    res.writeHead(200, { 'content-type': upload.mediaType, 'content-length': String(upload.bytes.length) });
    res.end(upload.bytes);
    return;
  }
  if (method !== 'POST' && method !== 'PUT') return methodNotAllowed(exchange, 'GET, POST, PUT');
  if (!ctx.uploads.get(id, ctx.now())) {
    sendError(res, 404, 'Upload not found or expired.');
    return;
  }
  let raw: Buffer;
  try {
    raw = await readBody(req, ctx.options.maxBodyBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      sendError(res, 413, `The file is larger than ${ctx.options.maxBodyBytes} bytes.`, {
        connection: 'close',
      });
    } else req.socket.destroy();
    return;
  }
  let bytes: Uint8Array;
  if (method === 'PUT') {
    bytes = raw;
  } else {
    let form: FormData;
    try {
      const contentType = req.headers['content-type'] ?? '';
      form = await new Request('http://simulator.invalid/', {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: new Uint8Array(raw),
      }).formData();
    } catch {
      sendError(res, 400, 'The upload must be multipart/form-data.');
      return;
    }
    const signature = form.get('x-simulator-signature');
    if (!ctx.uploads.verify(id, typeof signature === 'string' ? signature : undefined)) {
      sendError(res, 403, 'The upload fields are missing or do not match this upload.');
      return;
    }
    const file = form.get('file');
    if (!file || typeof file === 'string') {
      sendError(res, 400, 'The form has no "file" part.');
      return;
    }
    bytes = new Uint8Array(await file.arrayBuffer());
  }
  ctx.uploads.store(id, bytes, ctx.now());
  sendJson(res, method === 'PUT' ? 200 : 204);
}

async function serveOutput(exchange: Exchange): Promise<void> {
  const { ctx, res, url, log } = exchange;
  log.route = 'output';
  if (log.method !== 'GET' && log.method !== 'HEAD') return methodNotAllowed(exchange, 'GET, HEAD');
  const resource = url.pathname.slice(OUTPUTS_PREFIX.length);
  const match = /^([0-9a-f-]{36})\/(\d+)\.[a-z0-9]+$/.exec(resource);
  const task = match ? ctx.engine.get(match[1] as string) : undefined;
  if (!match || !task || task.status !== 'SUCCEEDED' || match[2] !== '0') {
    sendError(res, 404, 'Output not found.');
    return;
  }
  log.taskId = task.id;
  const refused = ctx.signer.check(resource, url.searchParams, ctx.now());
  if (refused) {
    sendError(res, 403, refused);
    return;
  }
  await sendMedia(res, outputFile(task, ctx.options.outputBytes), log.method === 'HEAD');
}

async function serveAdmin(exchange: Exchange): Promise<void> {
  const { ctx, res, url, log } = exchange;
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const method = log.method;
  if ((path === '/' || path === '/__simulator') && method === 'GET') {
    sendJson(res, 200, {
      name: 'runway-rx simulator',
      apiVersion: API_VERSION,
      baseUrl: ctx.baseUrl(),
      routes: [
        'POST /v1/{task_type}',
        'GET /v1/tasks/{id}',
        'DELETE /v1/tasks/{id}',
        'POST /v1/uploads',
        'GET /__simulator/stats',
        'GET /__simulator/tasks',
        'GET /__simulator/tasks/{id}',
        'GET /__simulator/requests',
        'PUT /__simulator/faults',
        'POST /__simulator/reset',
      ],
    });
    return;
  }
  if (path === '/__simulator/stats' && method === 'GET') return sendJson(res, 200, ctx.stats());
  if (path === '/__simulator/requests' && method === 'GET') return sendJson(res, 200, ctx.recorder.log());
  if (path === '/__simulator/tasks' && method === 'GET') return sendJson(res, 200, ctx.engine.list());
  const taskPath = /^\/__simulator\/tasks\/([^/]+)$/.exec(path);
  if (taskPath && method === 'GET') {
    const task = ctx.engine.get(decodeSegment(taskPath[1] as string));
    if (task) sendJson(res, 200, task);
    else sendError(res, 404, 'Task not found.');
    return;
  }
  if (path === '/__simulator/faults' && (method === 'PUT' || method === 'GET')) {
    if (method === 'GET') return sendJson(res, 200, ctx.faults.current);
    const body = await readJson(exchange);
    if (!body) return;
    if (typeof body.value !== 'object' || body.value === null || Array.isArray(body.value)) {
      sendError(res, 400, 'Faults must be a JSON object.');
      return;
    }
    ctx.setFaults(body.value as Faults);
    sendJson(res, 204);
    return;
  }
  if (path === '/__simulator/reset' && method === 'POST') {
    ctx.reset();
    sendJson(res, 204);
    return;
  }
  sendError(res, 404, `No route for ${method} ${url.pathname}.`);
}
