import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Simulator } from '@runway-rx/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_ARGS, REPO_ROOT, tempDir, testSimulator, waitFor } from './helpers.js';

const exec = promisify(execFile);
const TMUX = '/usr/bin/tmux';
/** A tmux server of our own, so nothing else running tmux is touched. */
const SOCKET = `runway-rx-cli-test-${process.pid}`;
const tmux = (...args: string[]) => exec(TMUX, ['-L', SOCKET, ...args]);
const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

let sim: Simulator;
let dir: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  // Tasks that run 1.5–2.5 s: long enough to watch the bars fill.
  sim = await testSimulator({ concurrency: 10, timing: { runMs: [150_000, 250_000] } });
  dir = await tempDir();
});

afterAll(async () => {
  await tmux('kill-server').catch(() => undefined);
  await sim.close();
  await dir.remove();
});

/**
 * Runs `runway-rx <args>` in a tmux pane of `rows` × 120 (a real pseudo-terminal), capturing the
 * screen every 50 ms until it exits.
 */
async function inTerminal(session: string, rows: number, args: readonly string[]) {
  const command = [
    'env',
    `RUNWAYML_BASE_URL=${sim.url}`,
    `RUNWAYML_API_SECRET=${sim.apiKey}`,
    process.execPath,
    ...NODE_ARGS,
    ...args,
  ]
    .map(quote)
    .join(' ');
  const exitFile = join(dir.path, `${session}.exit`);
  await tmux(
    'new-session',
    '-d',
    '-s',
    session,
    '-x',
    '120',
    '-y',
    String(rows),
    '-c',
    dir.path,
    `${command}; echo $? > ${quote(exitFile)}; sleep 60`,
  );
  const frames: string[] = [];
  const capture = async (...extra: string[]) => {
    const { stdout } = await tmux('capture-pane', '-p', '-t', session, ...extra);
    return stdout;
  };
  const exitCode = await waitFor(
    async () => {
      const frame = await capture();
      if (frames.at(-1) !== frame) frames.push(frame);
      return readFile(exitFile, 'utf8').catch(() => undefined);
    },
    { timeoutMs: 25_000, intervalMs: 50, what: 'the command to finish' },
  );
  return {
    exitCode: Number(exitCode.trim()),
    frames,
    screen: await capture(),
    /** The scrollback and the screen. */
    all: await capture('-S', '-'),
  };
}

describe('in a terminal', () => {
  it('draws one live progress row per task: QUEUED with its place, PROCESSING with a filling bar, the result', async () => {
    const prompts = ['a lighthouse', 'a red fox', 'a paper boat [fail]', 'a city at night', 'an old oak'];
    await writeFile(
      join(dir.path, 'prompts.jsonl'),
      prompts.map((promptText) => JSON.stringify({ promptText })).join('\n'),
    );
    const run = await inTerminal('bars', 30, [
      'batch',
      'prompts.jsonl',
      '--type',
      'text_to_image',
      '--concurrency',
      '2',
      '--poll-interval',
      '20',
    ]);

    // While running: waiting rows show their place in line, running rows a bar and a percentage.
    const queued = run.frames.filter((frame) => /#\d text_to_image gen4_image +░+ QUEUED #2/.test(frame));
    const processing = run.frames.filter((frame) => /[0-9a-f]{8} +█+░* PROCESSING \d+%/.test(frame));
    expect(queued.length).toBeGreaterThan(0);
    expect(processing.length).toBeGreaterThan(0);

    // At the end: each task's row once, in place, with its outcome, then the summary.
    expect(run.exitCode).toBe(1);
    const rows = run.screen.split('\n').filter((line) => /^ #\d /.test(line));
    expect(rows.map((row) => row.slice(1, 3))).toEqual(['#1', '#2', '#3', '#4', '#5']);
    for (const [i, row] of rows.entries()) {
      if (i === 2) expect(row).toMatch(/FAILED: /);
      else expect(row).toMatch(new RegExp(`█{24} SUCCEEDED → ${i + 1}-text_to_image-[0-9a-f]{8}\\.png`));
    }
    expect(run.screen).toContain('Done: 4 succeeded, 1 failed, 0 cancelled');
    expect(run.all).not.toContain(sim.apiKey);

    // For the record: the frame with rows waiting and running, furthest along, and the last one.
    const progressOf = (frame: string) =>
      [...frame.matchAll(/PROCESSING (\d+)%/g)].reduce((total, match) => total + Number(match[1]), 0);
    const running = processing
      .filter((frame) => frame.includes('QUEUED #'))
      .sort((a, b) => progressOf(b) - progressOf(a))[0];
    const artifacts = join(REPO_ROOT, 'test-artifacts');
    await mkdir(artifacts, { recursive: true });
    await writeFile(
      join(artifacts, 'cli-screen.txt'),
      [
        '$ runway-rx batch prompts.jsonl --type text_to_image --concurrency 2   (tmux, 120×30)',
        '',
        '--- while running ---',
        (running ?? processing[0] ?? '').trimEnd(),
        '',
        '--- at the end ---',
        run.screen.trimEnd(),
        '',
      ].join('\n'),
    );
  });

  it('keeps a batch taller than the terminal readable: finished rows move up, each task shown once', async () => {
    const prompts = Array.from({ length: 9 }, (_, i) => `picture ${i + 1}`);
    await writeFile(
      join(dir.path, 'many.jsonl'),
      prompts.map((promptText) => JSON.stringify({ promptText })).join('\n'),
    );
    const run = await inTerminal('window', 10, [
      'batch',
      'many.jsonl',
      '--type',
      'text_to_image',
      '--concurrency',
      '3',
      '--poll-interval',
      '20',
    ]);
    expect(run.exitCode).toBe(0);
    // No frame ever shows more rows than fit, nor a task twice.
    for (const frame of run.frames) {
      const indexes = frame.split('\n').flatMap((line) => /^ #(\d) /.exec(line)?.[1] ?? []);
      expect(new Set(indexes).size).toBe(indexes.length);
    }
    // Scrollback and screen together: every task once, each with its saved file.
    const lines = run.all.split('\n').filter((line) => /^ #\d /.test(line));
    expect(lines.map((line) => line.slice(1, 3)).sort()).toEqual(prompts.map((_, i) => `#${i + 1}`));
    expect(lines.every((line) => /SUCCEEDED → \d-text_to_image-[0-9a-f]{8}\.png/.test(line))).toBe(true);
    expect(run.screen).toContain('Done: 9 succeeded, 0 failed, 0 cancelled');
  });
});
