import { createRunwayClient } from '@runway-rx/core';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runwayRouter } from './router.js';
import {
  call,
  eventSourceAs,
  eventually,
  openRaw,
  type ParsedEvent,
  parseSse,
  type Stack,
  startStack,
} from './test-helpers.js';
import type { TaskView } from './view.js';

const IMAGE = { model: 'gen4_image', promptText: 'a lighthouse at dusk', ratio: '1920:1080' };
const VIDEO = { model: 'gen4.5', promptText: 'waves on a cliff', ratio: '1280:720', duration: 5 };
const SLOW_VIDEO = { ...VIDEO, promptText: 'waves on a cliff [slow]' };
/** Videos run 0.3–0.9 s, images 50–150 ms, `[slow]` ones three times longer. */
const SIMULATOR = { timeScale: 0.01, timing: { slowFactor: 3 } } as const;

interface Accepted {
  readonly id: string;
  readonly handle: string;
  readonly status: string;
  readonly events: string;
  readonly queuePosition?: number;
}

async function submit(stack: Stack, type: string, input: unknown, user = 'alice'): Promise<Accepted> {
  const answer = await call(`${stack.url}/${type}`, { user, json: input });
  expect(answer.status, answer.text).toBe(202);
  return answer.body as Accepted;
}

/** Reads a task's stream with the `eventsource` client until `end`: the events and their ids. */
function collect(
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

const views = (events: { type: string; data: unknown }[]) =>
  events.filter((event) => event.type === 'task').map((event) => event.data as TaskView);

function expectIncreasingIds(ids: readonly (string | undefined)[]): void {
  const numbers = ids.map(Number);
  for (const [index, value] of numbers.entries()) {
    expect(Number.isSafeInteger(value)).toBe(true);
    if (index > 0) expect(value).toBeGreaterThan(numbers[index - 1] as number);
  }
}

describe('runwayRouter over HTTP', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ simulator: SIMULATOR });
  });
  afterAll(() => stack.close());

  it('creates a task, answers 202 with its events URL, and streams its lifecycle in order', async () => {
    const accepted = await submit(stack, 'text_to_image', IMAGE);
    expect(accepted.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(accepted.handle).toMatch(/^q_[\w-]{16}$/);
    expect(accepted.status).toBe('PENDING');
    expect(accepted.events).toBe(`/tasks/${accepted.id}/events`);

    const { events } = await collect(stack, accepted.events);
    const states = views(events);
    expect(states.map((view) => view.status).at(-1)).toBe('SUCCEEDED');
    // Distinct states in lifecycle order, never backwards, progress never decreasing.
    const rank = { QUEUED: 0, PENDING: 1, PROCESSING: 2, SUCCEEDED: 3, FAILED: 3, CANCELLED: 3 };
    const ranks = states.map((view) => rank[view.status]);
    expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
    const progress = states.map((view) => view.progress ?? 0);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    expect(states.every((view) => view.id === accepted.id && view.handle === accepted.handle)).toBe(true);
    expect(states.at(-1)?.output?.[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/__simulator\/outputs\//);
    expectIncreasingIds(events.filter((event) => event.type === 'task').map((event) => event.id));
    expect(events.at(-1)?.type).toBe('end');

    const latest = await call(`${stack.url}/${accepted.id}`, { user: 'alice' });
    expect(latest.status).toBe(200);
    expect(latest.headers.get('cache-control')).toBe('no-store');
    expect(latest.body).toEqual(states.at(-1));
    // The handle names the same task.
    expect((await call(`${stack.url}/${accepted.handle}`, { user: 'alice' })).body).toEqual(states.at(-1));
  });

  it('sends the SSE headers, retry first, numbered task events, heartbeats and a final end event', async () => {
    const { sim, url } = stack;
    const accepted = await submit(stack, 'text_to_video', VIDEO);
    const raw = await openRaw(`${url}/${accepted.id}/events`, { 'x-user': 'alice' });
    expect(raw.status).toBe(200);
    expect(raw.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(raw.headers['cache-control']).toBe('no-cache, no-transform');
    expect(raw.headers['x-accel-buffering']).toBe('no');
    const text = await raw.until('event: end');
    await raw.ended;
    expect(text.startsWith('retry: 50\n\n')).toBe(true);
    const { events } = parseSse(text);
    const tasks = events.filter((event) => event.event === 'task');
    expect(tasks.length).toBeGreaterThanOrEqual(3);
    expectIncreasingIds(tasks.map((event) => event.id));
    expect((JSON.parse(tasks.at(-1)?.data ?? '{}') as TaskView).status).toBe('SUCCEEDED');
    expect(events.at(-1)).toEqual({ event: 'end', id: undefined, data: '{}' });
    // The stream carries what the simulator did: its task went RUNNING and then SUCCEEDED.
    expect(sim.task(accepted.id)?.timeline.map((entry) => entry.status)).toContain('RUNNING');
  });

  it('sends a heartbeat comment on an idle stream', async () => {
    const hb = await startStack({ router: { heartbeatMs: 40 }, simulator: { timeScale: 0.01 } });
    try {
      const accepted = await submit(hb, 'text_to_video', SLOW_VIDEO);
      const raw = await openRaw(`${hb.url}/${accepted.id}/events`, { 'x-user': 'alice' });
      const text = await raw.until(/(: hb\n\n[\s\S]*){3}/, 5000);
      raw.close();
      expect(parseSse(text).comments.filter((comment) => comment === 'hb').length).toBeGreaterThanOrEqual(3);
    } finally {
      await hb.close();
    }
  });

  it('resumes from Last-Event-ID without repeating what the client has', async () => {
    const accepted = await submit(stack, 'text_to_video', SLOW_VIDEO);
    const first = await openRaw(`${stack.url}/${accepted.id}/events`, { 'x-user': 'alice' });
    await first.until(/event: task\nid: \d+\ndata: .*"PROCESSING"/);
    first.close();
    const seen = parseSse(first.text()).events.filter((event) => event.event === 'task');
    const lastId = seen.at(-1)?.id as string;

    const resumed = await openRaw(`${stack.url}/${accepted.id}/events`, {
      'x-user': 'alice',
      'last-event-id': lastId,
    });
    await resumed.until('event: end', 20_000);
    const again = parseSse(resumed.text()).events.filter((event) => event.event === 'task');
    expect(again.length).toBeGreaterThan(0);
    expect(Number(again[0]?.id)).toBeGreaterThan(Number(lastId));
    const ids = [...seen, ...again].map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
    expectIncreasingIds(ids);
    expect((JSON.parse(again.at(-1)?.data as string) as TaskView).status).toBe('SUCCEEDED');
  });

  it('lets the eventsource client reconnect on its own and resume where it was', async () => {
    const accepted = await submit(stack, 'text_to_video', SLOW_VIDEO);
    const Source = eventSourceAs('alice');
    const source = new Source(`${stack.origin}${accepted.events}`);
    const received: ParsedEvent[] = [];
    let opens = 0;
    source.addEventListener('open', () => {
      opens += 1;
    });
    const done = new Promise<void>((resolve) => {
      source.addEventListener('task', (event) => {
        received.push({ event: 'task', id: event.lastEventId, data: event.data });
        // Cut the connection once, mid-task: the client must come back with Last-Event-ID.
        if (received.length === 2) stack.dropConnections();
      });
      source.addEventListener('end', () => {
        source.close();
        resolve();
      });
    });
    await done;
    expect(opens).toBeGreaterThanOrEqual(2);
    const ids = received.map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
    expectIncreasingIds(ids);
    expect((JSON.parse(received.at(-1)?.data as string) as TaskView).status).toBe('SUCCEEDED');
  });
});

describe('several tasks on one stream', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ simulator: SIMULATOR });
  });
  afterAll(() => stack.close());

  it('streams every task, each event naming its task, and ends when all are final', async () => {
    const image = await submit(stack, 'text_to_image', IMAGE);
    const video = await submit(stack, 'text_to_video', VIDEO);
    const failing = await submit(stack, 'text_to_image', {
      ...IMAGE,
      promptText: 'a cat [fail:SAFETY.INPUT.TEXT]',
    });
    // Handles and Runway ids both name tasks.
    const ids = [image.id, video.handle, failing.id].join(',');
    const { events } = await collect(stack, `/tasks/events?ids=${ids}`);
    expect(events.at(-1)?.type).toBe('end');
    expectIncreasingIds(events.filter((event) => event.type === 'task').map((event) => event.id));
    const last = new Map(views(events).map((view) => [view.id, view]));
    expect(last.get(image.id)?.status).toBe('SUCCEEDED');
    expect(last.get(video.id)?.status).toBe('SUCCEEDED');
    expect(last.get(video.id)?.handle).toBe(video.handle);
    expect(last.get(failing.id)).toMatchObject({ status: 'FAILED', failureCode: 'SAFETY.INPUT.TEXT' });
  });

  it('resumes a multi-task stream from one Last-Event-ID', async () => {
    const a = await submit(stack, 'text_to_video', VIDEO);
    const b = await submit(stack, 'text_to_video', SLOW_VIDEO);
    const url = `${stack.url}/events?ids=${a.id},${b.id}`;
    const first = await openRaw(url, { 'x-user': 'alice' });
    await first.until(/"PROCESSING"[\s\S]*"PROCESSING"/);
    first.close();
    const seen = parseSse(first.text()).events.filter((event) => event.event === 'task');
    const lastId = seen.at(-1)?.id as string;
    const resumed = await openRaw(url, { 'x-user': 'alice', 'last-event-id': lastId });
    await resumed.until('event: end');
    const again = parseSse(resumed.text()).events.filter((event) => event.event === 'task');
    expect(again.every((event) => Number(event.id) > Number(lastId))).toBe(true);
    const final = new Map(
      [...seen, ...again]
        .map((event) => JSON.parse(event.data) as TaskView)
        .map((view) => [view.id, view.status]),
    );
    expect(final).toEqual(
      new Map([
        [a.id, 'SUCCEEDED'],
        [b.id, 'SUCCEEDED'],
      ]),
    );
  });

  it('refuses a stream of no ids, too many ids, or an unknown one', async () => {
    const task = await submit(stack, 'text_to_image', IMAGE);
    expect((await call(`${stack.url}/events`, { user: 'alice' })).status).toBe(400);
    const many = Array.from({ length: 51 }, (_, index) => `t${index}`).join(',');
    expect((await call(`${stack.url}/events?ids=${many}`, { user: 'alice' })).status).toBe(400);
    const unknown = await call(`${stack.url}/events?ids=${task.id},00000000-0000-4000-8000-000000000000`, {
      user: 'alice',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: 'not_found', message: 'No such task' });
  });
});

