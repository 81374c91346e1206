import { TASK_TYPE_NAMES, TASK_TYPES } from '@runway-rx/core';
import { describe, expect, it } from 'vitest';
import { keyId, SIMULATOR_API_KEY, sampleInput } from '../src/index.js';
import { api, eventually, simulator } from './support.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('the API surface', () => {
  it('serves a create endpoint for each of the nine task types', async () => {
    const sim = await simulator();
    const client = api(sim);
    expect(TASK_TYPE_NAMES).toHaveLength(9);
    for (const type of TASK_TYPE_NAMES) {
      const reply = await client.create(type, sampleInput(type));
      expect(reply.status, type).toBe(200);
      const body = reply.body as { id: string; estimatedCost: { credits: number } };
      expect(body.id).toMatch(UUID_V4);
      expect(body.estimatedCost.credits).toBeGreaterThan(0);
      expect(Object.keys(body).sort()).toEqual(['estimatedCost', 'id']);
      expect(sim.task(body.id)).toMatchObject({ taskType: type, model: TASK_TYPES[type].contractModels[0] });
    }
    expect(sim.stats().tasks.created).toBe(9);
  });

  it('answers 401 without a key or with an unknown one, and never echoes the key', async () => {
    const sim = await simulator({ apiKeys: ['key_abc123'] });
    expect(sim.apiKey).toBe('key_abc123');
    const missing = await api(sim).send('GET', '/v1/tasks/00000000-0000-4000-8000-000000000000', undefined, {
      authorization: undefined,
    });
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ error: expect.any(String) });
    const wrong = await api(sim, SIMULATOR_API_KEY).create('text_to_image', sampleInput('text_to_image'));
    expect(wrong.status).toBe(401);
    expect(wrong.text).not.toContain(SIMULATOR_API_KEY);
    const ok = await api(sim).create('text_to_image', sampleInput('text_to_image'));
    expect(ok.status).toBe(200);
  });

  it('accepts any key_ + hex key by default and counts requests per key id', async () => {
    const sim = await simulator();
    const other = 'key_0123456789abcdef';
    await api(sim, other).create('text_to_image', sampleInput('text_to_image'));
    await api(sim).create('text_to_image', sampleInput('text_to_image'));
    expect((await api(sim, 'sk_not_a_runway_key').create('text_to_image', {})).status).toBe(401);
    const { byKey } = sim.stats();
    expect(byKey[keyId(other)]).toEqual({ creates: 1, gets: 0, deletes: 0 });
    expect(byKey[sim.keyId(sim.apiKey)]).toEqual({ creates: 1, gets: 0, deletes: 0 });
    expect(JSON.stringify(sim.stats())).not.toContain(other);
    expect(JSON.stringify(sim.requests())).not.toContain(other);
  });

  it('requires X-Runway-Version: 2024-11-06', async () => {
    const sim = await simulator();
    const client = api(sim);
    const input = sampleInput('text_to_image');
    const missing = await client.send('POST', '/v1/text_to_image', input, { 'x-runway-version': undefined });
    expect(missing.status).toBe(400);
    expect((missing.body as { error: string }).error).toMatch(/X-Runway-Version/);
    const old = await client.send('POST', '/v1/text_to_image', input, { 'x-runway-version': '2023-01-01' });
    expect(old.status).toBe(400);
    expect(sim.stats().tasks.created).toBe(0);
  });

  it('validates bodies with the registry and answers 400 with issues whose paths are arrays', async () => {
    const sim = await simulator();
    const reply = await api(sim).create('image_to_video', {
      model: 'gen4_turbo',
      promptImage: [{ uri: 'ftp://nope', position: 'first' }],
      ratio: '1:1',
      extra: true,
    });
    expect(reply.status).toBe(400);
    const body = reply.body as {
      error: string;
      issues: { code: string; path: unknown[]; message: string }[];
    };
    expect(body.error).toMatch(/image_to_video/);
    const paths = body.issues.map((issue) => issue.path);
    expect(paths).toContainEqual(['promptImage', 0, 'uri']);
    expect(paths).toContainEqual(['ratio']);
    expect(paths).toContainEqual(['extra']);
    for (const issue of body.issues) expect(issue.message.length).toBeGreaterThan(0);

    const unknownModel = await api(sim).create('text_to_video', {
      ...sampleInput('text_to_video'),
      model: 'gen9',
    });
    expect(unknownModel.status).toBe(400);
    const notJson = await api(sim).send('POST', '/v1/text_to_video', '{"model":');
    expect(notJson.status).toBe(400);
    expect(sim.stats().tasks.created).toBe(0);
  });

  it('answers 404 for unknown routes and tasks, 405 for a wrong method, 413 for a body over the limit', async () => {
    const sim = await simulator({ maxBodyBytes: 1024 });
    const client = api(sim);
    expect((await client.send('GET', '/v1/nothing_here')).status).toBe(404);
    expect((await client.get('6a1f8a51-8f0c-4b55-9a47-0d3c1b1f2a3e')).status).toBe(404);
    expect((await client.get('not-a-uuid')).status).toBe(404);
    expect((await client.get('%E0%A4%A')).status).toBe(404);
    const wrongMethod = await client.send('GET', '/v1/text_to_video');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    const big = await client.create('text_to_image', {
      ...sampleInput('text_to_image'),
      promptText: 'x'.repeat(2000),
    });
    expect(big.status).toBe(413);
    expect(big.body).toEqual({ error: expect.any(String) });
  });

  it('cancels an unfinished task (CANCELLED stays readable), deletes a finished one, then 404s', async () => {
    const sim = await simulator({ timing: { runMs: [60_000, 60_000] } });
    const client = api(sim);
    const { id } = (await client.create('text_to_video', sampleInput('text_to_video'))).body as {
      id: string;
    };
    const cancelled = await client.delete(id);
    expect(cancelled.status).toBe(204);
    expect(cancelled.text).toBe('');
    const after = (await client.get(id)).body as { status: string; cost: { credits: number } };
    expect(after).toMatchObject({ status: 'CANCELLED', cost: { credits: 0 } });
    expect((await client.delete(id)).status).toBe(204);
    expect((await client.get(id)).status).toBe(404);
    expect((await client.delete(id)).status).toBe(404);
    expect(sim.task(id)).toBeUndefined();
  });

  it('logs requests without keys and exposes stats, requests and timelines over HTTP', async () => {
    const sim = await simulator();
    const client = api(sim);
    const { id } = (await client.create('text_to_image', sampleInput('text_to_image'))).body as {
      id: string;
    };
    await eventually(async () =>
      expect(((await client.get(id)).body as { status: string }).status).toBe('SUCCEEDED'),
    );
    const log = sim.requests();
    expect(log[0]).toMatchObject({
      method: 'POST',
      path: '/v1/text_to_image',
      route: 'create',
      status: 200,
      taskId: id,
    });
    expect(log[0]?.keyId).toBe(sim.keyId(sim.apiKey));
    const overHttp = async (path: string) => (await fetch(`${sim.url}${path}`)).json();
    expect(await overHttp('/__simulator/stats')).toMatchObject({ creates: 1, tasks: { created: 1 } });
    expect(((await overHttp('/__simulator/requests')) as unknown[]).length).toBe(log.length);
    const timeline = (await overHttp(`/__simulator/tasks/${id}`)) as { timeline: { status: string }[] };
    expect(timeline.timeline.map((entry) => entry.status)).toEqual(['PENDING', 'RUNNING', 'SUCCEEDED']);
    expect((await fetch(`${sim.url}/__simulator/tasks/6a1f8a51-8f0c-4b55-9a47-0d3c1b1f2a3e`)).status).toBe(
      404,
    );
  });
});
