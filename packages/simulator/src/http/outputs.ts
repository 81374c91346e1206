import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { SimulatedTask } from '../engine/engine.js';
import { type MediaFile, OUTPUT_FORMATS, renderOutput } from '../media/media.js';

export const OUTPUTS_PREFIX = '/__simulator/outputs/';

/**
 * Signed, expiring output URLs, as Runway's are. A URL handed out is valid for between half of
 * `ttlMs` and `ttlMs` (Runway's "24–48 hours" with the default TTL of 48 h): URLs are stable within
 * each half-TTL window after the task finished, and a GET after one expired hands out a fresh one.
 */
export class OutputSigner {
  readonly #secret: Buffer;
  readonly #ttlMs: number;

  constructor(secret: Buffer, ttlMs: number) {
    this.#secret = secret;
    this.#ttlMs = ttlMs;
  }

  /** The output URLs of a SUCCEEDED task, as seen at `now`. */
  urls(baseUrl: string, task: SimulatedTask, now: number): string[] {
    const finishedAt = task.finishedAt ?? now;
    const half = Math.max(1, this.#ttlMs / 2);
    const window = Math.max(0, Math.floor((now - finishedAt) / half));
    const expires = Math.round(finishedAt + window * half + this.#ttlMs);
    const file = `0.${OUTPUT_FORMATS[task.outputKind].extension}`;
    const resource = `${task.id}/${file}`;
    return [
      `${baseUrl}${OUTPUTS_PREFIX}${resource}?expires=${expires}&signature=${this.#sign(resource, expires)}`,
    ];
  }

  /** Why a request for `resource` must be refused (403), or `undefined` when it may be served. */
  check(resource: string, query: URLSearchParams, now: number): string | undefined {
    const expires = Number(query.get('expires'));
    const signature = query.get('signature') ?? '';
    const expected = Number.isFinite(expires) ? this.#sign(resource, expires) : '';
    const valid =
      expected.length > 0 &&
      signature.length === expected.length &&
      timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
    if (!valid) return 'The URL signature is invalid.';
    if (now >= expires) return 'The URL has expired. Fetch the task again for a fresh URL.';
    return undefined;
  }

  #sign(resource: string, expires: number): string {
    return createHmac('sha256', this.#secret).update(`${resource}\n${expires}`).digest('hex').slice(0, 32);
  }
}

/** The file behind an output URL of a SUCCEEDED task. */
export function outputFile(task: SimulatedTask, outputBytes: number | undefined): MediaFile {
  const input = task.input;
  const prompt = typeof input.promptText === 'string' ? input.promptText : task.id;
  const duration = typeof input.duration === 'number' ? input.duration : undefined;
  return renderOutput({
    kind: task.outputKind,
    seedText: prompt,
    ratio: typeof input.ratio === 'string' ? input.ratio : undefined,
    seconds: task.outputKind === 'audio' ? (duration ?? 2) : undefined,
    size: outputBytes,
  });
}

const CHUNK = new Uint8Array(64 * 1024);

/** Streams a media file, honouring back-pressure (or only its headers, for HEAD). */
export async function sendMedia(res: ServerResponse, file: MediaFile, headOnly: boolean): Promise<void> {
  res.writeHead(200, {
    'content-type': file.contentType,
    'content-length': String(file.size),
    'cache-control': 'private, max-age=3600',
    // Pages may fetch outputs from another origin (the playground serves its page itself).
    'access-control-allow-origin': '*',
  });
  if (headOnly) {
    res.end();
    return;
  }
  const write = (bytes: Uint8Array) =>
    res.write(bytes)
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.once('drain', done);
          res.once('close', done);
        });
  for (const part of file.parts) {
    if (res.destroyed) return;
    if (part instanceof Uint8Array) {
      await write(part);
      continue;
    }
    let left = part.zeros;
    while (left > 0 && !res.destroyed) {
      const n = Math.min(left, CHUNK.length);
      await write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n));
      left -= n;
    }
  }
  res.end();
}
