import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  collect,
  eventSourceAs,
  expectIncreasingIds,
  IMAGE,
  openRaw,
  type ParsedEvent,
  parseSse,
  SIMULATOR,
  SLOW_VIDEO,
  type Stack,
  startStack,
  submit,
  VIDEO,
  views,
} from './test-helpers.js';
import type { TaskView } from './view.js';

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
    const accepted = await submit(stack, 'text_to_video', VIDEO);
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
    const accepted = await submit(stack, 'text_to_video', VIDEO);
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
    const b = await submit(stack, 'text_to_video', VIDEO);
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
