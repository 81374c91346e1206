/**
 * The scheduler against a time-scaled simulator in another process:
 * 1. throughput: client concurrency = the simulator's per-model concurrency → no THROTTLED state,
 *    wall time close to the ideal (total run time / C);
 * 2. request rate: no one-second window above R at the simulator, and a saturated run uses ≥ 90% of R;
 * 3. fairness: A submits 50 tasks, then B one; B's wait with fair queueing vs plain FIFO;
 * 4. 429s: a simulator that refuses creates past a rate; the client's AIMD keeps 429s under 5%.
 */
import { createRunwayClient, type RunwayClient, type TaskEvent } from '@runway-rx/core';
import { filter, firstValueFrom, lastValueFrom } from 'rxjs';
import { childSimulator, keyFor, sum, table } from './lib.js';

interface TaskView {
  readonly timeline: readonly { status: string; at: number }[];
}
interface RequestView {
  readonly at: number;
  readonly method: string;
  readonly status: number;
  readonly path: string;
}
interface StatsView {
  readonly requests: number;
  readonly status429: number;
  readonly creates: number;
}

const image = (i: number | string) =>
  ({ model: 'gen4_image', promptText: `sched ${i}`, ratio: '1024:1024' }) as const;

async function throughput(C = 20, tasks = 200) {
  const timeScale = 0.05;
  const runMs = 40_000;
  const sim = await childSimulator({
    timeScale,
    seed: 1,
    concurrency: C,
    timing: { queueMs: [0, 0], runMs: [runMs, runMs] },
    requestLogLimit: 100_000,
  });
  const client = createRunwayClient({
    apiKey: sim.apiKey,
    baseUrl: sim.url,
    concurrency: C,
    requestsPerSecond: 1000,
    polling: { minIntervalMs: 50 },
  });
  try {
    const started = Date.now();
    const ids = await Promise.all(
      Array.from({ length: tasks }, (_, i) =>
        lastValueFrom(client.textToImage(image(i))).then((e) => e.id as string),
      ),
    );
    const wall = Date.now() - started;
    const timelines = await Promise.all(ids.map((id) => sim.fetchJson<TaskView>(`/__simulator/tasks/${id}`)));
    const throttled = timelines.filter((t) => t.timeline.some((s) => s.status === 'THROTTLED')).length;
    const totalRun = sum(
      timelines.map((t) => {
        const start = t.timeline.find((s) => s.status === 'RUNNING')?.at ?? t.timeline[0]?.at ?? 0;
        return (t.timeline.at(-1)?.at ?? 0) - start;
      }),
    );
    const ideal = totalRun / C;
    const out = table(
      `Throughput: ${tasks} tasks, concurrency ${C} at the simulator and the client`,
      [
        ['tasks ever THROTTLED', throttled],
        ['wall time (ms)', wall],
        ['ideal: total run time / C (ms)', ideal],
        ['wall / ideal', wall / ideal],
      ],
      ['figure', 'value'],
    );
    console.log(
      `goal (0 THROTTLED, within 5% of ideal): ${throttled === 0 && wall <= ideal * 1.05 ? 'met' : 'MISSED'}`,
    );
    return out;
  } finally {
    await client.close();
    await sim.close();
  }
}

async function rateWindow(R = 20, seconds = 12) {
  const sim = await childSimulator({
    timeScale: 0.01,
    seed: 2,
    concurrency: 1000,
    timing: { queueMs: [0, 0], runMs: [3_000_000, 3_000_000] },
    requestLogLimit: 100_000,
  });
  const client = createRunwayClient({
    apiKey: sim.apiKey,
    baseUrl: sim.url,
    concurrency: 1000,
    requestsPerSecond: R,
    polling: { minIntervalMs: 50, maxIntervalMs: 100 },
  });
  try {
    const subscriptions = Array.from({ length: 60 }, (_, i) => client.textToImage(image(i)).subscribe());
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    for (const s of subscriptions) s.unsubscribe();
    const log = (await sim.fetchJson<RequestView[]>('/__simulator/requests')).filter((r) =>
      r.path.startsWith('/v1/'),
    );
    const times = log.map((r) => r.at).sort((a, b) => a - b);
    let worst = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while ((times[i] as number) - (times[j] as number) >= 1000) j++;
      worst = Math.max(worst, i - j + 1);
    }
    // Saturated stretch: whole seconds from the first request on.
    const whole = Math.floor(((times.at(-1) as number) - (times[0] as number)) / 1000);
    const used = times.filter((t) => t < (times[0] as number) + whole * 1000).length / whole;
    const out = table(
      `Request rate: requestsPerSecond = ${R}, saturated for ${whole} s`,
      [
        ['most requests in any 1 s window', worst, R, worst / R],
        ['average requests per second', used, R, used / R],
      ],
      ['figure', 'measured', 'R', 'ratio'],
    );
    console.log(
      `goal (no window above R, ≥ 90% of R used): ${worst <= R && used >= 0.9 * R ? 'met' : 'MISSED'}`,
    );
    return out;
  } finally {
    await client.close();
    await sim.close();
  }
}

