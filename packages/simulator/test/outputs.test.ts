import { inflateSync } from 'node:zlib';
import { modelsOf, TASK_TYPE_NAMES, type TaskType, validateTaskInput } from '@runway-rx/core';
import { describe, expect, it } from 'vitest';
import { SAMPLE_MEDIA, type Simulator, sampleInput } from '../src/index.js';
import { crc32 } from '../src/media/crc32.js';
import { api, delay, eventually, simulator } from './support.js';

async function succeeded(
  sim: Simulator,
  type: TaskType,
  input: unknown = sampleInput(type),
): Promise<string[]> {
  const client = api(sim);
  const created = await client.create(type, input);
  expect(created.status).toBe(200);
  const { id } = created.body as { id: string };
  return eventually(async () => {
    const task = (await client.get(id)).body as { status: string; output: string[] };
    expect(task.status).toBe('SUCCEEDED');
    return task.output;
  });
}

const download = async (url: string) => {
  const response = await fetch(url);
  return { response, bytes: new Uint8Array(await response.arrayBuffer()) };
};

/** Short runs so a test waits tens of ms per task rather than a second. */
const fast = { timing: { queueMs: [0, 500], runMs: [1_000, 3_000] } } as const;

const ascii = (bytes: Uint8Array, from: number, to: number) =>
  String.fromCharCode(...bytes.subarray(from, to));

