import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type SimulatedTask, TaskEngine } from './engine/engine.js';
import { RollingLimit } from './engine/limits.js';
import { FaultPlan } from './http/faults.js';
import { createHandler } from './http/handler.js';
import { OutputSigner } from './http/outputs.js';
import { type RequestLogEntry, RequestRecorder, type SimulatorStats } from './http/stats.js';
import { UploadStore } from './http/uploads.js';
import { isAcceptedKey, keyId, SIMULATOR_API_KEY } from './keys.js';
import { type Faults, resolveOptions, type SimulatorOptions } from './options.js';
import { deriveSeed, Random } from './random.js';

const UPLOAD_TTL_MS = 24 * 60 * 60 * 1000;
const UPLOAD_MAX_BYTES = 256 * 1024 * 1024;

/** A running simulator. */
export interface Simulator {
  /** Base URL of the API, e.g. `http://127.0.0.1:49152` (pass it as the client's `baseUrl`). */
  readonly url: string;
  readonly port: number;
  /** A key the simulator accepts. */
  readonly apiKey: string;
  /** The seed in use (given, or drawn at start): pass it again to replay a run. */
  readonly seed: number;
  /** Stops listening and closes every connection. Safe to call more than once. */
  close(): Promise<void>;
  /** Counters since start or the last `reset()`. */
  stats(): SimulatorStats;
  /** The most recent requests (up to `requestLogLimit`), oldest first. */
  requests(): readonly RequestLogEntry[];
  /** What the simulator knows about a task (status, timeline, input), or `undefined`. */
  task(id: string): SimulatedTask | undefined;
  /** Every task in memory, in submission order. */
  tasks(): SimulatedTask[];
  /** Replaces the injected faults (`{}` for none). */
  setFaults(faults: Faults): void;
  /** Forgets every task, upload, limit, counter and log entry; faults are kept. */
  reset(): void;
  /** The short id under which stats and logs name an API key. */
  keyId(apiKey: string): string;
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Starts a Runway-compatible API server on loopback. Point a client at `url` with `apiKey`, and it
 * behaves as against Runway: the nine task endpoints, task reads and cancels, uploads, the task
 * lifecycle with concurrency limits, failures, and outputs served as real files, at a chosen speed.
 *
 * @example
 * const sim = await startSimulator({ timeScale: 0.01 });
 * const client = createRunwayClient({ apiKey: sim.apiKey, baseUrl: sim.url });
 * // …
 * await sim.close();
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const resolved = resolveOptions(options);
  const now = () => Date.now();
  const secret = randomBytes(32);
  const engine = new TaskEngine(resolved, now);
  const recorder = new RequestRecorder(resolved.requestLogLimit);
  const faults = new FaultPlan(new Random(deriveSeed(resolved.seed, 'faults')), resolved.faults);
  const signer = new OutputSigner(secret, resolved.outputTtlMs);
  const uploads = new UploadStore(
    new Random(deriveSeed(resolved.seed, 'uploads')),
    secret,
    UPLOAD_TTL_MS,
    UPLOAD_MAX_BYTES,
  );
  const dailyLimit = new RollingLimit(resolved.dailyWindowMs);
  const createRate = new RollingLimit(1000);
  let baseUrl = '';

  const stats = (): SimulatorStats => {
    const counts = engine.counts();
    return {
      ...recorder.snapshot(),
      tasks: {
        created: counts.created,
        live: counts.total,
        evicted: counts.evicted,
        byStatus: counts.byStatus,
      },
      throttledTasks: counts.throttled,
      maxConcurrent: counts.maxConcurrent,
    };
  };
  const setFaults = (next: Faults) => faults.set(next);
  const reset = () => {
    engine.reset();
    recorder.reset();
    uploads.clear();
    dailyLimit.clear();
    createRate.clear();
  };

  const server: Server = createServer(
    createHandler({
      options: resolved,
      engine,
      recorder,
      faults,
      signer,
      uploads,
      dailyLimit,
      createRate,
      now,
      baseUrl: () => baseUrl,
      stats,
      setFaults,
      reset,
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(resolved.port, resolved.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${hostForUrl(resolved.host)}:${port}`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      engine.close();
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };

  const apiKey =
    resolved.apiKeys && !isAcceptedKey(SIMULATOR_API_KEY, resolved.apiKeys)
      ? ([...resolved.apiKeys][0] ?? SIMULATOR_API_KEY)
      : SIMULATOR_API_KEY;

  return {
    url: baseUrl,
    port,
    apiKey,
    seed: resolved.seed,
    close,
    stats,
    requests: () => recorder.log(),
    task: (id) => engine.get(id),
    tasks: () => engine.list(),
    setFaults,
    reset,
    keyId,
  };
}
