import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RateLimiter } from './rate-limiter.js';

describe('RateLimiter', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Acquires `count` permits as fast as allowed and returns the times they were granted. */
  async function drain(limiter: RateLimiter, count: number, runFor: number): Promise<number[]> {
    const times: number[] = [];
    // Each request completes 20 ms after its permit.
    for (let i = 0; i < count; i++) {
      void limiter.acquire().then((release) => {
        times.push(Date.now());
        setTimeout(release, 20);
      });
    }
    await vi.advanceTimersByTimeAsync(runFor);
    return times;
  }

  it('never lets a sliding one-second window hold more than the rate, and uses all of it', async () => {
    const start = Date.now();
    const limiter = new RateLimiter({ requestsPerSecond: 5 });
    const times = await drain(limiter, 40, 10_000);
    expect(times).toHaveLength(40);
    for (const t of times) {
      const inWindow = times.filter((u) => u >= t && u < t + 1000).length;
      expect(inWindow).toBeLessThanOrEqual(5);
    }
    // Saturated: 40 requests at 5/s take about 7 s (the first 5 go at once), plus the round trips.
    expect((times.at(-1) as number) - start).toBeLessThan(7300);
  });

  it('counts a request in the window until it completes, so slow answers cannot bunch arrivals', async () => {
    const limiter = new RateLimiter({ requestsPerSecond: 2 });
    const first = await limiter.acquire();
    const second = await limiter.acquire();
    let third = false;
    void limiter.acquire().then(() => {
      third = true;
    });
    await vi.advanceTimersByTimeAsync(1500);
    expect(third).toBe(false); // both holders are still in flight
    first();
    await vi.advanceTimersByTimeAsync(999);
    expect(third).toBe(false); // a window after the first completed
    await vi.advanceTimersByTimeAsync(2);
    expect(third).toBe(true);
    second();
  });

  it('halves the rate on a 429, once per window, then climbs back linearly', async () => {
    const limiter = new RateLimiter({ requestsPerSecond: 10, increasePerSecond: 1 });
    limiter.penalize();
    limiter.penalize();
    expect(limiter.rate).toBe(5);
    await vi.advanceTimersByTimeAsync(3000);
    expect(limiter.rate).toBeGreaterThan(6.5);
    expect(limiter.rate).toBeLessThan(8.5);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(limiter.rate).toBe(10);
  });

  it('rejects a waiter whose signal aborts, and serves the others', async () => {
    const limiter = new RateLimiter({ requestsPerSecond: 1 });
    (await limiter.acquire())();
    const controller = new AbortController();
    const aborted = limiter.acquire(controller.signal);
    const next = limiter.acquire();
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    await vi.advanceTimersByTimeAsync(1100);
    await expect(next).resolves.toBeTypeOf('function');
  });

  it('paces below one request per second', async () => {
    const limiter = new RateLimiter({ requestsPerSecond: 1, minRequestsPerSecond: 0.5 });
    limiter.penalize();
    expect(limiter.rate).toBe(0.5);
    const times = await drain(limiter, 3, 4500);
    expect(times).toHaveLength(3);
    expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(1900);
  });

  it('spaces permits evenly when smooth', async () => {
    const limiter = new RateLimiter({ requestsPerSecond: 5, smooth: true });
    const times = await drain(limiter, 6, 2000);
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(200);
    expect(times).toHaveLength(6);
  });

  it('corrects a large first overshoot at once, then climbs slower near the rate that was refused', async () => {
    const limiter = new RateLimiter({ requestsPerSecond: 50, increasePerSecond: 1 });
    const releases = await Promise.all(Array.from({ length: 5 }, () => limiter.acquire()));
    for (const release of releases) release(true);
    limiter.penalize(); // 5 got through at 50/s: the server's limit is near 5
    expect(limiter.rate).toBe(5);
    await vi.advanceTimersByTimeAsync(2000);
    limiter.penalize(); // refused again at 7
    const after = limiter.rate;
    expect(after).toBeCloseTo(7 * 0.5, 0);
    await vi.advanceTimersByTimeAsync(4000);
    const fast = limiter.rate; // below 90% of 7: full speed
    await vi.advanceTimersByTimeAsync(4000);
    expect(limiter.rate - fast).toBeLessThan(fast - after); // slower once near 7
  });

  it('can count a request from its permit only, so requests waiting elsewhere do not serialize', async () => {
    const limiter = new RateLimiter({ requestsPerSecond: 5, smooth: true, untilComplete: false });
    const times = await drain(limiter, 5, 1000);
    expect(times).toHaveLength(5); // releases come 20 ms after each permit and do not hold the window
    const held = new RateLimiter({ requestsPerSecond: 5, smooth: true });
    const first = await held.acquire();
    let second = false;
    void held.acquire().then(() => {
      second = true;
    });
    await vi.advanceTimersByTimeAsync(1000);
    expect(second).toBe(false); // the default holds the window until the first completes
    first();
    await vi.advanceTimersByTimeAsync(250);
    expect(second).toBe(true);
  });
});
