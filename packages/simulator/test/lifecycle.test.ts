import { createRunwayClient, type RunwayClient } from '@runway-rx/core';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleInput } from '../src/index.js';
import { api, delay, eventually, simulator } from './support.js';

const clients: RunwayClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

type Wire = { status: string; progress?: number; failure?: string; failureCode?: string; output?: string[] };

describe('the task lifecycle', () => {
  it('goes PENDING → RUNNING with rising progress → SUCCEEDED, scaled by timeScale', async () => {
    const sim = await simulator({ timing: { queueMs: [8_000, 8_000], runMs: [30_000, 30_000] } });
    const client = api(sim);
    const started = Date.now();
    const { id } = (await client.create('text_to_video', sampleInput('text_to_video'))).body as {
      id: string;
    };
    const seen: Wire[] = [];
    for (;;) {
      const task = (await client.get(id)).body as Wire;
      seen.push(task);
      if (task.status === 'SUCCEEDED') break;
      await delay(15);
    }
    const elapsed = Date.now() - started;
    // 8 s queue + 30 s run at timeScale 0.01 is 380 ms.
    expect(elapsed).toBeGreaterThanOrEqual(370);
    expect(elapsed).toBeLessThan(2000);
    const statuses = seen.map((t) => t.status).filter((s, i, all) => all[i - 1] !== s);
    expect(statuses).toEqual(['PENDING', 'RUNNING', 'SUCCEEDED']);
    const progress = seen.filter((t) => t.status === 'RUNNING').map((t) => t.progress as number);
    expect(progress.length).toBeGreaterThan(3);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    for (const p of progress) expect(p).toBeGreaterThanOrEqual(0);
    for (const p of progress) expect(p).toBeLessThan(1);
    const timeline = sim.task(id)?.timeline ?? [];
    expect(timeline.map((entry) => entry.status)).toEqual(['PENDING', 'RUNNING', 'SUCCEEDED']);
    const [pending, running, done] = timeline.map((entry) => entry.at) as [number, number, number];
    expect(running - pending).toBeCloseTo(80, 0);
    expect(done - running).toBeCloseTo(300, 0);
  });

  it('moves in quarters in stepped mode', async () => {
    const sim = await simulator({
      progress: 'stepped',
      timing: { queueMs: [0, 0], runMs: [40_000, 40_000] },
    });
    const client = api(sim);
    const { id } = (await client.create('text_to_video', sampleInput('text_to_video'))).body as {
      id: string;
    };
    const values = new Set<number>();
    for (;;) {
      const task = (await client.get(id)).body as Wire;
      if (task.status === 'SUCCEEDED') break;
      if (task.status === 'RUNNING') values.add(task.progress as number);
      await delay(10);
    }
    for (const value of values) expect([0, 0.25, 0.5, 0.75]).toContain(value);
    expect(values.size).toBeGreaterThanOrEqual(3);
  });

  it('throttles tasks over the per-model concurrency and starts them in submission order', async () => {
    const sim = await simulator({ concurrency: 2, timing: { queueMs: [0, 0], runMs: [10_000, 20_000] } });
    const client = api(sim);
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      ids.push(
        ((await client.create('text_to_image', sampleInput('text_to_image'))).body as { id: string }).id,
      );
    }
    // Another model has its own slots.
    const other = (await client.create('text_to_video', sampleInput('text_to_video'))).body as { id: string };
    await eventually(() => expect(sim.task(other.id)?.status).toBe('RUNNING'));
    const early = ids.map((id) => sim.task(id)?.status);
    expect(early.filter((s) => s === 'RUNNING')).toHaveLength(2);
    expect(((await client.get(ids[7] as string)).body as Wire).status).toBe('THROTTLED');
    await eventually(() => {
      for (const id of ids) expect(sim.task(id)?.status).toBe('SUCCEEDED');
    });
    const starts = ids.map((id) => sim.task(id)?.startedAt as number);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    const stats = sim.stats();
    expect(stats.maxConcurrent).toEqual({ gen4_image: 2, 'gen4.5': 1 });
    expect(stats.throttledTasks).toBe(6);
  });

  it('hands a slot on when a running task is cancelled', async () => {
    const sim = await simulator({ concurrency: 1, timing: { queueMs: [0, 0], runMs: [100_000, 100_000] } });
    const client = api(sim);
    const first = (
      (await client.create('text_to_image', sampleInput('text_to_image'))).body as { id: string }
    ).id;
    const second = (
      (await client.create('text_to_image', sampleInput('text_to_image'))).body as { id: string }
    ).id;
    await eventually(() => expect(sim.task(second)?.status).toBe('THROTTLED'));
    await client.delete(first);
    expect(sim.task(second)?.status).toBe('RUNNING');
  });

  it('fails [fail] prompts with INTERNAL.BAD_OUTPUT.CODE01 after running and [fail:CODE] with that code', async () => {
    const sim = await simulator();
    const client = api(sim);
    const create = async (promptText: string) =>
      (
        (await client.create('text_to_image', sampleInput('text_to_image', 'gen4_image', { promptText })))
          .body as {
          id: string;
        }
      ).id;
    const generic = await create('a storm [fail]');
    const unsafe = await create('[fail:SAFETY.INPUT.TEXT] something unsafe');
    const done = async (id: string) =>
      eventually(async () => {
        const task = (await client.get(id)).body as Wire & { cost: { credits: number } };
        expect(task.status).toBe('FAILED');
        return task;
      });
    expect(await done(generic)).toMatchObject({
      failureCode: 'INTERNAL.BAD_OUTPUT.CODE01',
      failure: expect.stringMatching(/\w/),
      cost: { credits: 0 },
    });
    expect(await done(unsafe)).toMatchObject({
      failureCode: 'SAFETY.INPUT.TEXT',
      failure: 'The prompt text was flagged by content moderation.',
    });
    expect(sim.task(generic)?.timeline.map((e) => e.status)).toEqual(['PENDING', 'RUNNING', 'FAILED']);
    // Input moderation rejects the task before it runs.
    expect(sim.task(unsafe)?.timeline.map((e) => e.status)).toEqual(['PENDING', 'FAILED']);
  });

  it('runs [slow] prompts slowFactor times longer', async () => {
    const sim = await simulator({ timing: { queueMs: [0, 0], runMs: [1_000, 1_000], slowFactor: 20 } });
    const client = api(sim);
    const fast = (await client.create('text_to_image', sampleInput('text_to_image'))).body as { id: string };
    const slow = (
      await client.create(
        'text_to_image',
        sampleInput('text_to_image', 'gen4_image', { promptText: 'x [slow]' }),
      )
    ).body as { id: string };
    expect(sim.task(fast.id)?.runMs).toBeCloseTo(10, 5);
    expect(sim.task(slow.id)?.runMs).toBeCloseTo(200, 5);
  });

  it('fails a share of tasks with failureRate, reproducibly from the seed', async () => {
    const outcomes = async () => {
      const sim = await simulator({ seed: 9, failureRate: 0.5, timing: { queueMs: [0, 0], runMs: [0, 0] } });
      const client = api(sim);
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) {
        ids.push(
          ((await client.create('sound_effect', sampleInput('sound_effect'))).body as { id: string }).id,
        );
      }
      await delay(20);
      return ids.map((id) => sim.task(id)?.status);
    };
    const first = await outcomes();
    expect(first.filter((s) => s === 'FAILED').length).toBeGreaterThan(2);
    expect(first.filter((s) => s === 'SUCCEEDED').length).toBeGreaterThan(2);
    expect(await outcomes()).toEqual(first);
  });

  it('works with the runway-rx client end to end', async () => {
    const sim = await simulator();
    const client = createRunwayClient({
      apiKey: sim.apiKey,
      baseUrl: sim.url,
      polling: { minIntervalMs: 20 },
    });
    clients.push(client);
    const done = await client.run('text_to_image', sampleInput('text_to_image'));
    expect(done.status).toBe('SUCCEEDED');
    const file = await fetch(done.output?.[0] as string);
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(new Uint8Array(await file.arrayBuffer()).subarray(0, 4)).toEqual(
      Uint8Array.of(0x89, 0x50, 0x4e, 0x47),
    );
  });
});
