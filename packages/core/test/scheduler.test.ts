import { lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { isRateLimitError, type RateLimitError, type SchedulerState, type TaskEvent } from '../src/index.js';
import { collect, delay, eventually, image, setup, until } from './support.js';

describe('the scheduler against the simulator', () => {
  it('holds tasks beyond the concurrency as QUEUED with their place in line', async () => {
    const { sim, client } = await setup({ concurrency: 1 }, { concurrency: 1 });
    const streams = Array.from({ length: 4 }, (_, i) => collect(client.textToImage(image(`${i}`))));
    const results = await Promise.all(streams);
    const positions = results.map((events) =>
      events.filter((e) => e.status === 'QUEUED').map((e) => (e as { queuePosition: number }).queuePosition),
    );
    expect(positions[0]).toEqual([]);
    expect(positions[1]).toEqual([1]);
    expect(positions[2]).toEqual([2, 1]);
    expect(positions[3]).toEqual([3, 2, 1]);
    // The client never let Runway throttle a task.
    for (const task of sim.tasks()) expect(task.timeline.map((t) => t.status)).not.toContain('THROTTLED');
    expect(results.every((events) => events.at(-1)?.status === 'SUCCEEDED')).toBe(true);
  });

  it('drops a queued task without any request when it is unsubscribed or aborted', async () => {
    const { sim, client } = await setup({ timing: { runMs: [30_000, 30_000] } }, { concurrency: 1 });
    const first = client.textToImage(image());
    const holding = first.subscribe();
    await until(first, (e) => e.status === 'PENDING');
    const controller = new AbortController();
    const aborted = lastValueFrom(client.textToImage(image(), { signal: controller.signal })).catch((e) => e);
    const dropped = client.textToImage(image()).subscribe();
    const third: TaskEvent[] = [];
    const waiting = client.textToImage(image()).subscribe({ next: (e) => third.push(e), error: () => {} });
    await eventually(() => expect(third.at(-1)).toMatchObject({ status: 'QUEUED', queuePosition: 3 }));
    controller.abort();
    dropped.unsubscribe();
    expect((await aborted).name).toBe('AbortError');
    await eventually(() => expect(third.at(-1)).toMatchObject({ status: 'QUEUED', queuePosition: 1 }));
    expect(sim.stats().creates).toBe(1);
    holding.unsubscribe();
    waiting.unsubscribe();
  });

  it('lets queue keys take turns, priority first within a key', async () => {
    const { client } = await setup(
      { timing: { runMs: [2_000, 2_000], queueMs: [0, 0] } },
      { concurrency: 1 },
    );
    const order: string[] = [];
    const submit = (key: string, label: string, priority = 0) =>
      collect(client.textToImage(image(label), { queueKey: key, priority })).then((events) => {
        order.push(label);
        return events;
      });
    const all = [
      submit('a', 'a1'),
      submit('a', 'a2'),
      submit('a', 'a3'),
      submit('a', 'a4-urgent', 5),
      submit('b', 'b1'),
      submit('c', 'c1'),
    ];
    await Promise.all(all);
    // a1 was already running; then keys rotate, and a's urgent task goes before its others.
    expect(order).toEqual(['a1', 'b1', 'c1', 'a4-urgent', 'a2', 'a3']);
  });

  it('caps a queue key', async () => {
    const { sim, client } = await setup(
      { concurrency: 10, timing: { runMs: [5_000, 5_000] } },
      {
        concurrency: 10,
        queueKeyConcurrency: (key) => (key === 'guild:small' ? 1 : undefined),
      },
    );
    const ids = async (key: string) =>
      Promise.all(
        Array.from({ length: 4 }, () =>
          collect(client.textToImage(image(), { queueKey: key })).then(
            (events) => events.at(-1)?.id as string,
          ),
        ),
      );
    const [small, big] = await Promise.all([ids('guild:small'), ids('guild:big')]);
    const span = (id: string) => {
      const timeline = sim.task(id)?.timeline ?? [];
      return [timeline[0]?.at ?? 0, timeline.at(-1)?.at ?? 0] as const;
    };
    const overlaps = (group: string[]) =>
      group.some((a, i) =>
        group.slice(i + 1).some((b) => span(a)[0] < span(b)[1] && span(b)[0] < span(a)[1]),
      );
    expect(overlaps(small)).toBe(false); // one at a time
    expect(overlaps(big)).toBe(true); // side by side
  });

  it('honours Retry-After on create and still creates each task once', async () => {
    const { sim, client } = await setup({ createRateLimit: { perSecond: 5 } });
    const results = await Promise.all(
      Array.from({ length: 15 }, (_, i) => client.run('text_to_image', image(`${i}`))),
    );
    expect(results).toHaveLength(15);
    expect(sim.tasks()).toHaveLength(15);
    expect(sim.stats().status429).toBeGreaterThan(0);
  });

  it('fails queued tasks with a RateLimitError that says when to retry once the daily quota is spent', async () => {
    const { sim, client } = await setup({ dailyLimit: 2 }, { concurrency: 1 });
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => client.run('text_to_image', image())),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(errors).toHaveLength(3);
    for (const error of errors) {
      expect(isRateLimitError(error)).toBe(true);
      expect((error as RateLimitError).retryAfter).toBeGreaterThan(60_000);
      expect((error as Error).message).toMatch(/retry/i);
    }
    // Only one refused create: the rest never went out.
    expect(sim.requests().filter((r) => r.method === 'POST' && r.status === 429)).toHaveLength(1);
  });

  it('shows in-flight, queued and rate as values and as an Observable', async () => {
    const { client } = await setup(
      { timing: { runMs: [5_000, 5_000] } },
      { concurrency: 1, requestsPerSecond: 500 },
    );
    const states: SchedulerState[] = [];
    const subscription = client.scheduler.state$.subscribe((s) => states.push(s));
    const runs = [
      collect(client.textToImage(image(), { queueKey: 'u1' })),
      collect(client.textToImage(image(), { queueKey: 'u1' })),
      collect(client.textToImage(image(), { queueKey: 'u2' })),
    ];
    await delay(20);
    expect(client.scheduler.state.inFlight).toEqual({ gen4_image: 1 });
    expect(client.scheduler.state.queued).toEqual({ u1: 1, u2: 1 });
    expect(client.scheduler.state.requestsPerSecond).toBe(500);
    await Promise.all(runs);
    expect(states.some((s) => s.queued.u2 === 1)).toBe(true);
    await eventually(() => expect(states.at(-1)?.inFlight.gen4_image ?? 0).toBe(0));
    subscription.unsubscribe();
  });
});
