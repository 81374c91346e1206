import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { runwayRouter } from '@runway-rx/adapter-express';
import {
  createRunwayClient,
  describeRegistry,
  MEDIA_LIMITS,
  modelJsonSchema,
  type RunwayClient,
  type RunwayClientOptions,
} from '@runway-rx/core';
import { SAMPLE_MEDIA, type Simulator, type SimulatorOptions, startSimulator } from '@runway-rx/simulator';
import express, { type Express } from 'express';
import { MEDIA_PATH, mediaProxy, mediaUrl } from './media.js';
import { browserPrincipal } from './principal.js';

export interface PlaygroundOptions {
  /** Port to listen on. Default `PORT` or 3000; a busy port falls back to a free one. 0 picks one. */
  readonly port?: number;
  /** Interface to listen on. Default `127.0.0.1`. */
  readonly host?: string;
  /** A Runway API key. Default `RUNWAYML_API_SECRET`; without one the built-in simulator runs. */
  readonly apiKey?: string;
  /**
   * The simulator's time scale (0.1: a 60 s video takes 6 s). Default `SIMULATOR_TIME_SCALE` or 0.1.
   * Ignored with an API key.
   */
  readonly timeScale?: number;
  /** More simulator options (seed, failureRate, …). */
  readonly simulator?: SimulatorOptions;
  /** More client options (concurrency, polling, …). */
  readonly client?: Partial<RunwayClientOptions>;
}

export interface Playground {
  /** Where the page is, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  /** `simulator` or `runway`. */
  readonly mode: 'simulator' | 'runway';
  /** The client behind the page, for other front ends (a Discord bot) to share. */
  readonly client: RunwayClient;
  /** The simulator, when one runs. */
  readonly simulator: Simulator | undefined;
  readonly app: Express;
  /** Stops the server, the client and the simulator. */
  close(): Promise<void>;
}

const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));

function envNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a non-negative number`);
  return value;
}

function listen(app: Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
}

/** Listens on `port`, or on a free port when it is taken. */
async function listenOrFallBack(app: Express, port: number, host: string): Promise<Server> {
  try {
    return await listen(app, port, host);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw error;
    return listen(app, 0, host);
  }
}

/**
 * Starts the playground: the simulator (unless an API key is given), a client, the task router at
 * `/api/tasks`, the registry at `/api/registry`, and the page.
 */
export async function startPlayground(options: PlaygroundOptions = {}): Promise<Playground> {
  const host = options.host ?? '127.0.0.1';
  const apiKey = options.apiKey ?? (process.env.RUNWAYML_API_SECRET || undefined);
  const timeScale = options.timeScale ?? envNumber('SIMULATOR_TIME_SCALE') ?? 0.1;

  const simulator = apiKey ? undefined : await startSimulator({ timeScale, ...options.simulator });
  const connection: RunwayClientOptions = simulator
    ? {
        apiKey: simulator.apiKey,
        baseUrl: simulator.url,
        // The simulator runs fast: poll often enough to see its progress move.
        polling: { minIntervalMs: Math.max(50, Math.round(1000 * timeScale)) },
      }
    : { apiKey: apiKey as string };
  const client = createRunwayClient({ ...connection, ...options.client });
  const mode = simulator ? 'simulator' : 'runway';

  const principal = browserPrincipal();
  // On the simulator, outputs are served through the playground's own origin (/media/…): the
  // simulator's address never reaches the browser.
  const simulatorOrigin = simulator ? new URL(simulator.url).origin : undefined;
  const router = runwayRouter({
    client,
    authorize: principal.authorize,
    ...(simulatorOrigin ? { outputUrl: mediaUrl(simulatorOrigin) } : {}),
  });

  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader(
      'Content-Security-Policy',
      [
        "default-src 'self'",
        "img-src 'self' data: blob: https:",
        "media-src 'self' data: blob: https:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
      ].join('; '),
    );
    next();
  });
  app.use('/api', principal.middleware);
  // The form is built from the registry: fields, limits, and each model's JSON schema for the
  // shapes of structured fields. On the simulator, small sample files fill media fields.
  const registry = JSON.stringify({
    mode,
    taskTypes: describeRegistry().map((type) => ({
      ...type,
      models: type.models.map((model) => ({ ...model, schema: modelJsonSchema(type.name, model.model) })),
    })),
    mediaLimits: MEDIA_LIMITS,
    ...(simulator ? { samples: SAMPLE_MEDIA } : {}),
  });
  app.get('/api/registry', (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.type('application/json').send(registry);
  });
  app.use('/api/tasks', router);
  if (simulatorOrigin) app.get(`${MEDIA_PATH}/*path`, mediaProxy(simulatorOrigin));
  app.use('/api', (_req, res) => {
    res.status(404).json({ error: 'not_found', message: 'No such route' });
  });
  app.use(express.static(PUBLIC_DIR, { index: 'index.html', maxAge: 0 }));

  const server = await listenOrFallBack(app, options.port ?? envNumber('PORT') ?? 3000, host);
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    mode,
    client,
    simulator,
    app,
    close() {
      closing ??= (async () => {
        router.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await client.close();
        await simulator?.close();
      })();
      return closing;
    },
  };
}
