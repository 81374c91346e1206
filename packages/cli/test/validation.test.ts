import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MEDIA_LIMITS } from '@runway-rx/core';
import type { Simulator } from '@runway-rx/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBin, simulatorEnv, tempDir, testSimulator } from './helpers.js';

let sim: Simulator;
let dir: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  sim = await testSimulator();
  dir = await tempDir();
});

afterAll(async () => {
  await sim.close();
  await dir.remove();
});

const run = (...args: string[]) => runBin(args, { env: simulatorEnv(sim), cwd: dir.path });

describe.concurrent('invalid input exits 2 with each broken rule, before any request', () => {
  it('prints the rule a ratio breaks', async () => {
    const result = await run('text_to_image', '--prompt', 'a fox', '--ratio', '3:2');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('invalid text_to_image model gen4_image input');
    expect(result.stderr).toContain('ratio must be one of 1024:1024, 1080:1080');
    expect(result.stderr).toContain('runway-rx help text_to_image');
    expect(result.stdout).toBe('');
    expect(sim.stats().creates).toBe(0);
  });

  it('prints every broken rule at once', async () => {
    const result = await run('text_to_video', '--prompt', '', '--duration', '12', '--seed', 'abc');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('promptText must be at least 1 character');
    expect(result.stderr).toContain('duration must be at most 10');
    expect(result.stderr).toContain('seed must be a number');
    expect(sim.stats().creates).toBe(0);
  });

  it('refuses a file too large for a data URI, naming the field and the limit', async () => {
    const big = join(dir.path, 'big.png');
    await writeFile(big, Buffer.alloc(4 * 1024 * 1024));
    const result = await run('image_to_video', '--image', 'big.png', '--prompt', 'x');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--image big.png: promptImage is too large');
    expect(result.stderr).toContain(MEDIA_LIMITS.dataUri.image.toLocaleString('en-US'));
    expect(result.stderr).toContain('4.00 MiB');
    expect(sim.stats().creates).toBe(0);
  });

  it('checks every line of a batch file before submitting any', async () => {
    const file = join(dir.path, 'bad.jsonl');
    await writeFile(
      file,
      [
        '{"type": "text_to_image", "promptText": "fine"}',
        '{"type": "text_to_image", "promptText": "wrong ratio", "ratio": "1:1"}',
        '{"promptText": "no type"}',
        'not json',
        '{"type": "lip_sync", "input": "missing.png", "audio": "https://example.com/a.mp3"}',
      ].join('\n'),
    );
    const result = await run('batch', 'bad.jsonl');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('bad.jsonl: 4 problems, nothing was submitted');
    expect(result.stderr).toContain('line 2: text_to_image gen4_image: ratio must be one of');
    expect(result.stderr).toContain('line 3: "type" is missing');
    expect(result.stderr).toContain('line 4: not valid JSON');
    expect(result.stderr).toContain('line 5: input missing.png: no such file');
    expect(sim.stats().creates).toBe(0);
  });
});
