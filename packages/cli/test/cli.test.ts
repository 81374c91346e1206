import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describeModel, modelsOf, TASK_TYPE_NAMES, validateTaskInput } from '@runway-rx/core';
import { SAMPLE_MEDIA } from '@runway-rx/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../src/args.js';
import { runCli } from '../src/cli.js';
import { ExitCode } from '../src/errors.js';
import { buildTaskInput } from '../src/fields.js';
import { exampleCommand } from '../src/help.js';
import { tempDir } from './helpers.js';

let dir: Awaited<ReturnType<typeof tempDir>>;

const bytesOf = (dataUri: string) => Buffer.from(dataUri.slice(dataUri.indexOf(',') + 1), 'base64');

beforeAll(async () => {
  dir = await tempDir();
  // Real media files, under the names the help's examples use.
  await writeFile(join(dir.path, 'photo.png'), bytesOf(SAMPLE_MEDIA.image));
  await writeFile(join(dir.path, 'clip.mp4'), bytesOf(SAMPLE_MEDIA.video));
  await writeFile(join(dir.path, 'voice.mp3'), bytesOf(SAMPLE_MEDIA.audio));
  await mkdir(join(dir.path, 'empty'));
});

afterAll(async () => {
  await dir.remove();
});

/** Runs the command in this process, with an environment that has no key (nothing here connects). */
async function cli(...argv: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const code = await runCli(argv, { stdout, stderr, env: {}, cwd: dir.path });
  return { code, stdout: out, stderr: err };
}