describe('finished tasks', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ simulator: SIMULATOR });
  });
  afterAll(() => stack.close());

  it('gives a late watcher the final state, and a reconnect after it 204', async () => {
    const accepted = await submit(stack, 'text_to_image', IMAGE);
    await collect(stack, accepted.events);
    const late = await openRaw(`${stack.origin}${accepted.events}`, { 'x-user': 'alice' });
    const text = await late.ended;
    const events = parseSse(text).events;
    expect(events.map((event) => event.event)).toEqual(['task', 'end']);
    expect((JSON.parse(events[0]?.data as string) as TaskView).status).toBe('SUCCEEDED');

    const finalId = events[0]?.id as string;
    const reconnect = await call(`${stack.origin}${accepted.events}`, {
      user: 'alice',
      headers: { 'last-event-id': finalId },
    });
    expect(reconnect.status).toBe(204);
    expect(reconnect.text).toBe('');
    // A client that missed the final state gets it, whatever id it had.
    const behind = await openRaw(`${stack.origin}${accepted.events}`, {
      'x-user': 'alice',
      'last-event-id': String(Number(finalId) - 1),
    });
    expect(parseSse(await behind.ended).events.map((event) => event.id)).toEqual([finalId, undefined]);
    const multi = await call(`${stack.url}/events?ids=${accepted.id}`, {
      user: 'alice',
      headers: { 'last-event-id': finalId },
    });
    expect(multi.status).toBe(204);
  });
});

