import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRunwayClient } from '@runway-rx/core';
import { SAMPLE_MEDIA, type Simulator } from '@runway-rx/simulator';
import { request } from 'undici';
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

/** The bytes Runway (here the simulator) serves for a task's first output. */
async function outputBytes(taskId: string): Promise<Buffer> {
  const client = createRunwayClient({ apiKey: sim.apiKey, baseUrl: sim.url });
  try {
    const task = await client.retrieve(taskId);
    const url = task.output?.[0];
    if (!url) throw new Error(`task ${taskId} has no output`);
    const response = await request(url);
    return Buffer.from(await response.body.arrayBuffer());
  } finally {
    await client.close();
  }
}

describe('runway-rx <task-type>', () => {
  it('submits one task, follows it to SUCCEEDED and saves the output under a sensible name', async () => {
    const out = join(dir.path, 'single');
    const result = await runBin(
      [
        'text_to_image',
        '--prompt',
        'a red fox in the snow',
        '--ratio',
        '1920:1080',
        '--out',
        out,
        '--poll-interval',
        '20',
      ],
      { env: simulatorEnv(sim), cwd: dir.path },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    const [task] = sim.tasks().filter((t) => t.input.promptText === 'a red fox in the snow');
    expect(task).toBeDefined();
    expect(task?.status).toBe('SUCCEEDED');
    expect(task?.input).toMatchObject({ model: 'gen4_image', ratio: '1920:1080' });

    const files = await readdir(out);
    const name = `1-text_to_image-${task?.id.replaceAll('-', '').slice(0, 8)}.png`;
    expect(files).toEqual([name]);
    // The file holds exactly what the API served for the task's output.
    expect(await readFile(join(out, name))).toEqual(await outputBytes(task?.id as string));

    // Not a terminal: plain lines, one per state, then the summary.
    expect(result.stdout).toMatch(/#1 text_to_image gen4_image [0-9a-f]{8}: PENDING/);
    expect(result.stdout).toMatch(/: PROCESSING \d+%/);
    expect(result.stdout).toContain(`saved ${join('single', name)}`);
    expect(result.stdout).toMatch(/Done: 1 succeeded, 0 failed, 0 cancelled/);
    expect(result.stdout + result.stderr).not.toContain(sim.apiKey);
  });

  it('exits 1 with the failure reason when the task FAILS, and saves nothing', async () => {
    const out = join(dir.path, 'failed');
    const result = await runBin(
      [
        'text_to_image',
        '--prompt',
        'a storm [fail:SAFETY.INPUT.TEXT]',
        '--out',
        out,
        '--poll-interval',
        '20',
      ],
      { env: simulatorEnv(sim), cwd: dir.path },
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAILED: .+ \(SAFETY\.INPUT\.TEXT\)/);
    expect(result.stdout).toMatch(/Done: 0 succeeded, 1 failed/);
    await expect(readdir(out)).rejects.toThrow();
  });

  it('sends a local image as a data URI into the model’s image field', async () => {
    const photo = join(dir.path, 'photo.png');
    const png = Buffer.from(SAMPLE_MEDIA.image.split(',')[1] as string, 'base64');
    await writeFile(photo, png);
    const out = join(dir.path, 'i2v');
    const result = await runBin(
      [
        'image_to_video',
        '--model',
        'gen4_turbo',
        '--image',
        'photo.png',
        '--prompt',
        'the tide comes in',
        '--duration',
        '5',
        '--out',
        out,
        '--poll-interval',
        '20',
      ],
      { env: simulatorEnv(sim), cwd: dir.path },
    );
    expect(result.code).toBe(0);
    const task = sim.tasks().find((t) => t.input.promptText === 'the tide comes in');
    expect(task?.input).toMatchObject({ model: 'gen4_turbo', duration: 5, ratio: '1280:720' });
    expect(task?.input.promptImage).toBe(`data:image/png;base64,${png.toString('base64')}`);
    expect(await readdir(out)).toEqual([expect.stringMatching(/^1-image_to_video-[0-9a-f]{8}\.mp4$/)]);
  });
});
