import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Simulator, type SimulatorOptions, startSimulator } from '@runway-rx/simulator';

const here = dirname(fileURLToPath(import.meta.url));

/** The command's source entry point. */
export const BIN = resolve(here, '../src/bin.ts');
/** The repository root (where `test-artifacts/` goes). */
export const REPO_ROOT = resolve(here, '../../..');
/** tsx's loader, by absolute URL so the child may run in any directory. */
export const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** The node arguments that run the command from source. */
export const NODE_ARGS = ['--conditions=@runway-rx/source', '--import', TSX_LOADER, BIN];

/** The parent's environment without any Runway settings, so a test decides the target. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('RUNWAYML_')) env[key] = value;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

/** The environment pointing the command at a test's simulator. */
export const simulatorEnv = (sim: Simulator) =>
  cleanEnv({ RUNWAYML_BASE_URL: sim.url, RUNWAYML_API_SECRET: sim.apiKey });

export interface BinResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunningBin {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<BinResult>;
}

/** Starts `runway-rx <args>` as a child process (stdout and stderr are pipes, not a terminal). */
export function startBin(
  args: readonly string[],
  options: { env: Record<string, string>; cwd: string },
): RunningBin {
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<BinResult>((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Runs `runway-rx <args>` to the end. */
export function runBin(
  args: readonly string[],
  options: { env: Record<string, string>; cwd: string },
): Promise<BinResult> {
  return startBin(args, options).exited;
}

/** Polls `check` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T | undefined | Promise<T | undefined>,
  { timeoutMs = 10_000, intervalMs = 20, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A fresh working directory, removed by the returned cleanup. */
export async function tempDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'runway-rx-cli-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** A simulator fast enough for tests: a 30 s task takes 300 ms. */
export function testSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  return startSimulator({ timeScale: 0.01, seed: 7, ...options });
}

/** The most tasks that were ever in flight at once at the simulator (create to terminal). */
export function maxOverlap(
  tasks: readonly { submittedAt: number; finishedAt?: number | undefined }[],
): number {
  const edges = tasks.flatMap((task) => [
    { at: task.submittedAt, delta: 1 },
    { at: task.finishedAt ?? Number.POSITIVE_INFINITY, delta: -1 },
  ]);
  // Ends before starts at the same instant: a slot freed and taken in one millisecond is not overlap.
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let current = 0;
  let max = 0;
  for (const edge of edges) {
    current += edge.delta;
    max = Math.max(max, current);
  }
  return max;
}
