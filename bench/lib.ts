import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { SimulatorOptions } from '@runway-rx/simulator';
import { request } from 'undici';

/** Percentile of a list of numbers (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export const median = (values: readonly number[]) => percentile(values, 50);
export const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

export const fmt = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits }) : String(value);

/** Prints a titled table of rows (label, ours, theirs/baseline, ratio) and returns it for reports. */
export function table(
  title: string,
  rows: readonly (readonly (string | number)[])[],
  header: readonly string[],
) {
  const cells = [header, ...rows].map((row) => row.map((c) => (typeof c === 'number' ? fmt(c, 2) : c)));
  const widths = header.map((_, i) => Math.max(...cells.map((row) => String(row[i] ?? '').length)));
  const line = (row: readonly (string | number)[]) =>
    `| ${row.map((c, i) => String(c).padEnd(widths[i] as number)).join(' | ')} |`;
  const out = [
    `\n### ${title}\n`,
    line(cells[0] as string[]),
    `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`,
    ...cells.slice(1).map(line),
  ].join('\n');
  console.log(out);
  return out;
}

/**
 * A simulator in a child process, so the process being measured pays only for its own work.
 * Resolves with its URL once it listens.
 */
export async function childSimulator(options: SimulatorOptions): Promise<{
  url: string;
  apiKey: string;
  child: ChildProcess;
  fetchJson<T>(path: string): Promise<T>;
  close(): Promise<void>;
}> {
  const script = fileURLToPath(new URL('./sim-server.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--conditions=@runway-rx/source', '--import', 'tsx', script, JSON.stringify(options)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let buffered = '';
  const ready = new Promise<{ url: string; apiKey: string }>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line) as { url: string; apiKey: string });
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  const { url, apiKey } = await ready;
  return {
    url,
    apiKey,
    child,
    async fetchJson<T>(path: string) {
      const { body } = await request(new URL(path, url));
      return (await body.json()) as T;
    },
    async close() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** A distinct valid API key per party, so the simulator counts their requests apart. */
export const keyFor = (n: number) => `key_${n.toString(16).padStart(8, '0')}${'ab'.repeat(28)}`;