describe('the server queue', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ simulator: SIMULATOR, client: { concurrency: 1 }, router: { idWaitMs: 150 } });
  });
  afterAll(() => stack.close());

  it('answers a queued task with a handle whose stream shows its place, then its Runway lifecycle', async () => {
    const running = await submit(stack, 'text_to_video', VIDEO);
    expect(running.id).not.toMatch(/^q_/);
    const queued = await submit(stack, 'text_to_video', VIDEO, 'bob');
    expect(queued).toMatchObject({ id: queued.handle, status: 'QUEUED', queuePosition: 1 });
    expect(queued.events).toBe(`/tasks/${queued.handle}/events`);

    const { events } = await collect(stack, queued.events, 'bob');
    const states = views(events);
    expect(states[0]).toMatchObject({ id: queued.handle, status: 'QUEUED', queuePosition: 1 });
    const runwayId = states.at(-1)?.id as string;
    expect(runwayId).toMatch(/^[0-9a-f-]{36}$/);
    expect(states.at(-1)).toMatchObject({ handle: queued.handle, status: 'SUCCEEDED' });
    expect(stack.sim.task(runwayId)?.status).toBe('SUCCEEDED');
    // Once known, the Runway id names the task too.
    expect((await call(`${stack.url}/${runwayId}`, { user: 'bob' })).body).toEqual(states.at(-1));
  });

  it('cancels a queued task without it ever reaching Runway, and a running one at Runway', async () => {
    const creates = stack.sim.stats().creates;
    const running = await submit(stack, 'text_to_video', SLOW_VIDEO);
    const queued = await submit(stack, 'text_to_video', VIDEO);
    expect(queued.status).toBe('QUEUED');
    const queuedEvents = collect(stack, queued.events);

    const cancelQueued = await call(`${stack.url}/${queued.handle}`, { method: 'DELETE', user: 'alice' });
    expect(cancelQueued.status).toBe(200);
    expect(cancelQueued.body).toEqual({ id: queued.handle, handle: queued.handle, result: 'cancelled' });
    expect(views((await queuedEvents).events).at(-1)).toMatchObject({
      id: queued.handle,
      status: 'CANCELLED',
    });

    const runningEvents = collect(stack, running.events);
    const cancelRunning = await call(`${stack.url}/${running.id}`, { method: 'DELETE', user: 'alice' });
    expect(cancelRunning.body).toEqual({ id: running.id, handle: running.handle, result: 'cancelled' });
    expect(views((await runningEvents).events).at(-1)?.status).toBe('CANCELLED');
    expect(stack.sim.task(running.id)?.status).toBe('CANCELLED');
    expect(stack.sim.stats().creates - creates).toBe(1);
  });
});

