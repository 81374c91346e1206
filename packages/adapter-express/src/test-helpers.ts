/**
 * Real parts for the router's tests: the simulator, a client against it, an Express app on a
 * loopback port, and readers for event streams. Not part of the package's API.
 */
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRunwayClient, type RunwayClient, type RunwayClientOptions } from '@runway-rx/core';
import { type Simulator, type SimulatorOptions, startSimulator } from '@runway-rx/simulator';
import { EventSource } from 'eventsource';
import express, { type Request } from 'express';
import { expect } from 'vitest';
import type { RunwayRouter, RunwayRouterOptions } from './options.js';
import { runwayRouter } from './router.js';
import type { TaskView } from './view.js';

/** Principals come from an `x-user` header; `x-user: banned` is refused with 403. */
export function authorizeByHeader(req: Request): string | undefined {
  const user = req.get('x-user');
  if (user === 'banned') throw Object.assign(new Error('banned'), { status: 403 });
  return user;
}

export interface Stack {
  readonly sim: Simulator;
  readonly client: RunwayClient;
  readonly router: RunwayRouter;
  /** The router's base URL, e.g. `http://127.0.0.1:PORT/tasks`. */
  readonly url: string;
  readonly origin: string;
  /** Cuts every open connection to the app (the server keeps listening): a network blip. */
  dropConnections(): void;
  close(): Promise<void>;
}

export interface StackOptions {
  readonly simulator?: SimulatorOptions;
  readonly client?: Partial<RunwayClientOptions>;
  readonly router?: Partial<RunwayRouterOptions>;
}

/** Simulator + client + Express app with the router at `/tasks`, all on 127.0.0.1. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const sim = await startSimulator({ timeScale: 0.01, seed: 7, ...options.simulator });
  const client = createRunwayClient({
    apiKey: sim.apiKey,
    baseUrl: sim.url,
    polling: { minIntervalMs: 20, graceMs: 100 },
    ...options.client,
  });
  const router = runwayRouter({
    client,
    authorize: authorizeByHeader,
    retryMs: 50,
    onError: () => {},
    ...options.router,
  });
  const app = express();
  app.use('/tasks', router);
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    sim,
    client,
    router,
    origin,
    url: `${origin}/tasks`,
    dropConnections: () => server.closeAllConnections(),
    async close() {
      router.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await client.close();
      await sim.close();
    },
  };
}

/** `fetch` with an `x-user` header (when given) and a JSON body. */
export async function call(
  url: string,
  init: {
    method?: string;
    user?: string;
    json?: unknown;
    body?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<{ status: number; headers: Headers; body: unknown; text: string }> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.user !== undefined) headers['x-user'] = init.user;
  let body = init.body;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(url, {
    method: init.method ?? (body ? 'POST' : 'GET'),
    headers,
    body: body ?? null,
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

/** An `EventSource` class (from the `eventsource` package) that sends `x-user: user`. */
export function eventSourceAs(user: string): typeof EventSource {
  return class extends EventSource {
    constructor(url: string | URL, init?: { withCredentials?: boolean }) {
      super(url, {
        ...init,
        fetch: (input, fetchInit) =>
          fetch(input, { ...fetchInit, headers: { ...fetchInit.headers, 'x-user': user } }),
      });
    }
  };
}

/** One parsed Server-Sent Event (or a comment, as `comment`). */
export interface ParsedEvent {
  readonly event: string;
  readonly id: string | undefined;
  readonly data: string;
}

/** Parses a `text/event-stream` body: its events, comments and `retry:` values, in order. */
export function parseSse(text: string): { events: ParsedEvent[]; comments: string[]; retry: number[] } {
  const events: ParsedEvent[] = [];
  const comments: string[] = [];
  const retry: number[] = [];
  for (const block of text.split('\n\n')) {
    if (block.length === 0) continue;
    let event = 'message';
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comments.push(line.slice(1).trim());
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
      else if (line.startsWith('retry: ')) retry.push(Number(line.slice(7)));
    }
    if (data.length > 0) events.push({ event, id, data: data.join('\n') });
  }
  return { events, comments, retry };
}

export interface RawStream {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  /** Everything received so far. */
  text(): string;
  /** Resolves once the body holds `pattern` (or the response ended). */
  until(pattern: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves when the response ends. */
  readonly ended: Promise<string>;
  close(): void;
}

/** A raw HTTP GET of an event stream, to look at the bytes the server sends. */
export function openRaw(url: string, headers: Record<string, string> = {}): Promise<RawStream> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      let body = '';
      const waiters = new Set<() => void>();
      let resolveEnded: (text: string) => void = () => {};
      const ended = new Promise<string>((done) => {
        resolveEnded = done;
      });
      let finished = false;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        for (const wake of [...waiters]) wake();
      });
      const finish = () => {
        finished = true;
        resolveEnded(body);
        for (const wake of [...waiters]) wake();
      };
      res.on('end', finish);
      res.on('close', finish);
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        text: () => body,
        ended,
        close: () => req.destroy(),
        until: (pattern, timeoutMs = 10_000) =>
          new Promise<string>((done, fail) => {
            const matches = () => (typeof pattern === 'string' ? body.includes(pattern) : pattern.test(body));
            if (matches() || finished) {
              done(body);
              return;
            }
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`No ${String(pattern)} within ${timeoutMs} ms; got:\n${body}`));
            }, timeoutMs);
            const check = () => {
              if (!matches() && !finished) return;
              clearTimeout(timer);
              waiters.delete(check);
              done(body);
            };
            waiters.add(check);
          }),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Polls `predicate` every 10 ms until it holds, or fails after `timeoutMs`. */
