import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { OutputKind } from '@runway-rx/core';
import { type Dispatcher, interceptors, request } from 'undici';

/** File extensions for the media types Runway (and the simulator) serve outputs as. */
const EXTENSIONS: Readonly<Record<string, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
  'video/webm': 'webm',
  'audio/mpeg': 'mp3',
  'audio/mp3': 'mp3',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/ogg': 'ogg',
  'audio/mp4': 'm4a',
  'audio/aac': 'aac',
  'audio/flac': 'flac',
};

const FALLBACK: Readonly<Record<OutputKind, string>> = { image: 'png', video: 'mp4', audio: 'mp3' };

/** A download that did not produce a file. */
export class DownloadError extends Error {
  readonly url: string;
  readonly status: number | undefined;

  constructor(message: string, options: { url: string; status?: number | undefined; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.url = options.url;
    this.status = options.status;
  }
}

Object.defineProperty(DownloadError.prototype, 'name', {
  value: 'DownloadError',
  writable: true,
  configurable: true,
});

/** An output URL without its query string (signed URLs carry tokens that have no place in logs). */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return url.split('?')[0] ?? url;
  }
}

/** The extension for an output: from its Content-Type, else its URL, else the task type's kind. */
export function outputExtension(contentType: string | undefined, url: string, kind: OutputKind): string {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  const fromType = mediaType ? EXTENSIONS[mediaType] : undefined;
  if (fromType) return fromType;
  try {
    const fromUrl = extname(new URL(url).pathname).slice(1).toLowerCase();
    if (/^[a-z0-9]{2,5}$/.test(fromUrl)) return fromUrl;
  } catch {
    // not a URL: fall through
  }
  return FALLBACK[kind];
}

/**
 * The file name of an output, without extension: `<index>-<type>-<taskId8>`, plus `-<n>` when a
 * task has several outputs. The index is zero-padded to the width of the batch size.
 */
export function outputBaseName(options: {
  index: number;
  total: number;
  type: string;
  taskId: string;
  output: number;
  outputs: number;
}): string {
  const index = String(options.index).padStart(String(options.total).length, '0');
  const id = options.taskId.replaceAll('-', '').slice(0, 8);
  const n = options.outputs > 1 ? `-${options.output + 1}` : '';
  return `${index}-${options.type}-${id}${n}`;
}

/** A dispatcher for downloads: the given one, following redirects (signed CDN URLs may redirect). */
export function downloadDispatcher(dispatcher: Dispatcher): Dispatcher {
  return dispatcher.compose(interceptors.redirect({ maxRedirections: 5 }));
}

/**
 * Streams one output to `<dir>/<baseName>.<ext>` with undici, writing to a `.part` file first so
 * an interrupted download never leaves a truncated file under the final name. Returns the path.
 */
export async function downloadOutput(
  url: string,
  options: {
    dir: string;
    baseName: string;
    kind: OutputKind;
    dispatcher: Dispatcher;
    signal?: AbortSignal | undefined;
  },
): Promise<string> {
  await mkdir(options.dir, { recursive: true });
  let response: Dispatcher.ResponseData;
  try {
    response = await request(url, {
      dispatcher: options.dispatcher,
      signal: options.signal ?? null,
      headers: { accept: '*/*' },
    });
  } catch (error) {
    throw new DownloadError(`Downloading ${displayUrl(url)} failed: ${(error as Error).message}`, {
      url,
      cause: error,
    });
  }
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw new DownloadError(`Downloading ${displayUrl(url)} failed: HTTP ${response.statusCode}`, {
      url,
      status: response.statusCode,
    });
  }
  const contentType = response.headers['content-type'];
  const ext = outputExtension(Array.isArray(contentType) ? contentType[0] : contentType, url, options.kind);
  const path = join(options.dir, `${options.baseName}.${ext}`);
  const partial = `${path}.part`;
  try {
    await pipeline(response.body, createWriteStream(partial), {
      ...(options.signal ? { signal: options.signal } : {}),
    });
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    throw new DownloadError(`Saving ${displayUrl(url)} to ${path} failed: ${(error as Error).message}`, {
      url,
      cause: error,
    });
  }
  return path;
}