describe('authorization and ownership', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ simulator: SIMULATOR });
  });
  afterAll(() => stack.close());

  it('refuses to be built without authorize unless anonymous access is chosen', () => {
    const client = stack.client;
    expect(() => runwayRouter({ client })).toThrow(TypeError);
    expect(() => runwayRouter({ client })).toThrow(/allowAnonymous/);
    expect(() => runwayRouter({ client, allowAnonymous: true }).close()).not.toThrow();
  });

  it('answers 401 without a principal and 403 when authorize says so', async () => {
    const anonymous = await call(`${stack.url}/text_to_image`, { json: IMAGE });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({ error: 'unauthorized', message: 'Authentication required' });
    const banned = await call(`${stack.url}/text_to_image`, { json: IMAGE, user: 'banned' });
    expect(banned.status).toBe(403);
    expect(banned.body).toEqual({ error: 'forbidden', message: 'Not allowed' });
    const stream = await call(`${stack.url}/events?ids=x`);
    expect(stream.status).toBe(401);
  });

  it("hides a principal's tasks from the others, as if they did not exist", async () => {
    const task = await submit(stack, 'text_to_video', SLOW_VIDEO, 'alice');
    const missing = await call(`${stack.url}/00000000-0000-4000-8000-000000000000`, { user: 'bob' });
    for (const answer of [
      await call(`${stack.url}/${task.id}`, { user: 'bob' }),
      await call(`${stack.url}/${task.handle}`, { user: 'bob' }),
      await call(`${stack.url}/${task.id}/events`, { user: 'bob' }),
      await call(`${stack.url}/events?ids=${task.id}`, { user: 'bob' }),
      await call(`${stack.url}/${task.id}`, { method: 'DELETE', user: 'bob' }),
    ]) {
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual(missing.body);
    }
    expect(stack.sim.task(task.id)?.status).not.toBe('CANCELLED');
    expect((await call(`${stack.url}/${task.id}`, { user: 'alice' })).status).toBe(200);
    await call(`${stack.url}/${task.id}`, { method: 'DELETE', user: 'alice' });
  });

  it("lets every principal see every task with ownership 'any', and serves anonymous callers when allowed", async () => {
    const shared = await startStack({
      simulator: SIMULATOR,
      router: { ownership: 'any', allowAnonymous: true },
    });
    try {
      const task = await submit(shared, 'text_to_image', IMAGE, 'alice');
      expect((await call(`${shared.url}/${task.id}`, { user: 'bob' })).status).toBe(200);
      const anonymous = await call(`${shared.url}/text_to_image`, { json: IMAGE });
      expect(anonymous.status).toBe(202);
    } finally {
      await shared.close();
    }
  });
});

