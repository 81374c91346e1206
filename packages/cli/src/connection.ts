import { createRunwayClient, type RunwayClient } from '@runway-rx/core';
import type { Simulator } from '@runway-rx/simulator';
import { Agent, type Dispatcher } from 'undici';
import { downloadDispatcher } from './download.js';

/** A client pointed at the real API or at a simulator started in this process. */
export interface Connection {
  readonly client: RunwayClient;
  /** For downloads: the client's connection pool, following redirects. */
  readonly downloads: Dispatcher;
  readonly target: 'api' | 'simulator';
  /** Closes the client (waiting for cancellations it still sends), the pool and the simulator. */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

export interface ConnectOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Tasks in flight at once, across all models. */
  readonly concurrency: number;
  /** Speed of the in-process simulator. */
  readonly timeScale: number;
  /** Minimum time between two polls of one task; default 5 s against the API, scaled for the simulator. */
  readonly pollIntervalMs?: number | undefined;
  /** Where to say that a simulator was started. */
  readonly log: (message: string) => void;
}

/** The API's polling guidance: no updates more often than every five seconds. */
const API_POLL_INTERVAL_MS = 5_000;
/** Request pace against the in-process simulator. */
const SIMULATOR_REQUESTS_PER_SECOND = 500;

/**
 * Connects to Runway with `RUNWAYML_API_SECRET` (and `RUNWAYML_BASE_URL` when set), or, without a
 * key, starts `@runway-rx/simulator` in this process and says so. The key is never printed.
 */
export async function connect(options: ConnectOptions): Promise<Connection> {
  const apiKey = options.env.RUNWAYML_API_SECRET || undefined;
  const pool = new Agent({ keepAliveTimeout: 10_000, connections: 32 });
  let simulator: Simulator | undefined;
  let baseUrl = options.env.RUNWAYML_BASE_URL || undefined;
  let key = apiKey;
  let pollIntervalMs = options.pollIntervalMs ?? API_POLL_INTERVAL_MS;
  // The client's default pace (10 requests a second) suits the API; the local simulator has no limit.
  let requestsPerSecond: number | undefined;

  if (!key) {
    // Loaded only when needed: against the API the command never pays for it.
    const { startSimulator } = await import('@runway-rx/simulator');
    simulator = await startSimulator({
      timeScale: options.timeScale,
      concurrency: Math.max(2, options.concurrency),
    });
    key = simulator.apiKey;
    requestsPerSecond = SIMULATOR_REQUESTS_PER_SECOND;
    baseUrl = simulator.url;
    pollIntervalMs =
      options.pollIntervalMs ??
      Math.min(API_POLL_INTERVAL_MS, Math.max(25, API_POLL_INTERVAL_MS * options.timeScale));
    options.log(
      `No RUNWAYML_API_SECRET set: running against a local simulator at ${simulator.url} ` +
        `(time scale ${options.timeScale}). Set RUNWAYML_API_SECRET to use the Runway API.`,
    );
  }

  const client = createRunwayClient({
    apiKey: key,
    ...(baseUrl ? { baseUrl } : {}),
    dispatcher: pool,
    ...(requestsPerSecond ? { requestsPerSecond } : {}),
    polling: { minIntervalMs: pollIntervalMs, graceMs: 0 },
    // The concurrency holds per model and, through one queue key, for the run as a whole.
    concurrency: options.concurrency,
    queueKeyConcurrency: options.concurrency,
  });

  let closing: Promise<void> | undefined;
  return {
    client,
    downloads: downloadDispatcher(pool),
    target: simulator ? 'simulator' : 'api',
    close({ timeoutMs = 10_000 } = {}) {
      closing ??= (async () => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const limit = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        });
        await Promise.race([client.close(), limit]);
        clearTimeout(timer);
        await pool.destroy().catch(() => undefined);
        await simulator?.close();
      })();
      return closing;
    },
  };
}
