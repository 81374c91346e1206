import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TaskStatus } from '@runway-rx/core';
import type { Simulator } from '@runway-rx/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBin, simulatorEnv, tempDir, testSimulator } from './helpers.js';

let sim: Simulator;
let dir: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  sim = await testSimulator({ concurrency: 10 });
  dir = await tempDir();
});

afterAll(async () => {
  await sim.close();
  await dir.remove();
});

type Line = Record<string, unknown> & { status?: string; event?: string; index?: number; id?: string };

const parseLines = (stdout: string): Line[] =>
  stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Line);

const ORDER: Record<string, number> = { QUEUED: 0, PENDING: 1, PROCESSING: 2, SUCCEEDED: 3, FAILED: 3 };

describe('--json', () => {
  it('prints one JSON line per snapshot, then a saved line, and nothing else on stdout', async () => {
    const result = await runBin(
      [
        'text_to_video',
        '--prompt',
        'waves at dusk',
        '--duration',
        '5',
        '--json',
        '--out',
        'single',
        '--poll-interval',
        '20',
      ],
      { env: simulatorEnv(sim), cwd: dir.path },
    );
    expect(result.code).toBe(0);
    const lines = parseLines(result.stdout);
    const snapshots = lines.filter((line) => line.status !== undefined);
    const [task] = sim.tasks();
    expect(task).toBeDefined();

    // Snapshots of that one task, in lifecycle order, never going backwards, without `index`.
    expect(new Set(snapshots.map((s) => s.id))).toEqual(new Set([task?.id]));
    expect(snapshots.every((s) => s.index === undefined)).toBe(true);
    const ranks = snapshots.map((s) => ORDER[s.status as TaskStatus] as number);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(snapshots[0]).toMatchObject({ status: 'PENDING', model: 'gen4.5', taskType: 'text_to_video' });
    expect(snapshots.some((s) => s.status === 'PROCESSING' && typeof s.progress === 'number')).toBe(true);
    const last = snapshots.at(-1);
    expect(last).toMatchObject({ status: 'SUCCEEDED', wireStatus: 'SUCCEEDED', progress: 1 });
    expect(last?.output).toEqual([expect.stringContaining(`/__simulator/outputs/${task?.id}/`)]);

    // The final line names the saved file.
    const saved = lines.at(-1);
    expect(saved).toEqual({ event: 'saved', taskId: task?.id, path: expect.any(String) });
    expect(saved?.path).toBe(
      join(dir.path, 'single', `1-text_to_video-${task?.id.replaceAll('-', '').slice(0, 8)}.mp4`),
    );
    expect((await stat(saved?.path as string)).size).toBeGreaterThan(0);
  });

  it('adds the line index in a batch and ends with a summary', async () => {
    await writeFile(
      join(dir.path, 'two.jsonl'),
      '{"promptText": "one"}\n{"promptText": "two [fail]"}\n{"promptText": "three"}\n',
    );
    const result = await runBin(
      [
        'batch',
        'two.jsonl',
        '--type',
        'text_to_image',
        '--concurrency',
        '1',
        '--json',
        '--out',
        'batch',
        '--poll-interval',
        '20',
      ],
      { env: simulatorEnv(sim), cwd: dir.path },
    );
    expect(result.code).toBe(1);
    const lines = parseLines(result.stdout);
    expect(lines.slice(0, -1).every((line) => line.index === 1 || line.index === 2 || line.index === 3)).toBe(
      true,
    );
    // With one at a time, the third waits second in line at first.
    expect(lines).toContainEqual(expect.objectContaining({ index: 3, status: 'QUEUED', queuePosition: 2 }));
    expect(lines).toContainEqual(expect.objectContaining({ index: 2, status: 'FAILED' }));
    expect(lines.filter((line) => line.event === 'saved').map((line) => line.index)).toEqual([1, 3]);
    expect(lines.at(-1)).toMatchObject({
      event: 'summary',
      interrupted: false,
      succeeded: 2,
      failed: 1,
      cancelled: 0,
      files: [expect.stringContaining('1-text_to_image-'), expect.stringContaining('3-text_to_image-')],
    });
  });
});