/** Walks a PNG's chunks, checking every CRC; returns their types and the image header. */
function readPng(bytes: Uint8Array) {
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const types: string[] = [];
  const idat: Uint8Array[] = [];
  let offset = 8;
  while (offset < bytes.length) {
    const length = view.getUint32(offset);
    const type = ascii(bytes, offset + 4, offset + 8);
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    expect(view.getUint32(offset + 8 + length), `CRC of ${type}`).toBe(
      crc32(bytes.subarray(offset + 4, offset + 8 + length)),
    );
    types.push(type);
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const pixels = inflateSync(Buffer.concat(idat));
  expect(pixels.length).toBe(height * (1 + width * 3));
  return { types, width, height };
}

describe('outputs', () => {
  it('serves a real PNG for images, shaped like the requested ratio', async () => {
    const sim = await simulator(fast);
    const [url] = await succeeded(
      sim,
      'text_to_image',
      sampleInput('text_to_image', 'gen4_image', { ratio: '1080:1920' }),
    );
    expect(url).toMatch(new RegExp(`^${sim.url}/__simulator/outputs/[0-9a-f-]{36}/0\\.png\\?`));
    const { response, bytes } = await download(url as string);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(Number(response.headers.get('content-length'))).toBe(bytes.length);
    const png = readPng(bytes);
    expect(png.types).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(png).toMatchObject({ width: 144, height: 256 });
  });

  it('serves an MP4 for videos and a WAV for audio', async () => {
    const sim = await simulator(fast);
    const [video] = await succeeded(sim, 'image_to_video');
    const mp4 = await download(video as string);
    expect(mp4.response.headers.get('content-type')).toBe('video/mp4');
    expect(ascii(mp4.bytes, 4, 8)).toBe('ftyp');
    expect(ascii(mp4.bytes, 0, 2000)).toContain('avc1');

    const [sound] = await succeeded(
      sim,
      'sound_effect',
      sampleInput('sound_effect', 'sound_effect_v1', { duration: 1.5 }),
    );
    const wav = await download(sound as string);
    expect(wav.response.headers.get('content-type')).toBe('audio/wav');
    expect(ascii(wav.bytes, 0, 4)).toBe('RIFF');
    expect(ascii(wav.bytes, 8, 16)).toBe('WAVEfmt ');
    const view = new DataView(wav.bytes.buffer);
    const sampleRate = view.getUint32(24, true);
    expect(view.getUint32(40, true) / 2 / sampleRate).toBeCloseTo(1.5, 3);
  });

  it('pads outputs to outputBytes in a way each format allows', async () => {
    const size = 3_000_000;
    const sim = await simulator({ ...fast, outputBytes: size });
    for (const type of ['text_to_image', 'text_to_video', 'sound_effect'] as const) {
      const [url] = await succeeded(sim, type);
      const { response, bytes } = await download(url as string);
      expect(Number(response.headers.get('content-length')), type).toBe(size);
      expect(bytes.length, type).toBe(size);
      if (type === 'text_to_image') expect(readPng(bytes).types).toEqual(['IHDR', 'IDAT', 'rxPd', 'IEND']);
      if (type === 'sound_effect') expect(new DataView(bytes.buffer).getUint32(4, true)).toBe(size - 8);
    }
    const [url] = await succeeded(sim, 'text_to_image');
    const head = await fetch(url as string, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(size));
  });

  it('expires output URLs (403) and hands out fresh ones on the next GET', async () => {
    const sim = await simulator({ ...fast, outputTtlMs: 200 });
    const [url] = await succeeded(sim, 'text_to_image');
    expect((await fetch(url as string)).status).toBe(200);
    const tampered = (url as string).replace(/signature=[0-9a-f]/, (s) =>
      s.endsWith('0') ? `${s.slice(0, -1)}1` : `${s.slice(0, -1)}0`,
    );
    expect((await fetch(tampered)).status).toBe(403);
    await delay(220);
    const expired = await fetch(url as string);
    expect(expired.status).toBe(403);
    expect(await expired.json()).toEqual({ error: expect.stringMatching(/expired/) });
    const id = sim.tasks()[0]?.id as string;
    const fresh = ((await api(sim).get(id)).body as { output: string[] }).output[0] as string;
    expect(fresh).not.toBe(url);
    expect((await fetch(fresh)).status).toBe(200);
  });

  it('answers 404 for outputs of unknown, unfinished or deleted tasks', async () => {
    const sim = await simulator(fast);
    const [url] = await succeeded(sim, 'text_to_image');
    const id = sim.tasks()[0]?.id as string;
    await api(sim).delete(id);
    expect((await fetch(url as string)).status).toBe(404);
    expect((await fetch(`${sim.url}/__simulator/outputs/nope/0.png`)).status).toBe(404);
  });
});

describe('uploads', () => {
  it('hands out an upload URL and a runway:// URI, takes a multipart POST, and the URI is usable', async () => {
    const sim = await simulator(fast);
    const client = api(sim);
    const ticket = await client.send('POST', '/v1/uploads', { filename: 'face.png', type: 'ephemeral' });
    expect(ticket.status).toBe(200);
    const { uploadUrl, fields, runwayUri } = ticket.body as {
      uploadUrl: string;
      fields: Record<string, string>;
      runwayUri: string;
    };
    expect(uploadUrl.startsWith(`${sim.url}/__simulator/uploads/`)).toBe(true);
    expect(runwayUri).toMatch(/^runway:\/\//);
    const png = Buffer.from(SAMPLE_MEDIA.image.split(',')[1] as string, 'base64');
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', new Blob([png], { type: 'image/png' }), 'face.png');
    const posted = await fetch(uploadUrl, { method: 'POST', body: form });
    expect(posted.status).toBe(204);
    const stored = await fetch(uploadUrl);
    expect(new Uint8Array(await stored.arrayBuffer())).toEqual(new Uint8Array(png));
    const [video] = await succeeded(
      sim,
      'image_to_video',
      sampleInput('image_to_video', 'gen4_turbo', { promptImage: runwayUri }),
    );
    expect(video).toBeDefined();
    expect(sim.stats().uploads).toBe(1);
  });

  it('refuses uploads without the handed-out fields, bad filenames and unknown ids', async () => {
    const sim = await simulator(fast);
    const client = api(sim);
    const bad = await client.send('POST', '/v1/uploads', { filename: 'notes.txt', type: 'permanent' });
    expect(bad.status).toBe(400);
    const paths = (bad.body as { issues: { path: string[] }[] }).issues.map((issue) => issue.path);
    expect(paths).toEqual([['filename'], ['type']]);
    const { uploadUrl } = (await client.send('POST', '/v1/uploads', { filename: 'a.mp4', type: 'ephemeral' }))
      .body as { uploadUrl: string };
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(4)]), 'a.mp4');
    expect((await fetch(uploadUrl, { method: 'POST', body: form })).status).toBe(403);
    const put = await fetch(uploadUrl, { method: 'PUT', body: new Uint8Array([1, 2, 3]) });
    expect(put.status).toBe(200);
    expect(
      (
        await fetch(`${sim.url}/__simulator/uploads/6a1f8a51-8f0c-4b55-9a47-0d3c1b1f2a3e`, {
          method: 'PUT',
          body: 'x',
        })
      ).status,
    ).toBe(404);
  });
});

describe('sampleInput', () => {
  it('gives a valid input for every model of every task type', () => {
    for (const type of TASK_TYPE_NAMES) {
      expect(() => validateTaskInput(type, sampleInput(type))).not.toThrow();
      for (const model of modelsOf(type)) {
        // The loop's `type` is a union, so name the model loosely.
        const input = (sampleInput as (t: TaskType, m: string) => { model: string })(type, model);
        expect(input.model).toBe(model);
        expect(() => validateTaskInput(type, input), `${type} ${model}`).not.toThrow();
      }
    }
  });

  it('merges overrides and returns a fresh copy each time', () => {
    const a = sampleInput('text_to_video', 'gen4.5', { promptText: '[fail] a storm' });
    expect(a.promptText).toBe('[fail] a storm');
    const b = sampleInput('character_performance', 'act_two');
    (b.character as { uri: string }).uri = 'changed';
    expect(sampleInput('character_performance', 'act_two').character.uri).toBe(SAMPLE_MEDIA.image);
    expect(() => sampleInput('text_to_video', 'gen9' as 'gen4.5')).toThrow(RangeError);
  });
});
