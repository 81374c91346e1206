import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SAMPLE_MEDIA, type Simulator } from '@runway-rx/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxOverlap, runBin, simulatorEnv, tempDir, testSimulator } from './helpers.js';

let sim: Simulator;
let dir: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  // Room for many tasks at the simulator: only the command's own limit may hold them back.
  sim = await testSimulator({ concurrency: 10, timing: { runMs: [8_000, 20_000], queueMs: [500, 1_000] } });
  dir = await tempDir();
});

afterAll(async () => {
  await sim.close();
  await dir.remove();
});

describe('runway-rx batch', () => {
  it('runs every line through one client, never more than --concurrency at once, and saves every output', async () => {
    await writeFile(
      join(dir.path, 'reference.png'),
      Buffer.from(SAMPLE_MEDIA.image.slice(SAMPLE_MEDIA.image.indexOf(',') + 1), 'base64'),
    );
    const lines = [
      { promptText: 'a lighthouse at dusk', ratio: '1920:1080' },
      { promptText: 'a red fox in the snow' },
      { type: 'sound_effect', promptText: 'thunder over the hills', duration: 3 },
      { model: 'gen4_image_turbo', promptText: 'the fox again', referenceImages: [{ uri: 'reference.png' }] },
      { promptText: 'a paper boat' },
      { type: 'text_to_video', model: 'gen4.5', promptText: 'waves', ratio: '1280:720', duration: 5 },
      { promptText: 'a city at night' },
    ];
    await writeFile(
      join(dir.path, 'prompts.jsonl'),
      `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`,
    );

    const result = await runBin(
      [
        'batch',
        'prompts.jsonl',
        '--type',
        'text_to_image',
        '--concurrency',
        '2',
        '--out',
        'out',
        '--poll-interval',
        '20',
      ],
      { env: simulatorEnv(sim), cwd: dir.path },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    const tasks = sim.tasks();
    expect(tasks).toHaveLength(lines.length);
    expect(tasks.every((task) => task.status === 'SUCCEEDED')).toBe(true);
    // Across models too: the run's concurrency is a cap on the whole batch.
    expect(maxOverlap(tasks)).toBe(2);
    expect(Math.max(...Object.values(sim.stats().maxConcurrent))).toBeLessThanOrEqual(2);
    // The local reference image went up as a data URI.
    const turbo = tasks.find((task) => task.model === 'gen4_image_turbo');
    expect(JSON.stringify(turbo?.input.referenceImages)).toContain('data:image/png;base64,');

    // `<line>-<type>-<taskId8>.<ext>`, the extension from the served Content-Type.
    const extension = { image: 'png', video: 'mp4', audio: 'wav' } as const;
    const expected = tasks.map((task) => {
      const line = lines.findIndex((l) => l.promptText === task.input.promptText) + 1;
      return `${line}-${task.taskType}-${task.id.replaceAll('-', '').slice(0, 8)}.${extension[task.outputKind]}`;
    });
    expect((await readdir(join(dir.path, 'out'))).sort()).toEqual(expected.sort());

    // Plain lines (stdout is a pipe): queue positions across the run, then the summary.
    expect(result.stdout).toMatch(/#7 text_to_image gen4_image: QUEUED #5/);
    expect(result.stdout).toMatch(/#3 sound_effect sound_effect_v1: QUEUED #1/);
    expect(result.stdout).toContain(`Done: ${lines.length} succeeded, 0 failed, 0 cancelled`);
    expect(result.stdout).toContain(`${lines.length} files saved in out`);
  });
});
