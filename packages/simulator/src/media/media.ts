import { deflateSync } from 'node:zlib';
import type { OutputKind } from '@runway-rx/core';
import { hashString } from '../random.js';
import { crc32, crc32Zeros } from './crc32.js';
import { MP4_FIXTURE_BASE64 } from './mp4-fixture.js';

/**
 * Output media: small but real files of the right type, with an optional padding (in a way each
 * format allows: a private PNG chunk, an MP4 `free` box, a WAV `JUNK` chunk) to reach a chosen size.
 * A file is a list of parts, and padding is a run of zero bytes streamed without being allocated.
 */
export type MediaPart = Uint8Array | { readonly zeros: number };

export interface MediaFile {
  readonly contentType: string;
  readonly extension: string;
  readonly parts: readonly MediaPart[];
  readonly size: number;
}

export const OUTPUT_FORMATS: Readonly<Record<OutputKind, { contentType: string; extension: string }>> = {
  image: { contentType: 'image/png', extension: 'png' },
  video: { contentType: 'video/mp4', extension: 'mp4' },
  audio: { contentType: 'audio/wav', extension: 'wav' },
};

const MAX_SIDE = 256;

function u32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value >>> 0);
  return bytes;
}

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const typeBytes = ascii(type);
  return concat([u32(data.length), typeBytes, data, u32(crc32(data, crc32(typeBytes)))]);
}

/** The pixel size of a `W:H` ratio scaled so its long side is 256 (at least 1 px each way). */
export function thumbnailSize(ratio: string | undefined): { width: number; height: number } {
  const [w, h] = (ratio ?? '1280:720').split(':').map(Number);
  const width = w && w > 0 ? w : 1280;
  const height = h && h > 0 ? h : 720;
  const scale = MAX_SIDE / Math.max(width, height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** A PNG of a diagonal gradient between two colours chosen by `seedText` (the prompt). */
export function gradientPng(seedText: string, width: number, height: number): Uint8Array {
  const hash = hashString(seedText);
  const from = [hash & 0xff, (hash >>> 8) & 0xff, (hash >>> 16) & 0xff];
  const to = [255 - (from[0] as number), (hash >>> 24) & 0xff, 255 - (from[2] as number)];
  const rowLength = 1 + width * 3;
  const raw = new Uint8Array(rowLength * height);
  const span = Math.max(1, width + height - 2);
  for (let y = 0; y < height; y++) {
    const row = y * rowLength;
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const t = (x + y) / span;
      for (let c = 0; c < 3; c++) {
        raw[row + 1 + x * 3 + c] = Math.round((from[c] as number) * (1 - t) + (to[c] as number) * t);
      }
    }
  }
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: truecolour
  return concat([
    Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(raw)),
  ]);
}

const PNG_IEND = pngChunk('IEND', new Uint8Array(0));
/** Ancillary, private, safe-to-copy: decoders skip it. */
const PNG_PAD_TYPE = 'rxPd';
const padCrcCache = new Map<number, number>();

function padPng(body: Uint8Array, size: number | undefined): MediaPart[] {
  const natural = body.length + PNG_IEND.length;
  if (size === undefined || size < natural + 12) return [body, PNG_IEND];
  const padding = size - natural - 12;
  let crc = padCrcCache.get(padding);
  if (crc === undefined) {
    crc = crc32Zeros(padding, crc32(ascii(PNG_PAD_TYPE)));
    if (padCrcCache.size > 32) padCrcCache.clear();
    padCrcCache.set(padding, crc);
  }
  return [body, concat([u32(padding), ascii(PNG_PAD_TYPE)]), { zeros: padding }, u32(crc), PNG_IEND];
}

