/**
 * Sharing and scale of task streams, against a time-scaled simulator in another process:
 * - 1,000 subscribers on 20 tasks cost the GETs of 20 single subscribers;
 * - 10,000 concurrent task streams in one process: heap per active stream, event-loop delay p99.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createRunwayClient, type TaskSnapshot } from '@runway-rx/core';
import { keyId } from '@runway-rx/simulator';
import { filter, firstValueFrom, lastValueFrom, type Subscription } from 'rxjs';
import { childSimulator, keyFor, table } from './lib.js';

interface StatsView {
  readonly byKey: Record<string, { creates: number; gets: number }>;
}

const image = (i: number) =>
  ({ model: 'gen4_image', promptText: `stream ${i}`, ratio: '1024:1024' }) as const;

async function fanOut() {
  const sim = await childSimulator({
    timeScale: 0.05,
    seed: 5,
    concurrency: 1000,
    timing: { runMs: [20_000, 40_000] },
  });
  try {
    const run = async (key: string, subscribersPerTask: number) => {
      const client = createRunwayClient({
        apiKey: key,
        baseUrl: sim.url,
        concurrency: 1000,
        requestsPerSecond: 1000,
        polling: { minIntervalMs: 100 },
      });
      const ids = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          firstValueFrom(client.textToImage(image(i)).pipe(filter((e) => e.id !== undefined))).then(
            (e) => e.id as string,
          ),
        ),
      );
      await Promise.all(
        ids.flatMap((id) =>
          Array.from({ length: subscribersPerTask }, () => lastValueFrom(client.watch(id))),
        ),
      );
      await client.close();
      const stats = await sim.fetchJson<StatsView>('/__simulator/stats');
      return stats.byKey[keyId(key)]?.gets ?? Number.NaN;
    };
    const [single, many] = await Promise.all([run(keyFor(10), 1), run(keyFor(11), 50)]);
    return table(
      'Shared polling: 20 tasks, 1 vs 50 subscribers each',
      [
        ['simulator GETs', many, single, many / single],
        ['GETs per task', many / 20, single / 20, many / single],
      ],
      ['figure', '1,000 subscribers', '20 subscribers', 'ratio'],
    );
  } finally {
    await sim.close();
  }
}

async function manyStreams(count = Number(process.env.BENCH_STREAMS ?? 10_000)) {
  const sim = await childSimulator({
    timeScale: 0.01,
    seed: 6,
    concurrency: count,
    timing: { queueMs: [0, 0], runMs: [2_000_000, 2_000_000] },
    requestLogLimit: 1000,
  });
  const client = createRunwayClient({
    apiKey: sim.apiKey,
    baseUrl: sim.url,
    concurrency: count,
    requestsPerSecond: 5000,
    polling: { minIntervalMs: 2000, maxIntervalMs: 4000 },
  });
  const gc = (globalThis as { gc?: () => void }).gc;
  try {
    gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const subscriptions: Subscription[] = [];
    const running = new Set<string>();
    let resolveAll: () => void = () => {};
    const allRunning = new Promise<void>((resolve) => {
      resolveAll = resolve;
    });
    for (let i = 0; i < count; i++) {
      subscriptions.push(
        client.textToImage(image(i)).subscribe((e) => {
          if (e.status === 'PROCESSING' && !running.has((e as TaskSnapshot).id)) {
            running.add((e as TaskSnapshot).id);
            if (running.size === count) resolveAll();
          }
        }),
      );
    }
    const started = Date.now();
    await allRunning;
    const rampMs = Date.now() - started;
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    histogram.disable();
    gc?.();
    const heapPerStream = (process.memoryUsage().heapUsed - heapBefore) / count;
    for (const s of subscriptions) s.unsubscribe();
    return table(
      `${count.toLocaleString('en-US')} concurrent task streams in one process`,
      [
        ['time until all PROCESSING (ms)', rampMs],
        ['heap per active stream (bytes)', heapPerStream],
        ['event-loop delay p50 (ms)', histogram.percentile(50) / 1e6],
        ['event-loop delay p99 (ms)', histogram.percentile(99) / 1e6],
      ],
      ['figure', 'value'],
    );
  } finally {
    await client.close();
    await sim.close();
  }
}

/** Runs both parts, or the one named in `BENCH_ONLY` (fanout, streams). */
export async function main() {
  const only = process.env.BENCH_ONLY;
  const reports: string[] = [];
  if (!only || only === 'fanout') reports.push(await fanOut());
  if (!only || only === 'streams') reports.push(await manyStreams());
  return reports.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
