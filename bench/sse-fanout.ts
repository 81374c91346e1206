/**
 * Server-Sent Events fan-out through `runwayRouter`: 2,000 clients (in another process) watching
 * 50 tasks on one server, against the same 50 tasks with no stream and with one stream each.
 * - simulator GETs: the router polls each task once however many watch it;
 * - delay from the simulator's state change (its task timeline) to each client's receipt, p50/p99;
 * - server memory per open stream (heap and RSS, after GC).
 * Run with `pnpm bench sse`, or directly:
 * `node --expose-gc --conditions=@runway-rx/source --import tsx bench/sse-fanout.ts`.
 */
import { spawn } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { runwayRouter } from '@runway-rx/adapter-express';
import { createRunwayClient } from '@runway-rx/core';
import { keyId } from '@runway-rx/simulator';
import express from 'express';
import { lastValueFrom, tap } from 'rxjs';
import { childSimulator, fmt, keyFor, percentile, table } from './lib.js';

const TASKS = 50;
const FAN_OUT = 40; // 2,000 clients
const TIME_SCALE = 0.05;
/** Simulated ms: 3 s PENDING (time for 2,000 clients to connect), then 5 s RUNNING. */
const TIMING = { queueMs: [60_000, 60_000], runMs: [100_000, 100_000] } as const;
const POLLING = { minIntervalMs: 100, maxIntervalMs: 400 };
/** The state changes whose delivery is timed (PENDING is already the state when clients connect). */
const TIMED = ['RUNNING', 'SUCCEEDED'] as const;

type Sim = Awaited<ReturnType<typeof childSimulator>>;

interface Timeline {
  readonly timeline: readonly { readonly status: string; readonly at: number }[];
}

interface ClientResults {
  readonly receipts: Record<string, Record<string, number[]>>;
  readonly events: number;
  readonly failures: number;
}

interface Outcome {
  readonly clients: number;
  readonly gets: number;
  /** Simulator state change → client receipt, ms. */
  readonly delays: number[];
  /** Server learned the state (its poll) → client receipt, ms: the cost of the fan-out itself. */
  readonly fanOutDelays: number[];
  /** Event-loop delay p99 of the server process while the streams were open, ms. */
  readonly loopP99: number;
  readonly events: number;
  readonly failures: number;
  readonly heapPerStream: number;
  readonly rssPerStream: number;
}

const gc: () => void =
  (globalThis as { gc?: () => void }).gc ??
  (() => {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  })();

function memory(): { heap: number; rss: number } {
  gc();
  gc();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, rss: usage.rss };
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `promise`, or a clear error after `ms`: a benchmark must never hang. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Starts the clients' process; resolves `ready` when every stream answered, `done` with the receipts. */
function startClients(urls: readonly string[], perUrl: number) {
  const script = fileURLToPath(new URL('./sse-clients.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--conditions=@runway-rx/source', '--import', 'tsx', script, JSON.stringify({ urls, perUrl })],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let buffered = '';
  let onReady: (count: number) => void = () => {};
  let onDone: (results: ClientResults) => void = () => {};
  const ready = new Promise<number>((resolve) => {
    onReady = resolve;
  });
  const done = new Promise<ClientResults>((resolve, reject) => {
    onDone = resolve;
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the clients' process exited with ${code}`));
    });
  });
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = JSON.parse(buffered.slice(0, newline)) as { ready?: number } & ClientResults;
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf('\n');
      if (line.ready !== undefined) onReady(line.ready);
      else onDone(line);
    }
  });
  return { ready, done, kill: () => child.kill('SIGKILL') };
}