/** A mono 16-bit WAV tone of `seconds`, its pitch chosen by `seedText`, with fade in and out. */
export function toneWav(seedText: string, seconds: number, sampleRate = 8000): Uint8Array {
  const samples = Math.max(1, Math.round(seconds * sampleRate));
  const frequency = 220 + (hashString(seedText) % 440);
  const data = new Uint8Array(samples * 2);
  const view = new DataView(data.buffer);
  const fade = Math.min(samples / 2, sampleRate * 0.05);
  for (let i = 0; i < samples; i++) {
    const envelope = Math.min(1, i / fade, (samples - 1 - i) / fade);
    const value = Math.sin((2 * Math.PI * frequency * i) / sampleRate) * 0.3 * envelope;
    view.setInt16(i * 2, Math.round(value * 32767), true);
  }
  return data;
}

function wavFile(pcm: Uint8Array, sampleRate: number, size: number | undefined): MediaPart[] {
  const natural = 44 + pcm.length;
  // A JUNK chunk (8-byte header, even length) pads the file when asked.
  const junk = size !== undefined && size >= natural + 8 ? (size - natural - 8) & ~1 : undefined;
  const riffSize = 36 + pcm.length + (junk === undefined ? 0 : 8 + junk);
  const header = new Uint8Array(44);
  const view = new DataView(header.buffer);
  header.set(ascii('RIFF'), 0);
  view.setUint32(4, riffSize, true);
  header.set(ascii('WAVEfmt '), 8);
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  header.set(ascii('data'), 36);
  view.setUint32(40, pcm.length, true);
  if (junk === undefined) return [header, pcm];
  const junkHeader = new Uint8Array(8);
  junkHeader.set(ascii('JUNK'), 0);
  new DataView(junkHeader.buffer).setUint32(4, junk, true);
  return [header, pcm, junkHeader, { zeros: junk }];
}

const MP4 = Uint8Array.from(Buffer.from(MP4_FIXTURE_BASE64, 'base64'));

function mp4File(size: number | undefined): MediaPart[] {
  if (size === undefined || size < MP4.length + 8) return [MP4];
  const padding = Math.min(size - MP4.length, 0xffffffff);
  return [MP4, concat([u32(padding), ascii('free')]), { zeros: padding - 8 }];
}

/** What an output is made from. */
export interface OutputRecipe {
  readonly kind: OutputKind;
  /** Text that picks colours or pitch: the prompt, or the task id. */
  readonly seedText: string;
  readonly ratio?: string | undefined;
  /** Audio length in seconds. */
  readonly seconds?: number | undefined;
  /** Pad the file to this many bytes. */
  readonly size?: number | undefined;
}

const pngCache = new Map<string, Uint8Array>();

/** Renders one output file. */
export function renderOutput(recipe: OutputRecipe): MediaFile {
  const format = OUTPUT_FORMATS[recipe.kind];
  let parts: MediaPart[];
  switch (recipe.kind) {
    case 'image': {
      const { width, height } = thumbnailSize(recipe.ratio);
      const key = `${recipe.seedText}\u0000${width}x${height}`;
      let body = pngCache.get(key);
      if (!body) {
        body = gradientPng(recipe.seedText, width, height);
        if (pngCache.size > 256) pngCache.clear();
        pngCache.set(key, body);
      }
      parts = padPng(body, recipe.size);
      break;
    }
    case 'audio': {
      const seconds = Math.min(30, Math.max(0.5, recipe.seconds ?? 2));
      parts = wavFile(toneWav(recipe.seedText, seconds), 8000, recipe.size);
      break;
    }
    case 'video':
      parts = mp4File(recipe.size);
      break;
  }
  const size = parts.reduce((n, p) => n + (p instanceof Uint8Array ? p.length : p.zeros), 0);
  return { ...format, parts, size };
}

/** A complete WAV file of a short tone (no padding). */
export function toneWavFile(seedText: string, seconds: number): Uint8Array {
  const parts = wavFile(toneWav(seedText, seconds), 8000, undefined) as Uint8Array[];
  return concat(parts);
}

/** The MP4 served as video output, for callers that need a real video (sample inputs, tests). */
export function sampleMp4(): Uint8Array {
  return MP4.slice();
}