/** Splits a shell command line (double and single quotes, no escapes), as the examples are written. */
function shellWords(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

describe('the example command in each model’s help', () => {
  for (const type of TASK_TYPE_NAMES) {
    for (const model of modelsOf(type)) {
      it(`is a valid ${type} ${model} task`, async () => {
        const spec = describeModel(type, model);
        if (!spec) throw new Error('no spec');
        const [, ...argv] = shellWords(exampleCommand(spec));
        const command = parseCommandLine(argv);
        if (command.kind !== 'task') throw new Error(`not a task command: ${command.kind}`);
        expect(command.type).toBe(type);
        const input = await buildTaskInput(type, command.task, { cwd: dir.path });
        expect(input.model).toBe(model);
        // Valid as is: every required field is set, media files became data URIs of the right kind.
        expect(() => validateTaskInput(type, input)).not.toThrow();
      });
    }
  }
});

describe('flags are mapped onto each model’s own fields', () => {
  it('positions repeated --image flags as first and last keyframes where the model takes them', async () => {
    const command = parseCommandLine([
      'image_to_video',
      '--model',
      'veo3.1',
      '--image',
      'photo.png',
      '--image',
      'https://example.com/last.png',
      '--field',
      'audio=true',
    ]);
    if (command.kind !== 'task') throw new Error('not a task');
    const input = await buildTaskInput('image_to_video', command.task, { cwd: dir.path });
    expect(input).toMatchObject({
      model: 'veo3.1',
      audio: true,
      ratio: '1280:720',
      promptImage: [
        { uri: expect.stringMatching(/^data:image\/png;base64,/), position: 'first' },
        { uri: 'https://example.com/last.png', position: 'last' },
      ],
    });
    expect(() => validateTaskInput('image_to_video', input)).not.toThrow();
  });

  it('builds {type, uri} objects for character performance from --video and --reference', async () => {
    const command = parseCommandLine([
      'character_performance',
      '--video',
      'clip.mp4',
      '--reference',
      'clip.mp4',
      '--field',
      'expressionIntensity=4',
    ]);
    if (command.kind !== 'task') throw new Error('not a task');
    const input = await buildTaskInput('character_performance', command.task, { cwd: dir.path });
    expect(input.character).toEqual({
      type: 'video',
      uri: expect.stringMatching(/^data:video\/mp4;base64,/),
    });
    expect(input.reference).toEqual({
      type: 'video',
      uri: expect.stringMatching(/^data:video\/mp4;base64,/),
    });
    expect(input.expressionIntensity).toBe(4);
    expect(() => validateTaskInput('character_performance', input)).not.toThrow();
  });

  it('reads dotted --field keys into objects and JSON values as JSON', async () => {
    const command = parseCommandLine([
      'text_to_image',
      '-p',
      'a fox',
      '-f',
      'contentModeration.publicFigureThreshold=low',
      '-f',
      'referenceImages=[{"uri":"photo.png","tag":"fox"}]',
    ]);
    if (command.kind !== 'task') throw new Error('not a task');
    const input = await buildTaskInput('text_to_image', command.task, { cwd: dir.path });
    expect(input.contentModeration).toEqual({ publicFigureThreshold: 'low' });
    expect(input.referenceImages).toEqual([
      { uri: expect.stringMatching(/^data:image\/png;base64,/), tag: 'fox' },
    ]);
    expect(() => validateTaskInput('text_to_image', input)).not.toThrow();
  });
});

describe('usage', () => {
  it('prints help and the version with exit 0', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(ExitCode.Ok);
    expect(help.stdout).toContain('runway-rx batch <file.jsonl>');
    const version = await cli('--version');
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('exits 2 for a batch without a file, an unreadable one, an empty one, and task flags on a batch', async () => {
    expect((await cli('batch')).stderr).toContain('batch needs a file');
    const missing = await cli('batch', 'nope.jsonl');
    expect(missing.code).toBe(ExitCode.Usage);
    expect(missing.stderr).toContain('Cannot read batch file nope.jsonl');
    await writeFile(join(dir.path, 'blank.jsonl'), '\n\n');
    expect((await cli('batch', 'blank.jsonl')).stderr).toContain('blank.jsonl has no tasks');
    const flags = await cli('batch', 'blank.jsonl', '--prompt', 'x');
    expect(flags.code).toBe(ExitCode.Usage);
    expect(flags.stderr).toContain('--prompt applies to a single task');
  });

  it('prints a validation error as a JSON line too when --json is given', async () => {
    const result = await cli('text_to_image', '--ratio', '1:1', '--json');
    expect(result.code).toBe(ExitCode.Usage);
    const line = JSON.parse(result.stdout.trim()) as { event: string; error: { issues: { path: string }[] } };
    expect(line.event).toBe('error');
    expect(line.error.issues.map((issue) => issue.path).sort()).toEqual(['promptText', 'ratio']);
  });
});

describe.concurrent('rules and usage, in process', () => {
  it('names a required field that is missing, and a model the type does not have', async () => {
    const missing = await cli('text_to_video', '--duration', '5');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('promptText is required');

    const model = await cli('text_to_video', '--model', 'gen5', '--prompt', 'x');
    expect(model.code).toBe(2);
    expect(model.stderr).toContain('model must be one of gen4.5, veo3.1, veo3.1_fast');
  });

  it('rejects media of the wrong kind and files that do not exist', async () => {
    const kind = await cli('image_to_video', '--image', 'voice.mp3');
    expect(kind.code).toBe(2);
    expect(kind.stderr).toContain('promptImage takes image, not audio');

    const absent = await cli('image_to_video', '--image', 'nope.png');
    expect(absent.code).toBe(2);
    expect(absent.stderr).toContain('--image nope.png: no such file');

    const noField = await cli('text_to_video', '--prompt', 'x', '--duration', '5', '--image', 'nope.png');
    expect(noField.code).toBe(2);
    expect(noField.stderr).toContain('text_to_video model gen4.5 takes no image input');
  });

  it('exits 2 on usage errors: unknown flags, unknown task types, stray arguments', async () => {
    const flag = await cli('text_to_image', '--prompt', 'x', '--colour', 'red');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/Unknown option '--colour'/);

    const type = await cli('text_to_sculpture', '--prompt', 'x');
    expect(type.code).toBe(2);
    expect(type.stderr).toContain('Unknown command or task type "text_to_sculpture"');

    const stray = await cli('text_to_image', 'a', 'fox');
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('quote a prompt with spaces');

    const concurrency = await cli('batch', 'x.jsonl', '--concurrency', '0');
    expect(concurrency.code).toBe(2);
    expect(concurrency.stderr).toContain('--concurrency must be a whole number ≥ 1');
  });
});

describe.concurrent('help is generated from the registry', () => {
  it('lists every task type and model', async () => {
    const result = await cli('--help');
    expect(result.code).toBe(0);
    for (const type of TASK_TYPE_NAMES) {
      expect(result.stdout).toContain(type);
      for (const model of modelsOf(type)) expect(result.stdout).toContain(model);
    }
  });

  it('lists each model’s fields with their limits and the flags that set them', async () => {
    const result = await cli('text_to_video', '--help');
    expect(result.code).toBe(0);
    for (const model of modelsOf('text_to_video')) {
      expect(result.stdout).toContain(`Model ${model}`);
      for (const field of describeModel('text_to_video', model)?.fields ?? []) {
        expect(result.stdout).toContain(field.name);
      }
    }
    expect(result.stdout).toMatch(/promptText\s+required\s+text, 1–1000 characters · --prompt/);
    expect(result.stdout).toMatch(/duration\s+required\s+integer 2–10 · --duration/);
    expect(result.stdout).toMatch(/duration\s+optional\s+one of 4, 6, 8 · --duration/);
    expect(result.stdout).toContain('one of 1280:720, 720:1280 (default 1280:720) · --ratio');
    expect(result.stdout).toContain('runway-rx text_to_video --prompt');

    const sound = await cli('help', 'sound-effect');
    expect(sound.stdout).toMatch(/promptText\s+required\s+text, 1–3000 characters/);
    expect(sound.stdout).toMatch(/duration\s+optional\s+number 0\.5–30/);
  });
});
