/**
 * Runs the benchmarks side by side and writes their tables to bench/RESULTS.md.
 * `pnpm bench` runs all; `pnpm bench client scheduler` runs some (client, policy, streams, scheduler, sse).
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';

const suites: Record<string, string> = {
  client: './client-vs-sdk.ts',
  policy: './poll-policy.ts',
  streams: './streams.ts',
  scheduler: './scheduler.ts',
  sse: './sse-fanout.ts',
};

const wanted = process.argv.slice(2);
const names = wanted.length > 0 ? wanted : Object.keys(suites);
const sections: string[] = [
  `# Benchmark results\n\n${new Date().toISOString()} · Node ${process.version} · ${os.cpus().length} cores · ${os.platform()}`,
];
let failed = false;
for (const name of names) {
  const file = suites[name];
  if (!file) throw new Error(`unknown benchmark "${name}": one of ${Object.keys(suites).join(', ')}`);
  if (!existsSync(new URL(file, import.meta.url))) {
    console.log(`(skipping ${name}: ${file} not present)`);
    continue;
  }
  console.log(`\n## ${name}`);
  try {
    const module = (await import(file)) as { main(): Promise<string | { report: string }> };
    const result = await module.main();
    sections.push(`## ${name}\n${typeof result === 'string' ? result : result.report}`);
  } catch (error) {
    failed = true;
    console.error(`benchmark ${name} failed:`, error);
    sections.push(`## ${name}\n\nfailed: ${String(error)}`);
  }
}
if (wanted.length === 0)
  await writeFile(new URL('./RESULTS.md', import.meta.url), `${sections.join('\n\n')}\n`);
process.exit(failed ? 1 : 0);
