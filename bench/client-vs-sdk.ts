/**
 * This client vs the official SDK, watching the same tasks side by side against the simulator in
 * real time. Ours polls no more often than the SDK's guidance (5 s minimum interval); the SDK sleeps
 * 6 s ± 1.5 s between polls. Figures: how long after a task finished each noticed it, and how many
 * GETs each spent per task.
 */

import { createRunwayClient } from '@runway-rx/core';
import { keyId } from '@runway-rx/simulator';
import RunwayML from '@runwayml/sdk';
import { filter, firstValueFrom, lastValueFrom } from 'rxjs';
import { childSimulator, fmt, keyFor, median, percentile, table } from './lib.js';

interface TaskView {
  readonly timeline: readonly { status: string; at: number }[];
}
interface StatsView {
  readonly byKey: Record<string, { gets: number }>;
}

export async function main({ tasks = Number(process.env.BENCH_TASKS ?? 24) } = {}) {
  const sim = await childSimulator({
    timeScale: 1,
    seed: 11,
    concurrency: 1000,
    timing: { queueMs: [500, 2000], runMs: [10_000, 40_000] },
  });
  const [creatorKey, oursKey, sdkKey] = [keyFor(1), keyFor(2), keyFor(3)];
  const creator = createRunwayClient({ apiKey: creatorKey, baseUrl: sim.url, concurrency: 1000 });
  const ours = createRunwayClient({ apiKey: oursKey, baseUrl: sim.url, polling: { minIntervalMs: 5000 } });
  const sdk = new RunwayML({ apiKey: sdkKey, baseURL: sim.url });
  try {
    console.log(`client vs SDK: ${tasks} tasks of 10–40 s on the simulator in real time…`);
    const ids = await Promise.all(
      Array.from({ length: tasks }, async (_, i) => {
        // The creator only needs the id; the watchers below follow the task.
        const task = await firstValueFrom(
          creator
            .textToImage({ model: 'gen4_image', promptText: `bench ${i}`, ratio: '1024:1024' })
            .pipe(filter((e) => e.id !== undefined)),
        );
        return task.id as string;
      }),
    );
    await creator.close();

    const seenOurs = new Map<string, number>();
    const seenSdk = new Map<string, number>();
    await Promise.all([
      ...ids.map((id) =>
        lastValueFrom(ours.watch(id)).then(() => {
          seenOurs.set(id, Date.now());
        }),
      ),
      ...ids.map((id) =>
        sdk.tasks
          .retrieve(id)
          .waitForTaskOutput({ timeout: null })
          .then(() => {
            seenSdk.set(id, Date.now());
          }),
      ),
    ]);

    const finishedAt = new Map<string, number>();
    for (const id of ids) {
      const task = await sim.fetchJson<TaskView>(`/__simulator/tasks/${id}`);
      finishedAt.set(id, task.timeline.at(-1)?.at as number);
    }
    const stats = await sim.fetchJson<StatsView>('/__simulator/stats');
    const getsOf = (key: string) => stats.byKey[keyId(key)]?.gets ?? Number.NaN;

    const lag = (seen: Map<string, number>) =>
      ids.map((id) => (seen.get(id) as number) - (finishedAt.get(id) as number));
    const ourLag = lag(seenOurs);
    const sdkLag = lag(seenSdk);
    const ourGets = getsOf(oursKey) / tasks;
    const sdkGets = getsOf(sdkKey) / tasks;
    const report = table(
      `Noticing a finished task: runway-rx vs @runwayml/sdk (${tasks} tasks, 10–40 s, real time)`,
      [
        ['median delay after finish (ms)', median(ourLag), median(sdkLag), median(ourLag) / median(sdkLag)],
        [
          'p90 delay after finish (ms)',
          percentile(ourLag, 90),
          percentile(sdkLag, 90),
          percentile(ourLag, 90) / percentile(sdkLag, 90),
        ],
        ['GET requests per task', ourGets, sdkGets, ourGets / sdkGets],
      ],
      ['figure', 'runway-rx', '@runwayml/sdk', 'ratio'],
    );
    const goal = median(ourLag) <= median(sdkLag) / 3 && ourGets <= sdkGets;
    console.log(`goal (median ≤ 1/3 of the SDK's, GETs ≤ the SDK's): ${goal ? 'met' : 'MISSED'}`);
    console.log(`(ratio ${fmt(median(ourLag) / median(sdkLag), 3)})`);
    return { report, goal };
  } finally {
    await ours.close();
    await sim.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
