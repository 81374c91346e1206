import { createRunwayClient } from '@runway-rx/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runwayRouter } from './router.js';
import {
  call,
  eventually,
  IMAGE,
  openRaw,
  SIMULATOR,
  SLOW_VIDEO,
  type Stack,
  startStack,
  submit,
} from './test-helpers.js';

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