/** One run: 50 tasks submitted through the router, watched by `perTask` SSE clients each. */
async function scenario(sim: Sim, key: string, perTask: number): Promise<Outcome> {
  const client = createRunwayClient({
    apiKey: key,
    baseUrl: sim.url,
    concurrency: TASKS * 2,
    requestsPerSecond: 5000,
    polling: POLLING,
  });
  const router = runwayRouter({
    client,
    allowAnonymous: true,
    ownership: 'any',
    limits: { streamsPerPrincipal: Number.POSITIVE_INFINITY, tasksPerPrincipal: Number.POSITIVE_INFINITY },
  });
  const app = express();
  app.use('/tasks', router);
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const ids = await Promise.all(
      Array.from({ length: TASKS }, async (_, i) => {
        const response = await fetch(`${origin}/tasks/text_to_image`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gen4_image', promptText: `fan-out ${i}`, ratio: '1024:1024' }),
        });
        if (response.status !== 202) throw new Error(`POST answered ${response.status}`);
        return ((await response.json()) as { id: string }).id;
      }),
    );
    // When the server learned each state (the hub's poll): subscribed before any stream, so it
    // hears of a change first, in the tick in which the streams are written.
    const learned: Record<string, Record<string, number>> = {};
    const finished = Promise.all(
      ids.map((id) =>
        lastValueFrom(
          client.watch(id).pipe(
            tap((snapshot) => {
              const byStatus = learned[id] ?? {};
              learned[id] = byStatus;
              byStatus[snapshot.wireStatus] ??= Date.now();
            }),
          ),
        ),
      ),
    );
    const loop = monitorEventLoopDelay({ resolution: 10 });

    let results: ClientResults = { receipts: {}, events: 0, failures: 0 };
    let heapPerStream = Number.NaN;
    let rssPerStream = Number.NaN;
    const streams = ids.length * perTask;
    if (perTask > 0) {
      const before = memory();
      const clients = startClients(
        ids.map((id) => `${origin}/tasks/${id}/events`),
        perTask,
      );
      try {
        const connected = await within(clients.ready, 30_000, 'the clients to connect');
        await within(
          (async () => {
            while (router.openStreams < connected) await wait(10);
          })(),
          10_000,
          'the server to count the streams',
        );
        const during = memory();
        heapPerStream = (during.heap - before.heap) / connected;
        rssPerStream = (during.rss - before.rss) / connected;
        loop.enable();
        results = await within(clients.done, 60_000, 'the streams to end');
        loop.disable();
      } finally {
        clients.kill();
      }
    }
    await within(finished, 60_000, 'the tasks to finish');

    const stats = await sim.fetchJson<{ byKey: Record<string, { gets: number }> }>('/__simulator/stats');
    const delays: number[] = [];
    const fanOutDelays: number[] = [];
    for (const id of ids) {
      const { timeline } = await sim.fetchJson<Timeline>(`/__simulator/tasks/${id}`);
      for (const status of TIMED) {
        const changedAt = timeline.find((entry) => entry.status === status)?.at;
        const learnedAt = learned[id]?.[status];
        for (const receivedAt of results.receipts[id]?.[status] ?? []) {
          if (changedAt !== undefined) delays.push(receivedAt - changedAt);
          if (learnedAt !== undefined) fanOutDelays.push(receivedAt - learnedAt);
        }
      }
    }
    return {
      clients: streams,
      gets: stats.byKey[keyId(key)]?.gets ?? Number.NaN,
      delays,
      fanOutDelays,
      loopP99: perTask > 0 ? loop.percentile(99) / 1e6 : Number.NaN,
      events: results.events,
      failures: results.failures,
      heapPerStream,
      rssPerStream,
    };
  } finally {
    router.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await client.close();
  }
}

export async function main(): Promise<string> {
  const sim = await childSimulator({
    timeScale: TIME_SCALE,
    seed: 9,
    concurrency: TASKS * 2,
    timing: TIMING,
  });
  try {
    // In turn, not at once: each run has the machine to itself.
    console.log(`${TASKS} tasks, no stream…`);
    const alone = await scenario(sim, keyFor(30), 0);
    console.log(`${TASKS} tasks, one stream each…`);
    const single = await scenario(sim, keyFor(31), 1);
    console.log(`${TASKS} tasks, ${FAN_OUT} streams each…`);
    const fanOut = await scenario(sim, keyFor(32), FAN_OUT);
    const p = (values: readonly number[], q: number) => percentile(values, q);
    const kb = (bytes: number) => `${fmt(bytes / 1024, 1)} KB`;
    const row = (label: string, ours: number, theirs: number) => [
      label,
      ours,
      theirs,
      theirs > 0 ? ours / theirs : '—',
    ];
    const report = [
      table(
        `SSE fan-out: ${TASKS} tasks, ${fanOut.clients.toLocaleString('en-US')} clients vs one client per task`,
        [
          row('simulator GETs', fanOut.gets, single.gets),
          row('simulator GETs vs no stream at all', fanOut.gets, alone.gets),
          row('state change → client receipt p50 (ms)', p(fanOut.delays, 50), p(single.delays, 50)),
          row('state change → client receipt p99 (ms)', p(fanOut.delays, 99), p(single.delays, 99)),
          row(
            'server learned it → client receipt p50 (ms)',
            p(fanOut.fanOutDelays, 50),
            p(single.fanOutDelays, 50),
          ),
          row(
            'server learned it → client receipt p99 (ms)',
            p(fanOut.fanOutDelays, 99),
            p(single.fanOutDelays, 99),
          ),
          row('server event-loop delay p99 (ms)', fanOut.loopP99, single.loopP99),
          row('task events delivered', fanOut.events, single.events),
          ['failed streams', fanOut.failures, single.failures, '—'],
        ],
        ['figure', `${FAN_OUT} clients per task`, '1 client per task', 'ratio'],
      ),
      table(
        'Server memory per open stream (after GC, with every stream open)',
        [
          ['heap', kb(fanOut.heapPerStream), kb(fanOut.heapPerStream * fanOut.clients)],
          ['RSS', kb(fanOut.rssPerStream), kb(fanOut.rssPerStream * fanOut.clients)],
        ],
        ['figure', 'per stream', `${fanOut.clients.toLocaleString('en-US')} streams`],
      ),
      `\nPolling every ${POLLING.minIntervalMs}–${POLLING.maxIntervalMs} ms, so "state change → receipt" includes the ` +
        `wait for the next poll; "server learned it → receipt" is the fan-out alone. Simulator time scale ` +
        `${TIME_SCALE}; the clients run in a separate process; ${TIMED.join(' and ')} transitions timed.`,
    ].join('\n');
    console.log(report.split('\n').at(-1));
    return report;
  } finally {
    await sim.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
