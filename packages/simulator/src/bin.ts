#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { startSimulator } from './simulator.js';

const USAGE = `Usage: runway-simulator [options]

A local, Runway-compatible API server.

Options:
  --port <n>           Port to listen on (default 8787; 0 picks a free one)
  --host <host>        Interface to listen on (default 127.0.0.1)
  --time-scale <x>     Multiply every simulated duration (default 1; 0.1 runs ten times faster)
  --seed <n>           Seed of every random draw, to replay a run
  --concurrency <n>    Tasks per API key and model that run at once (default 2)
  --daily-limit <n>    Creates per API key and model in a rolling 24 h (default: no limit)
  --failure-rate <x>   Share of tasks that fail, 0..1 (default 0)
  -h, --help           Show this help
`;

function number(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) {
    process.stderr.write(`runway-simulator: --${name} must be a number, got "${value}"\n`);
    process.exit(2);
  }
  return parsed;
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'time-scale': { type: 'string' },
        seed: { type: 'string' },
        concurrency: { type: 'string' },
        'daily-limit': { type: 'string' },
        'failure-rate': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`runway-simulator: ${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const str = (name: string) => values[name] as string | undefined;
  const options = {
    port: number('port', str('port')) ?? 8787,
    ...(str('host') !== undefined ? { host: str('host') as string } : {}),
    ...optional('timeScale', number('time-scale', str('time-scale'))),
    ...optional('seed', number('seed', str('seed'))),
    ...optional('concurrency', number('concurrency', str('concurrency'))),
    ...optional('dailyLimit', number('daily-limit', str('daily-limit'))),
    ...optional('failureRate', number('failure-rate', str('failure-rate'))),
  };
  // Handlers go in before the server starts, so a signal during start-up still stops it cleanly.
  const starting = startSimulator(options);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    starting
      .then((sim) => sim.close())
      .then(
        () => {
          process.stdout.write(`Simulator stopped (${signal})\n`);
          process.exit(0);
        },
        (error: unknown) => {
          process.stderr.write(`runway-simulator: ${String(error)}\n`);
          process.exit(1);
        },
      );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const sim = await starting;
  if (stopping) return;
  process.stdout.write(
    `Runway API simulator listening on ${sim.url} (time scale ${options.timeScale ?? 1}, seed ${sim.seed})\n` +
      `Point a client at it with:\n` +
      `  RUNWAYML_BASE_URL=${sim.url} RUNWAYML_API_SECRET=${sim.apiKey}\n`,
  );
}

function optional<K extends string>(key: K, value: number | undefined): { [P in K]?: number } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: number };
}

main().catch((error: unknown) => {
  process.stderr.write(`runway-simulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
