import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { RateLimitError } from '../errors.js';
import { Scheduler, type SchedulerJob } from './scheduler.js';

/** A job whose task "finishes" when the test says so. */
function job(name: string, log: string[], overrides: Partial<SchedulerJob> = {}) {
  let finish!: () => void;
  const positions: number[] = [];
  const rejected: Error[] = [];
  const spec: SchedulerJob = {
    model: 'gen4.5',
    queueKey: 'a',
    priority: 0,
    waitWhenPaused: false,
    run: () =>
      new Promise<void>((resolve) => {
        log.push(name);
        finish = resolve;
      }),
    onPosition: (position) => positions.push(position),
    onReject: (error) => rejected.push(error),
    ...overrides,
  };
  return { spec, positions, rejected, finish: () => finish() };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('Scheduler', () => {
  it('caps tasks in flight per model and starts the next when one finishes', async () => {
    const log: string[] = [];
    const scheduler = new Scheduler({ concurrency: 2, rate: () => 10 });
    const jobs = ['1', '2', '3'].map((n) => job(n, log));
    for (const j of jobs) scheduler.enqueue(j.spec);
    await tick();
    expect(log).toEqual(['1', '2']);
    expect(scheduler.state.inFlight).toEqual({ 'gen4.5': 2 });
    expect(scheduler.state.queued).toEqual({ a: 1 });
    expect(jobs[2]?.positions).toEqual([1]);
    jobs[0]?.finish();
    await tick();
    expect(log).toEqual(['1', '2', '3']);
  });

  it('counts models separately (Runway limits each model)', async () => {
    const log: string[] = [];
    const scheduler = new Scheduler({ concurrency: { 'gen4.5': 1, default: 1 }, rate: () => 10 });
    scheduler.enqueue(job('video', log).spec);
    scheduler.enqueue(job('image', log, { model: 'gen4_image' }).spec);
    scheduler.enqueue(job('video2', log).spec);
    await tick();
    expect(log).toEqual(['video', 'image']);
  });

  it('takes queue keys in turn: one heavy user does not starve another', async () => {
    const log: string[] = [];
    const scheduler = new Scheduler({ concurrency: 1, rate: () => 10 });
    const heavy = Array.from({ length: 5 }, (_, i) => job(`a${i}`, log, { queueKey: 'a' }));
    for (const j of heavy) scheduler.enqueue(j.spec);
    const light = job('b0', log, { queueKey: 'b' });
    scheduler.enqueue(light.spec);
    await tick();
    // a0 runs; b0 is next in line although four of a's tasks came before it.
    expect(light.positions.at(-1)).toBe(1);
    heavy[0]?.finish();
    await tick();
    expect(log).toEqual(['a0', 'b0']);
  });

  it('orders by priority within a key, then by submission', async () => {
    const log: string[] = [];
    const scheduler = new Scheduler({ concurrency: 1, rate: () => 10 });
    const first = job('first', log);
    scheduler.enqueue(first.spec);
    const low = job('low', log);
    const high = job('high', log, { priority: 5 });
    const high2 = job('high2', log, { priority: 5 });
    for (const j of [low, high, high2]) scheduler.enqueue(j.spec);
    await tick();
    for (const next of [first, high, high2]) {
      next.finish();
      await tick();
    }
    expect(log).toEqual(['first', 'high', 'high2', 'low']);
  });

  it('applies a per-key cap on top of the model cap', async () => {
    const log: string[] = [];
    const scheduler = new Scheduler({ concurrency: 10, queueKeyConcurrency: 1, rate: () => 10 });
    for (const name of ['a0', 'a1']) scheduler.enqueue(job(name, log, { queueKey: 'a' }).spec);
    scheduler.enqueue(job('b0', log, { queueKey: 'b' }).spec);
    await tick();
    expect(log).toEqual(['a0', 'b0']);
  });

  it("places jobs of a capped key in that key's order, across models", async () => {
    const log: string[] = [];
    const scheduler = new Scheduler({ concurrency: 10, queueKeyConcurrency: 1, rate: () => 10 });
    const models = ['gen4.5', 'veo3.1', 'gen4_image', 'veo3.1'];
    const jobs = models.map((model, i) => job(String(i), log, { model, queueKey: 'batch' }));
    for (const j of jobs) scheduler.enqueue(j.spec);
    await tick();
    expect(log).toEqual(['0']);
    // Per model alone, jobs 1 and 2 would both be "#1": the key's cap makes them wait in turn.
    expect(jobs.slice(1).map((j) => j.positions.at(-1))).toEqual([1, 2, 3]);
    jobs[0]?.finish();
    await tick();
    await tick();
    expect(log).toEqual(['0', '1']);
    expect(jobs.slice(2).map((j) => j.positions.at(-1))).toEqual([1, 2]);
  });

  it('removes a waiting job without running it, and moves the line up', async () => {
    const log: string[] = [];
    const scheduler = new Scheduler({ concurrency: 1, rate: () => 10 });
    const running = job('r', log);
    scheduler.enqueue(running.spec);
    const dropped = job('dropped', log);
    const remove = scheduler.enqueue(dropped.spec);
    const behind = job('behind', log);
    scheduler.enqueue(behind.spec);
    await tick();
    expect(behind.positions).toEqual([2]);
    expect(remove()).toBe(true);
    await tick();
    expect(behind.positions).toEqual([2, 1]);
    running.finish();
    await tick();
    expect(log).toEqual(['r', 'behind']);
    expect(remove()).toBe(false);
  });

  it('rejects waiting jobs of a model whose daily quota is spent, unless they chose to wait', async () => {
    const log: string[] = [];
    const scheduler = new Scheduler({ concurrency: 1, rate: () => 10 });
    scheduler.enqueue(job('running', log).spec);
    const impatient = job('impatient', log);
    const patient = job('patient', log, { waitWhenPaused: true });
    const other = job('other', log, { model: 'gen4_image' });
    for (const j of [impatient, patient, other]) scheduler.enqueue(j.spec);
    const error = new RateLimitError('spent', {
      status: 429,
      method: 'POST',
      path: '/v1/x',
      retryAfter: 3_600_000,
    });
    scheduler.pause('gen4.5', Date.now() + 3_600_000, error);
    await tick();
    expect(impatient.rejected).toEqual([error]);
    expect(patient.rejected).toEqual([]);
    expect(log).toEqual(['running', 'other']);
    expect(scheduler.state.queued).toEqual({ a: 1 });
    scheduler.close(new Error('closed'));
    expect(patient.rejected[0]?.message).toBe('closed');
  });

  it('publishes its state as an Observable', async () => {
    const scheduler = new Scheduler({ concurrency: 1, rate: () => 7 });
    scheduler.enqueue(job('x', []).spec);
    await tick();
    const state = await firstValueFrom(scheduler.state$);
    expect(state).toEqual({
      inFlight: { 'gen4.5': 1 },
      queued: {},
      requestsPerSecond: 7,
      createsPerSecond: 7,
    });
  });
});