describe('request bodies', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ simulator: SIMULATOR });
  });
  afterAll(() => stack.close());

  it('answers 400 with every issue of an invalid input', async () => {
    const answer = await call(`${stack.url}/text_to_video`, {
      user: 'alice',
      json: { model: 'gen4.5', ratio: '1:1', duration: 99 },
    });
    expect(answer.status).toBe(400);
    const body = answer.body as { error: string; issues: { path: string; code: string; message: string }[] };
    expect(body.error).toBe('validation_failed');
    expect(body.issues.map((issue) => issue.path).sort()).toEqual(['duration', 'promptText', 'ratio']);
    expect(body.issues.find((issue) => issue.path === 'promptText')?.code).toBe('required');
    const noModel = await call(`${stack.url}/text_to_image`, { user: 'alice', json: { promptText: 'x' } });
    expect((noModel.body as { issues: { path: string }[] }).issues[0]?.path).toBe('model');
    expect(stack.sim.stats().creates).toBe(0);
  });

  it('answers 404 for an unknown task type, 400 for bad JSON, 415 for a body that is not JSON', async () => {
    const unknown = await call(`${stack.url}/text_to_hologram`, { user: 'alice', json: IMAGE });
    expect(unknown.status).toBe(404);
    expect((unknown.body as { error: string }).error).toBe('unknown_task_type');
    const broken = await call(`${stack.url}/text_to_image`, {
      user: 'alice',
      body: '{"model": "gen4_image",',
      headers: { 'content-type': 'application/json' },
    });
    expect(broken.status).toBe(400);
    expect(broken.body).toEqual({ error: 'invalid_json', message: 'The body is not valid JSON' });
    const text = await call(`${stack.url}/text_to_image`, {
      user: 'alice',
      body: JSON.stringify(IMAGE),
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
  });

  it('admits a 5 MB data-URI image by default and answers 413 past the limit', async () => {
    const prefix = 'data:image/png;base64,';
    const promptImage = prefix + 'A'.repeat(5_242_880 - prefix.length);
    const big = await call(`${stack.url}/image_to_video`, {
      user: 'alice',
      json: { model: 'gen4_turbo', promptImage, promptText: 'pan', ratio: '1280:720', duration: 5 },
    });
    expect(big.status).not.toBe(413);
    expect(big.status).toBe(202);
    const tooBig = await call(`${stack.url}/image_to_video`, {
      user: 'alice',
      json: { model: 'gen4_turbo', promptImage: promptImage + promptImage, promptText: 'pan' },
    });
    expect(tooBig.status).toBe(413);
    expect(tooBig.body).toEqual({
      error: 'payload_too_large',
      message: 'The request body is larger than this server accepts',
    });
  });
});

