import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Simulator } from '@runway-rx/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatorEnv, startBin, tempDir, testSimulator, waitFor } from './helpers.js';

let sim: Simulator;
let dir: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  // Tasks that run for a minute (0.6 s queued, 60 s running, scaled): Ctrl-C finds them RUNNING.
  sim = await testSimulator({
    concurrency: 10,
    timing: { queueMs: [50_000, 60_000], runMs: [6_000_000, 6_000_000] },
  });
  dir = await tempDir();
});

afterAll(async () => {
  await sim.close();
  await dir.remove();
});

describe('Ctrl-C', () => {
  it('cancels the running tasks at Runway, submits nothing more, and exits 130', async () => {
    const prompts = ['one', 'two', 'three', 'four', 'five'];
    await writeFile(
      join(dir.path, 'long.jsonl'),
      prompts.map((promptText) => JSON.stringify({ promptText })).join('\n'),
    );
    const bin = startBin(
      ['batch', 'long.jsonl', '--type', 'text_to_image', '--concurrency', '2', '--poll-interval', '20'],
      { env: simulatorEnv(sim), cwd: dir.path },
    );
    // Both allowed tasks are RUNNING at the simulator, and the command has seen them run.
    await waitFor(
      () =>
        sim.tasks().filter((task) => task.status === 'RUNNING').length === 2 &&
        (bin.stdout().match(/PROCESSING/g)?.length ?? 0) >= 2
          ? true
          : undefined,
      { what: 'two RUNNING tasks', timeoutMs: 15_000 },
    );
    bin.child.kill('SIGINT');
    const result = await bin.exited;

    expect(result.code).toBe(130);
    const tasks = sim.tasks();
    // Only the two that ran were ever created; both are CANCELLED now, nothing is left running.
    expect(tasks).toHaveLength(2);
    expect(tasks.map((task) => task.status)).toEqual(['CANCELLED', 'CANCELLED']);
    expect(tasks.every((task) => task.timeline.some((entry) => entry.status === 'RUNNING'))).toBe(true);
    expect(
      sim
        .requests()
        .filter((r) => r.method === 'DELETE')
        .map((r) => r.status),
    ).toEqual([204, 204]);

    expect(result.stderr).toContain('Interrupted: cancelling tasks in flight');
    expect(result.stdout).toMatch(/: CANCELLED/);
    expect(result.stdout).toMatch(/#3 text_to_image gen4_image: not submitted \(interrupted\)/);
    expect(result.stdout).toContain('Interrupted: 0 succeeded, 0 failed, 2 cancelled, 3 not submitted');
    expect(result.stdout).toContain(`Cancelled at Runway: ${tasks.map((task) => task.id).join(', ')}`);
  });

  it('cancels a task whose create was on the wire when Ctrl-C came, as soon as its id arrives', async () => {
    sim.reset();
    // Creates take 1.5 s to be answered: the interrupt lands while the first one is in flight.
    sim.setFaults({ create: { latencyMs: 1_500 } });
    await writeFile(join(dir.path, 'two.jsonl'), '{"promptText": "first"}\n{"promptText": "second"}\n');
    const bin = startBin(
      ['batch', 'two.jsonl', '--type', 'text_to_image', '--concurrency', '1', '--poll-interval', '20'],
      { env: simulatorEnv(sim), cwd: dir.path },
    );
    // The second line waits in line as soon as the first has gone out.
    await waitFor(() => (bin.stdout().includes('QUEUED #1') ? true : undefined), { what: 'the queue' });
    expect(sim.tasks()).toHaveLength(0);
    bin.child.kill('SIGINT');
    const result = await bin.exited;
    sim.setFaults({});

    expect(result.code).toBe(130);
    // The first task was created after the interrupt, and cancelled before the command exited.
    const tasks = sim.tasks();
    expect(tasks.map((task) => [task.input.promptText, task.status])).toEqual([['first', 'CANCELLED']]);
    expect(result.stdout).toMatch(/#1 text_to_image gen4_image: CANCELLED as soon as created/);
    expect(result.stdout).toMatch(/#2 text_to_image gen4_image: not submitted \(interrupted\)/);
    expect(result.stdout).toContain('Interrupted: 0 succeeded, 0 failed, 1 cancelled, 1 not submitted');
    expect(result.stdout).toContain('1 task was being created: cancelled as soon as Runway answered');
  });
});