export async function eventually(
  predicate: () => boolean,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// Fixtures shared by the router tests.

export const IMAGE = { model: 'gen4_image', promptText: 'a lighthouse at dusk', ratio: '1920:1080' };
export const VIDEO = { model: 'gen4.5', promptText: 'waves on a cliff', ratio: '1280:720', duration: 5 };
export const SLOW_VIDEO = { ...VIDEO, promptText: 'waves on a cliff [slow]' };
/** Videos run 0.3–0.9 s, images 50–150 ms, `[slow]` ones three times longer. */
export const SIMULATOR = { timeScale: 0.01, timing: { slowFactor: 3 } } as const;

export interface Accepted {
  readonly id: string;
  readonly handle: string;
  readonly status: string;
  readonly events: string;
  readonly queuePosition?: number;
}

export async function submit(stack: Stack, type: string, input: unknown, user = 'alice'): Promise<Accepted> {
  const answer = await call(`${stack.url}/${type}`, { user, json: input });
  expect(answer.status, answer.text).toBe(202);
  return answer.body as Accepted;
}

/** Reads a task's stream with the `eventsource` client until `end`: the events and their ids. */
export function collect(
  stack: Stack,
  path: string,
  user = 'alice',
): Promise<{ events: { type: string; id: string; data: unknown }[] }> {
  const Source = eventSourceAs(user);
  return new Promise((resolve, reject) => {
    const source = new Source(`${stack.origin}${path}`);
    const events: { type: string; id: string; data: unknown }[] = [];
    const onEvent = (type: string) => (event: MessageEvent) => {
      events.push({ type, id: event.lastEventId, data: JSON.parse(event.data) });
      if (type === 'end') {
        source.close();
        resolve({ events });
      }
    };
    source.addEventListener('task', onEvent('task'));
    source.addEventListener('task-error', onEvent('task-error'));
    source.addEventListener('end', onEvent('end'));
    source.addEventListener('error', (event) => {
      if (source.readyState === EventSource.CLOSED) reject(new Error(`stream failed: ${event.message}`));
    });
  });
}

export const views = (events: { type: string; data: unknown }[]) =>
  events.filter((event) => event.type === 'task').map((event) => event.data as TaskView);

export function expectIncreasingIds(ids: readonly (string | undefined)[]): void {
  const numbers = ids.map(Number);
  for (const [index, value] of numbers.entries()) {
    expect(Number.isSafeInteger(value)).toBe(true);
    if (index > 0) expect(value).toBeGreaterThan(numbers[index - 1] as number);
  }
}
