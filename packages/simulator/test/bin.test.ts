import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function start(args: string[]) {
  const child = spawn(process.execPath, ['--conditions=@runway-rx/source', '--import', 'tsx', BIN, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const output = () => ({ stdout, stderr });
  const waitFor = async (pattern: RegExp): Promise<RegExpExecArray> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const match = pattern.exec(stdout);
      if (match) return match;
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`No ${pattern} in output:\n${stdout}\n${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  return { child, exited, output, waitFor };
}

describe('runway-simulator (bin)', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    'starts, serves, prints the env hint, and stops on %s',
    async (signal) => {
      const bin = start(['--port', '0', '--time-scale', '0.01', '--seed', '5']);
      const [, url] = await bin.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      const [, key] = await bin.waitFor(/RUNWAYML_BASE_URL=\S+ RUNWAYML_API_SECRET=(key_[0-9a-f]+)/);
      expect(bin.output().stdout).toContain('seed 5');
      const headers = { authorization: `Bearer ${key}`, 'x-runway-version': '2024-11-06' };
      const created = await fetch(`${url}/v1/text_to_image`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gen4_image', promptText: 'a fox', ratio: '1024:1024' }),
      });
      expect(created.status).toBe(200);
      const { id } = (await created.json()) as { id: string };
      expect((await fetch(`${url}/v1/tasks/${id}`, { headers })).status).toBe(200);

      bin.child.kill(signal);
      const [code] = await bin.exited;
      expect(code).toBe(0);
      expect(bin.output().stdout).toContain(`Simulator stopped (${signal})`);
      await expect(fetch(`${url}/__simulator/stats`)).rejects.toThrow();
    },
  );

  it('prints help, and refuses bad options with exit code 2', async () => {
    const help = start(['--help']);
    const bad = start(['--time-scale', 'fast']);
    const unknown = start(['--nope']);
    expect((await help.exited)[0]).toBe(0);
    expect(help.output().stdout).toContain('Usage: runway-simulator');
    expect((await bad.exited)[0]).toBe(2);
    expect(bad.output().stderr).toContain('--time-scale must be a number');
    expect((await unknown.exited)[0]).toBe(2);
  });
});
