import { describe, expect, it } from 'vitest';
import { sampleInput } from '../src/index.js';
import { api, delay, eventually, simulator } from './support.js';

const image = () => sampleInput('text_to_image');

describe('fault injection', () => {
  it('answers a share of requests with a 5xx, and counts them', async () => {
    const sim = await simulator({ faults: { create: { errorRate: 1, status: 502 } } });
    const reply = await api(sim).create('text_to_image', image());
    expect(reply.status).toBe(502);
    expect(reply.body).toEqual({ error: expect.any(String) });
    expect(sim.stats().faults.error).toBe(1);
    expect(sim.stats().tasks.created).toBe(0);
    expect(sim.requests()[0]).toMatchObject({ route: 'create', status: 502, fault: 'error' });
  });

  it('answers 429 with Retry-After and creates nothing', async () => {
    const sim = await simulator({ faults: { create: { rate429: 1, retryAfterSeconds: 7 } } });
    const reply = await api(sim).create('text_to_image', image());
    expect(reply.status).toBe(429);
    expect(reply.headers.get('retry-after')).toBe('7');
    expect(sim.stats()).toMatchObject({ status429: 1, faults: { rate_429: 1 }, tasks: { created: 0 } });
  });

  it('resets the connection before doing anything', async () => {
    const sim = await simulator({ faults: { create: { resetBeforeRate: 1 } } });
    await expect(api(sim).create('text_to_image', image())).rejects.toThrow();
    expect(sim.tasks()).toHaveLength(0);
    await eventually(() => expect(sim.requests()[0]).toMatchObject({ status: 0, fault: 'reset_before' }));
  });

  it('resets the connection after a create took effect: the task exists', async () => {
    const sim = await simulator({ faults: { create: { resetAfterCommitRate: 1 } } });
    await expect(api(sim).create('text_to_image', image())).rejects.toThrow();
    expect(sim.tasks()).toHaveLength(1);
    await eventually(() =>
      expect(sim.requests()[0]).toMatchObject({
        status: 0,
        fault: 'reset_after_commit',
        taskId: sim.tasks()[0]?.id,
      }),
    );
  });

  it('answers 200 with a body that is not JSON', async () => {
    const sim = await simulator({ faults: { get: { malformedRate: 1 } } });
    const client = api(sim);
    const { id } = (await client.create('text_to_image', image())).body as { id: string };
    const reply = await client.get(id);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/application\/json/);
    expect(() => JSON.parse(reply.text)).toThrow();
    expect(sim.stats().faults.malformed).toBe(1);
  });

  it('adds latency, fixed or drawn from a range', async () => {
    const sim = await simulator({ faults: { get: { latencyMs: 150 } } });
    const client = api(sim);
    const { id } = (await client.create('text_to_image', image())).body as { id: string };
    const started = Date.now();
    expect((await client.get(id)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    sim.setFaults({ all: { latencyMs: [20, 40] } });
    const again = Date.now();
    await client.get(id);
    expect(Date.now() - again).toBeGreaterThanOrEqual(15);
    expect(sim.stats().faults.latency).toBe(2);
  });

  it('lets a route override `all` field by field', async () => {
    const sim = await simulator({ faults: { all: { errorRate: 1 }, get: { errorRate: 0 } } });
    const client = api(sim);
    expect((await client.create('text_to_image', image())).status).toBe(503);
    sim.setFaults({ all: { errorRate: 1 }, create: { errorRate: 0 } });
    const { id } = (await client.create('text_to_image', image())).body as { id: string };
    expect((await client.get(id)).status).toBe(503);
    expect((await client.delete(id)).status).toBe(503);
    sim.setFaults({});
    expect((await client.get(id)).status).toBe(200);
  });

  it('replays the same faults for the same seed and requests', async () => {
    const run = async () => {
      const sim = await simulator({ seed: 1234, faults: { create: { errorRate: 0.3, rate429: 0.2 } } });
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await api(sim).create('text_to_image', image())).status);
      await sim.close();
      return statuses;
    };
    const first = await run();
    expect(new Set(first)).toEqual(new Set([200, 429, 503]));
    expect(await run()).toEqual(first);
  });

  it('takes faults over HTTP from another process', async () => {
    const sim = await simulator();
    const put = await fetch(`${sim.url}/__simulator/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ get: { errorRate: 1, status: 500 } }),
    });
    expect(put.status).toBe(204);
    expect((await api(sim).get('6a1f8a51-8f0c-4b55-9a47-0d3c1b1f2a3e')).status).toBe(500);
    expect(await (await fetch(`${sim.url}/__simulator/faults`)).json()).toEqual({
      get: { errorRate: 1, status: 500 },
    });
  });

  it('does not keep a delayed request alive past close()', async () => {
    const sim = await simulator({ faults: { get: { latencyMs: 60_000 } } });
    const pending = api(sim).get('6a1f8a51-8f0c-4b55-9a47-0d3c1b1f2a3e');
    await delay(50);
    const started = Date.now();
    await sim.close();
    await expect(pending).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('limits', () => {
  it('answers 429 past the daily limit per key and model, with a long Retry-After', async () => {
    const sim = await simulator({ dailyLimit: { gen4_image: 2 } });
    const client = api(sim);
    expect((await client.create('text_to_image', image())).status).toBe(200);
    expect((await client.create('text_to_image', image())).status).toBe(200);
    const over = await client.create('text_to_image', image());
    expect(over.status).toBe(429);
    expect(over.body).toEqual({ error: expect.stringMatching(/daily/) });
    const retryAfter = Number(over.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(86_000);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
    // Other models and other keys have their own allowance.
    expect((await client.create('text_to_video', sampleInput('text_to_video'))).status).toBe(200);
    expect((await api(sim, 'key_feed').create('text_to_image', image())).status).toBe(200);
    expect(sim.stats().tasks.created).toBe(4);
  });

  it('frees daily allowance as creates leave the rolling window', async () => {
    const sim = await simulator({ dailyLimit: 1, dailyWindowMs: 300 });
    const client = api(sim);
    expect((await client.create('text_to_image', image())).status).toBe(200);
    const over = await client.create('text_to_image', image());
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('1');
    await delay(320);
    expect((await client.create('text_to_image', image())).status).toBe(200);
  });

  it('limits creates per second per key when asked', async () => {
    const sim = await simulator({ createRateLimit: { perSecond: 3 } });
    const client = api(sim);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await client.create('text_to_image', image())).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(sim.stats().status429).toBe(2);
    await delay(1050);
    expect((await client.create('text_to_image', image())).status).toBe(200);
  });

  it('forgets finished tasks after the retention time', async () => {
    const sim = await simulator({ retentionMs: 50, timing: { queueMs: [0, 0], runMs: [0, 0] } });
    const client = api(sim);
    const { id } = (await client.create('text_to_image', image())).body as { id: string };
    await eventually(() => expect(sim.task(id)?.status).toBe('SUCCEEDED'));
    await delay(80);
    expect((await client.get(id)).status).toBe(404);
    expect(sim.stats().tasks).toMatchObject({ created: 1, live: 0, evicted: 1 });
  });

  it('forgets everything on reset()', async () => {
    const sim = await simulator();
    await api(sim).create('text_to_image', image());
    sim.reset();
    expect(sim.tasks()).toHaveLength(0);
    expect(sim.requests()).toHaveLength(0);
    expect(sim.stats()).toMatchObject({ requests: 0, creates: 0, tasks: { created: 0 } });
  });
});
