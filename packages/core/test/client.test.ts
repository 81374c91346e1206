import { sampleInput } from '@runway-rx/simulator';
import { lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  AbortError,
  AuthenticationError,
  createRunwayClient,
  isNetworkError,
  type NetworkError,
  TASK_TYPE_NAMES,
  type TaskEvent,
  TaskFailedError,
  type TaskSnapshot,
  TimeoutError,
  ValidationError,
} from '../src/index.js';
import { collect, delay, eventually, image, setup, statuses, until, video } from './support.js';

const RANK = { QUEUED: 0, PENDING: 1, PROCESSING: 2, SUCCEEDED: 3, FAILED: 3, CANCELLED: 3 } as const;

/** The stream's contract: states in lifecycle order, progress never decreasing, one terminal state last. */
function expectLifecycle(events: readonly TaskEvent[]) {
  for (let i = 1; i < events.length; i++) {
    const [a, b] = [events[i - 1] as TaskEvent, events[i] as TaskEvent];
    expect(RANK[b.status]).toBeGreaterThanOrEqual(RANK[a.status]);
    if (a.status !== 'QUEUED' && b.status !== 'QUEUED') {
      expect(b.progress ?? 0).toBeGreaterThanOrEqual(a.progress ?? 0);
      expect(b).not.toEqual(a);
    }
  }
  const last = events.at(-1);
  expect(last && RANK[last.status]).toBe(3);
  expect(events.filter((e) => RANK[e.status] === 3)).toHaveLength(1);
}