async function fairness() {
  const run = async (fair: boolean) => {
    const sim = await childSimulator({
      timeScale: 0.01,
      seed: 3,
      concurrency: 2,
      timing: { queueMs: [0, 0], runMs: [10_000, 10_000] },
    });
    const client: RunwayClient = createRunwayClient({
      apiKey: sim.apiKey,
      baseUrl: sim.url,
      concurrency: 2,
      requestsPerSecond: 1000,
      polling: { minIntervalMs: 10 },
    });
    try {
      const a = Array.from({ length: 50 }, (_, i) =>
        lastValueFrom(client.textToImage(image(`A${i}`), { queueKey: fair ? 'user:A' : 'everyone' })),
      );
      const submitted = Date.now();
      const b = client.textToImage(image('B'), { queueKey: fair ? 'user:B' : 'everyone' });
      await firstValueFrom(b.pipe(filter((e: TaskEvent) => e.status !== 'QUEUED')));
      const wait = Date.now() - submitted;
      await Promise.all([...a, lastValueFrom(b)]);
      return wait;
    } finally {
      await client.close();
      await sim.close();
    }
  };
  const fifo = await run(false);
  const fair = await run(true);
  return table(
    "Fairness: A submits 50 tasks (100 ms each, concurrency 2), then B submits 1 — B's wait",
    [["B's wait until its task starts (ms)", fair, fifo, fair / fifo]],
    ['figure', 'fair queueing', 'FIFO', 'ratio'],
  );
}

async function aimd(acceptedPerSecond = 5, tasks = 300) {
  const sim = await childSimulator({
    timeScale: 0.01,
    seed: 4,
    concurrency: 1000,
    createRateLimit: { perSecond: acceptedPerSecond },
    timing: { queueMs: [0, 0], runMs: [20_000, 20_000] },
    requestLogLimit: 100_000,
  });
  const client = createRunwayClient({
    apiKey: keyFor(40),
    baseUrl: sim.url,
    concurrency: 1000,
    requestsPerSecond: 50,
    polling: { minIntervalMs: 200 },
  });
  try {
    const started = Date.now();
    await Promise.all(Array.from({ length: tasks }, (_, i) => lastValueFrom(client.textToImage(image(i)))));
    const wall = (Date.now() - started) / 1000;
    const stats = await sim.fetchJson<StatsView>('/__simulator/stats');
    const share = stats.status429 / stats.requests;
    // After the first seconds the client has found the server's rate: the steady state.
    const log = (await sim.fetchJson<RequestView[]>('/__simulator/requests')).filter((r) =>
      r.path.startsWith('/v1/'),
    );
    const settled = log.filter((r) => r.at >= started + 5000);
    const settledShare = settled.filter((r) => r.status === 429).length / settled.length;
    const out = table(
      `429s: the simulator accepts ${acceptedPerSecond} creates/s; the client starts at 50 requests/s`,
      [
        ['requests', stats.requests],
        ['answered 429', stats.status429],
        ['share answered 429 (whole run)', share],
        ['share answered 429 (after the first 5 s)', settledShare],
        ['creates accepted per second', tasks / wall, acceptedPerSecond, tasks / wall / acceptedPerSecond],
        ['request rate at the end (requests/s)', client.scheduler.state.requestsPerSecond],
        [
          'create rate at the end (creates/s)',
          client.scheduler.state.createsPerSecond,
          acceptedPerSecond,
          client.scheduler.state.createsPerSecond / acceptedPerSecond,
        ],
      ],
      ['figure', 'value', 'target', 'ratio'],
    );
    console.log(
      `goal (< 5% of requests answered 429): ${share < 0.05 ? 'met' : 'MISSED'} over the whole run, ${settledShare < 0.05 ? 'met' : 'MISSED'} once settled`,
    );
    return out;
  } finally {
    await client.close();
    await sim.close();
  }
}

/** Runs every part, or those named in `BENCH_ONLY` (comma-separated: throughput, rate, fairness, aimd). */
export async function main() {
  const parts = { throughput, rate: rateWindow, fairness, aimd } as const;
  const only = process.env.BENCH_ONLY?.split(',');
  const reports: string[] = [];
  for (const [name, run] of Object.entries(parts)) {
    if (!only || only.includes(name)) reports.push(await run());
  }
  return reports.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
