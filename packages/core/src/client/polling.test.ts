import { describe, expect, it } from 'vitest';
import type { TaskSnapshot } from '../schema/task.js';
import { DEFAULT_POLLING, PollSchedule } from './polling.js';

const pending: TaskSnapshot = { id: 't', status: 'PENDING', wireStatus: 'THROTTLED' };
const running = (progress: number): TaskSnapshot => ({
  id: 't',
  status: 'PROCESSING',
  wireStatus: 'RUNNING',
  progress,
});

describe('PollSchedule', () => {
  it('backs off geometrically while the task waits, within [min, max]', () => {
    const schedule = new PollSchedule({
      ...DEFAULT_POLLING,
      minIntervalMs: 1000,
      maxIntervalMs: 4000,
      backoffFactor: 2,
    });
    const delays = [0, 1, 2, 3, 4].map((i) => schedule.next(pending, i * 1000));
    expect(delays).toEqual([1000, 2000, 4000, 4000, 4000]);
  });

  it('waits one minimum interval after the first running sample (its rate is unknown)', () => {
    const schedule = new PollSchedule(DEFAULT_POLLING);
    expect(schedule.next(running(0.05), 10_000)).toBe(5000);
  });

  it('aims the next poll just after the estimated finish once it has a rate', () => {
    const schedule = new PollSchedule(DEFAULT_POLLING);
    // 10% per 5 s: started at t=0 (progress 0.1 at 5 s, 0.2 at 10 s), finishes at t=50 s.
    schedule.next(running(0.1), 5000);
    // 40 s left, measured over 5 s: look again halfway there first.
    let at = 10_000;
    let delay = schedule.next(running(0.2), at);
    expect(delay).toBeGreaterThan(20_000);
    expect(delay).toBeLessThanOrEqual(21_000);
    // Then refine until the baseline is long, and aim just after t = 50 s.
    const polls = [at];
    while (at + delay < 50_000) {
      at += delay;
      polls.push(at);
      delay = schedule.next(running(at / 50_000), at);
    }
    expect(at + delay).toBeGreaterThan(50_000);
    expect(at + delay).toBeLessThanOrEqual(52_000);
    expect(polls.length).toBeLessThanOrEqual(4);
  });

  it('never polls sooner than the minimum interval, even when the end is near', () => {
    const schedule = new PollSchedule(DEFAULT_POLLING);
    schedule.next(running(0.5), 0);
    expect(schedule.next(running(0.98), 5000)).toBe(5000);
  });

  it('never waits longer than the maximum interval', () => {
    const schedule = new PollSchedule({ ...DEFAULT_POLLING, maxIntervalMs: 20_000 });
    schedule.next(running(0.001), 0);
    expect(schedule.next(running(0.002), 5000)).toBe(20_000);
  });

  it('falls back to the minimum interval while progress stands still', () => {
    const schedule = new PollSchedule(DEFAULT_POLLING);
    schedule.next(running(0.3), 0);
    expect(schedule.next(running(0.3), 5000)).toBe(5000);
  });
});