describe('a task stream', () => {
  it('emits the lifecycle in order with rising progress, then completes', async () => {
    const { sim, client } = await setup();
    const events = await collect(client.textToVideo(video()));
    expectLifecycle(events);
    expect(statuses(events)).toEqual(['PENDING', 'PROCESSING', 'SUCCEEDED']);
    const done = events.at(-1) as TaskSnapshot;
    expect(done).toMatchObject({
      status: 'SUCCEEDED',
      wireStatus: 'SUCCEEDED',
      model: 'gen4.5',
      progress: 1,
    });
    expect(done.output?.[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    expect(events.filter((e) => e.status === 'PROCESSING').length).toBeGreaterThan(1);
    expect(sim.task(done.id)?.status).toBe('SUCCEEDED');
  });

  it('submits on the first subscription, once, and shares the task with later subscribers', async () => {
    const { sim, client } = await setup();
    const stream = client.textToImage(image());
    expect(sim.stats().creates).toBe(0);
    const first = collect(stream);
    const second = collect(stream);
    const running = await until(stream, (e) => e.status === 'PROCESSING');
    // A late subscriber gets the latest state at once.
    const late: TaskEvent[] = [];
    const subscription = stream.subscribe((e) => late.push(e));
    expect(late[0]?.status).toBe('PROCESSING');
    expect(late[0]?.id).toBe(running.id);
    const [a, b] = await Promise.all([first, second]);
    subscription.unsubscribe();
    expect(a.at(-1)).toEqual(b.at(-1));
    expect(sim.stats().creates).toBe(1);
  });

  it('emits FAILED as a value with the failure and its code', async () => {
    const { client } = await setup();
    const events = await collect(client.textToImage(image('a fox [fail:SAFETY.INPUT.TEXT]')));
    expectLifecycle(events);
    expect(events.at(-1)).toMatchObject({ status: 'FAILED', failureCode: 'SAFETY.INPUT.TEXT' });
    expect((events.at(-1) as TaskSnapshot).failure).toMatch(/\w+/);
  });

  it('is async-iterable', async () => {
    const { client } = await setup();
    const seen: string[] = [];
    for await (const task of client.soundEffect({ model: 'sound_effect_v1', promptText: 'rain' })) {
      seen.push(task.status);
    }
    expect(seen.at(-1)).toBe('SUCCEEDED');
    expect(new Set(seen)).toContain('PROCESSING');
  });

  it('runs every task type against the simulator', async () => {
    const { client } = await setup();
    const results = await Promise.all(TASK_TYPE_NAMES.map((type) => client.run(type, sampleInput(type))));
    expect(results.map((r) => r.status)).toEqual(TASK_TYPE_NAMES.map(() => 'SUCCEEDED'));
    expect(results.map((r) => r.taskType)).toEqual(TASK_TYPE_NAMES);
  });
});

describe('errors', () => {
  it('refuses invalid input on the stream before any request', async () => {
    const { sim, client } = await setup();
    const input = { model: 'gen4.5', promptText: 'x', ratio: '1920:1080', duration: 5 };
    // @ts-expect-error the ratio is not one of gen4.5's
    const error = await lastValueFrom(client.textToVideo(input)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      expect.objectContaining({ path: 'ratio', code: 'enum' }),
    ]);
    expect(sim.requests()).toHaveLength(0);
  });

  it('maps 401 to AuthenticationError, and wants a key', async () => {
    const { newClient } = await setup();
    const client = newClient({ apiKey: 'key_0000not0a0key' });
    const error = await client.run('text_to_image', image()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(String((error as Error).message)).not.toContain('key_0000not0a0key');

    const saved = process.env.RUNWAYML_API_SECRET;
    delete process.env.RUNWAYML_API_SECRET;
    try {
      expect(() => createRunwayClient()).toThrow(AuthenticationError);
    } finally {
      if (saved !== undefined) process.env.RUNWAYML_API_SECRET = saved;
    }
  });

  it('rejects run() with TaskFailedError carrying the failure and the snapshot', async () => {
    const { client } = await setup();
    const error = await client.run('text_to_image', image('[fail]')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    const failed = error as TaskFailedError;
    expect(failed.snapshot.status).toBe('FAILED');
    expect(failed.failureCode).toBe(failed.snapshot.failureCode);
    expect(failed.taskId).toBe(failed.snapshot.id);
  });

  it('ends a task at its whole-task deadline, exactly', async () => {
    const { sim, client } = await setup(
      { timing: { runMs: [60_000, 60_000] } },
      { polling: { minIntervalMs: 1000 } },
    );
    const started = performance.now();
    const error = await lastValueFrom(client.textToImage(image(), { timeoutMs: 300 })).catch(
      (e: unknown) => e,
    );
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(elapsed).toBeGreaterThanOrEqual(295);
    expect(elapsed).toBeLessThan(450); // not a check after a 1 s sleep
    // The task is not cancelled unless asked, and its id is kept on the error.
    const id = (error as TimeoutError).taskId as string;
    expect(sim.task(id)?.status).not.toBe('CANCELLED');
  });
});

describe('watch(id)', () => {
  it('follows a task created elsewhere, and all watchers share one poll loop', async () => {
    const { sim, client, newClient } = await setup(
      { timing: { runMs: [20_000, 20_000] } },
      { polling: { minIntervalMs: 40, graceMs: 50 } },
    );
    const other = newClient();
    const created = await until(other.textToImage(image()), (e) => e.status !== 'QUEUED');
    const id = created.id as string;
    other.close();

    const watchers = Array.from({ length: 25 }, () => collect(client.watch(id)));
    const results = await Promise.all(watchers);
    for (const events of results) {
      expect(events.at(-1)?.status).toBe('SUCCEEDED');
      expectLifecycle(events);
    }
    // One loop: no two GETs of the task closer together than the minimum interval.
    const gets = sim
      .requests()
      .filter((r) => r.method === 'GET' && r.taskId === id)
      .map((r) => r.at);
    const gaps = gets.slice(1).map((at, i) => at - (gets[i] as number));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(35);
    expect(gets.length).toBeLessThan((20_000 * 0.01) / 40 + 10);
  });

  it('stops polling after the last watcher leaves (after the grace) and starts again for a new one', async () => {
    const { sim, client } = await setup(
      { timing: { runMs: [60_000, 60_000] } },
      { polling: { minIntervalMs: 20, graceMs: 60 } },
    );
    const { id } = (await until(
      client.textToImage(image()),
      (e) => e.status === 'PROCESSING',
    )) as TaskSnapshot;
    const getsOf = () => sim.requests().filter((r) => r.method === 'GET' && r.taskId === id).length;

    const subscription = client.watch(id).subscribe();
    await delay(100);
    subscription.unsubscribe();
    // A re-subscribe within the grace keeps the loop.
    const again = client.watch(id).subscribe();
    again.unsubscribe();
    await delay(150);
    const stopped = getsOf();
    await delay(150);
    expect(getsOf()).toBe(stopped);

    // A new watcher restarts the loop, which polls at once (the minimum interval has passed).
    const seen: TaskSnapshot[] = [];
    const watcher = client.watch(id).subscribe((e) => seen.push(e));
    expect(seen[0]?.id).toBe(id); // the latest known state, at once
    await eventually(() => expect(getsOf()).toBeGreaterThan(stopped), 200);
    watcher.unsubscribe();
  });
});

describe('cancel', () => {
  it('cancels a running task, deletes a finished one, and reports an unknown one', async () => {
    const { sim, client } = await setup({ timing: { runMs: [60_000, 60_000] } });
    const stream = client.textToImage(image());
    const all = collect(stream);
    const { id } = (await until(stream, (e) => e.status === 'PROCESSING')) as TaskSnapshot;
    expect(await client.cancel(id)).toBe('cancelled');
    const events = await all;
    expect(events.at(-1)).toMatchObject({ id, status: 'CANCELLED' });
    expectLifecycle(events);
    expect(await client.cancel(id)).toBe('deleted');
    expect(await client.cancel(id)).toBe('not_found');
    expect(await client.cancel('d2b0a1b8-0000-4000-8000-000000000000')).toBe('not_found');
    expect(sim.task(id)).toBeUndefined();
  });

  it('stops at once on abort, mid-wait, and cancels the task at Runway', async () => {
    const { sim, client } = await setup(
      { timing: { runMs: [60_000, 60_000] } },
      { polling: { minIntervalMs: 5000, initialDelayMs: 50 } },
    );
    const controller = new AbortController();
    const stream = client.textToImage(image(), { signal: controller.signal });
    const done = lastValueFrom(stream).catch((e: unknown) => e);
    const { id } = (await until(stream, (e) => e.status === 'PROCESSING')) as TaskSnapshot;
    // The next poll is 5 s away: aborting must not wait for it.
    const started = performance.now();
    controller.abort();
    const error = await done;
    expect(performance.now() - started).toBeLessThan(100);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).taskId).toBe(id);
    await eventually(() => expect(sim.task(id)?.status).toBe('CANCELLED'));
  });

  it('stops at once on abort, mid-request', async () => {
    const { sim, client } = await setup({ timing: { runMs: [60_000, 60_000] } });
    const controller = new AbortController();
    const stream = client.textToImage(image(), { signal: controller.signal });
    const done = lastValueFrom(stream).catch((e: unknown) => e);
    const { id } = (await until(stream, (e) => e.status === 'PROCESSING')) as TaskSnapshot;
    sim.setFaults({ get: { latencyMs: 3000 } });
    await delay(100); // a GET is now hanging in the simulator
    const started = performance.now();
    controller.abort();
    expect(await done).toBeInstanceOf(AbortError);
    expect(performance.now() - started).toBeLessThan(100);
    sim.setFaults({});
    await eventually(() => expect(sim.task(id)?.status).toBe('CANCELLED'));
  });

  it('close() waits for a create on the wire and cancels the task its caller let go of', async () => {
    const { sim, newClient } = await setup({
      faults: { create: { latencyMs: 150 } },
      timing: { runMs: [60_000, 60_000] },
    });
    const client = newClient();
    const controller = new AbortController();
    const done = lastValueFrom(client.textToImage(image(), { signal: controller.signal })).catch(
      (e: unknown) => e,
    );
    await delay(50); // the create is on the wire, held by the simulator
    controller.abort();
    expect(await done).toBeInstanceOf(AbortError);
    await client.close();
    // The create finished after the abort and the close; its task was cancelled before close() resolved.
    expect(sim.tasks()).toHaveLength(1);
    expect(sim.tasks()[0]?.status).toBe('CANCELLED');
  });

  it('cancels on unsubscribe only when asked to', async () => {
    const { sim, client } = await setup({ timing: { runMs: [60_000, 60_000] } });
    const kept = client.textToImage(image());
    const cancelled = client.textToImage(image(), { cancelOnUnsubscribe: true });
    const a = (await until(kept, (e) => e.status === 'PROCESSING')) as TaskSnapshot;
    const b = (await until(cancelled, (e) => e.status === 'PROCESSING')) as TaskSnapshot;
    await eventually(() => expect(sim.task(b.id)?.status).toBe('CANCELLED'));
    await delay(50);
    expect(sim.task(a.id)?.status).toBe('RUNNING');
  });
});

describe('reliability', () => {
  it('finishes 300 tasks through 5xx, resets, malformed bodies, 429s and latency spikes, creating each once', async () => {
    const { sim, client } = await setup({
      seed: 42,
      timing: { runMs: [5_000, 20_000], queueMs: [500, 1500] },
      faults: {
        get: {
          errorRate: 0.1,
          resetBeforeRate: 0.03,
          malformedRate: 0.05,
          rate429: 0.02,
          retryAfterSeconds: 0.05,
          latencyMs: [0, 40],
        },
      },
      requestLogLimit: 100_000,
    });
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => collect(client.textToImage(image(`scene ${i}`)))),
    );
    for (const events of results) expectLifecycle(events);
    expect(results.map((events) => events.at(-1)?.status)).toEqual(Array(300).fill('SUCCEEDED'));
    const stats = sim.stats();
    expect(stats.creates).toBe(300);
    const served = stats.faults as Record<string, number>;
    expect(Object.values(served).reduce((a, b) => a + b, 0)).toBeGreaterThan(50);
  });

  it('says a create may have reached Runway when the connection dies after it, and never sends it again', async () => {
    const { sim, client } = await setup({ faults: { create: { resetAfterCommitRate: 1 } } });
    const error = await client.run('text_to_image', image()).catch((e: unknown) => e);
    expect(isNetworkError(error)).toBe(true);
    expect((error as NetworkError).requestMayHaveReachedServer).toBe(true);
    expect((error as Error).message).toMatch(/may have reached/i);
    await delay(100);
    expect(sim.requests().filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(sim.tasks()).toHaveLength(1); // the task exists at Runway: the caller was told it may
  });

  it('retries a create the server refused (503, 429) and only that', async () => {
    const { sim, client } = await setup({
      seed: 3,
      faults: { create: { errorRate: 0.4, rate429: 0.2, retryAfterSeconds: 0.01 } },
    });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => client.run('text_to_image', image(`${i}`))),
    );
    const created = results.filter((r) => r.status === 'fulfilled').length;
    expect(created).toBeGreaterThan(10);
    // Each task was created at most once; refused creates were sent again.
    expect(sim.tasks()).toHaveLength(created);
    expect(sim.requests().filter((r) => r.method === 'POST').length).toBeGreaterThan(20);
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason.status).toBe(503);
    }
  });
});