describe('limits, upstream errors and secrets', () => {
  it('caps tasks in flight and open streams per principal', async () => {
    const stack = await startStack({
      simulator: SIMULATOR,
      router: { limits: { tasksPerPrincipal: 1, streamsPerPrincipal: 1 } },
    });
    try {
      const task = await submit(stack, 'text_to_video', SLOW_VIDEO);
      const second = await call(`${stack.url}/text_to_image`, { user: 'alice', json: IMAGE });
      expect(second.status).toBe(429);
      expect((second.body as { error: string }).error).toBe('too_many_tasks');
      await submit(stack, 'text_to_image', IMAGE, 'bob');

      const open = await openRaw(`${stack.origin}${task.events}`, { 'x-user': 'alice' });
      expect(open.status).toBe(200);
      const another = await call(`${stack.origin}${task.events}`, { user: 'alice' });
      expect(another.status).toBe(429);
      expect((another.body as { error: string }).error).toBe('too_many_streams');
      open.close();
      await eventually(() => stack.router.openStreams === 0, 2000, 'the stream to close');
      const again = await openRaw(`${stack.origin}${task.events}`, { 'x-user': 'alice' });
      expect(again.status).toBe(200);
      again.close();
    } finally {
      await stack.close();
    }
  });

  it('answers a spent quota with 429 and Retry-After, and never shows a key, a stack or an internal URL', async () => {
    const stack = await startStack({ simulator: { ...SIMULATOR, dailyLimit: 1 } });
    try {
      await submit(stack, 'text_to_image', IMAGE);
      const refused = await call(`${stack.url}/text_to_image`, { user: 'alice', json: IMAGE });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(60);
      expect(refused.body).toMatchObject({ error: 'rate_limited' });
      for (const secret of [stack.sim.apiKey, stack.sim.url, 'at ', '/v1/']) {
        expect(refused.text).not.toContain(secret);
      }
    } finally {
      await stack.close();
    }
  });

  it('answers 502 with a generic message when the server key is refused', async () => {
    const stack = await startStack({
      simulator: { ...SIMULATOR, apiKeys: [`key_${'a'.repeat(128)}`] },
      client: { apiKey: `key_${'b'.repeat(128)}` },
    });
    try {
      const answer = await call(`${stack.url}/text_to_image`, { user: 'alice', json: IMAGE });
      expect(answer.status).toBe(502);
      expect(answer.body).toEqual({
        error: 'upstream_unavailable',
        message: 'The generation service is unavailable',
      });
      expect(answer.text).not.toContain('b'.repeat(16));
    } finally {
      await stack.close();
    }
  });
});

describe('shared polling', () => {
  it('polls a task once for many streams, and stops when the last stream leaves', async () => {
    const stack = await startStack({
      simulator: SIMULATOR,
      router: { ownership: 'any', limits: { streamsPerPrincipal: 100 } },
    });
    try {
      // A task the router did not submit: it is followed only while someone watches.
      const outside = createRunwayClient({ apiKey: stack.sim.apiKey, baseUrl: stack.sim.url });
      const created = await fetch(`${stack.sim.url}/v1/text_to_video`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${stack.sim.apiKey}`,
          'x-runway-version': '2024-11-06',
          'content-type': 'application/json',
        },
        body: JSON.stringify(SLOW_VIDEO),
      });
      const { id } = (await created.json()) as { id: string };
      await outside.close();
      const gets = () =>
        stack.sim.requests().filter((entry) => entry.method === 'GET' && entry.taskId === id).length;

      const watchers = await Promise.all(
        Array.from({ length: 20 }, () => openRaw(`${stack.url}/${id}/events`, { 'x-user': 'carol' })),
      );
      const started = Date.now();
      await Promise.all(watchers.map((watcher) => watcher.until('"PROCESSING"')));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const elapsed = Date.now() - started;
      // One poll loop at ≥ 20 ms intervals, not twenty.
      expect(gets()).toBeLessThanOrEqual(Math.ceil(elapsed / 20) + 3);
      expect(gets()).toBeGreaterThan(0);

      for (const watcher of watchers) watcher.close();
      await eventually(() => stack.router.openStreams === 0, 2000, 'the streams to close');
      await new Promise((resolve) => setTimeout(resolve, 250)); // graceMs is 100 in the test client
      const after = gets();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(gets()).toBe(after);
      expect(stack.sim.task(id)?.status).not.toMatch(/SUCCEEDED|FAILED|CANCELLED/);
    } finally {
      await stack.close();
    }
  });
});
