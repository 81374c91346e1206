import { type Simulator, type SimulatorOptions, startSimulator } from '@runway-rx/simulator';
import { filter, firstValueFrom, type Observable, toArray } from 'rxjs';
import { afterEach } from 'vitest';
import { createRunwayClient, type RunwayClient, type RunwayClientOptions } from '../src/index.js';

/** Fast polling for a time-scaled simulator. */
export const FAST_POLLING = { minIntervalMs: 20, maxIntervalMs: 200, graceMs: 50 } as const;

const open: { close(): Promise<void> }[] = [];

afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((resource) => resource.close()));
});

/** A simulator and a client talking to it over real HTTP, closed after the test. */
export async function setup(
  simulatorOptions: SimulatorOptions = {},
  clientOptions: Partial<RunwayClientOptions> = {},
): Promise<{
  sim: Simulator;
  client: RunwayClient;
  newClient(options?: Partial<RunwayClientOptions>): RunwayClient;
}> {
  const sim = await startSimulator({ timeScale: 0.01, seed: 7, ...simulatorOptions });
  open.push(sim);
  const newClient = (options: Partial<RunwayClientOptions> = {}) => {
    const client = createRunwayClient({
      apiKey: sim.apiKey,
      baseUrl: sim.url,
      polling: FAST_POLLING,
      concurrency: 1000,
      requestsPerSecond: 10_000,
      ...clientOptions,
      ...options,
    });
    open.unshift(client);
    return client;
  };
  return { sim, client: newClient(), newClient };
}

export const collect = <T>(stream: Observable<T>): Promise<T[]> => firstValueFrom(stream.pipe(toArray()));

export const until = <T>(stream: Observable<T>, predicate: (value: T) => boolean): Promise<T> =>
  firstValueFrom(stream.pipe(filter(predicate)));

export const image = (promptText = 'a red fox in the snow') =>
  ({ model: 'gen4_image', promptText, ratio: '1024:1024' }) as const;

export const video = (promptText = 'a lighthouse at dusk') =>
  ({ model: 'gen4.5', promptText, ratio: '1280:720', duration: 5 }) as const;

export const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `check` passes, polling every 5 ms, or rejects after `timeoutMs`. */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await delay(5);
    }
  }
}

/** Statuses in the order a stream emitted them, with repeats of the same status collapsed. */
export const statuses = (events: readonly { status: string }[]) =>
  events.map((e) => e.status).filter((s, i, all) => i === 0 || all[i - 1] !== s);
