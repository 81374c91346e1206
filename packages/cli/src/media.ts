import { readFile, stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { MEDIA_LIMITS, type MediaKind } from '@runway-rx/core';
import { UsageError } from './errors.js';

/** File extensions the CLI can send as data URIs, and their media types. */
export const MEDIA_TYPES: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.mp4': 'video/mp4',
  '.mov': 'video/quicktime',
  '.webm': 'video/webm',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.ogg': 'audio/ogg',
  '.m4a': 'audio/mp4',
  '.aac': 'audio/aac',
  '.flac': 'audio/flac',
};

/** A media value ready to send, with its kind when it could be told. */
export interface MediaValue {
  readonly uri: string;
  readonly kind: MediaKind | undefined;
}

const URI = /^(https?|runway|data):/i;

/** Whether `value` is already a URI (sent as is) rather than a local path. */
export function isUri(value: string): boolean {
  return URI.test(value);
}

function kindOfMediaType(mediaType: string | undefined): MediaKind | undefined {
  const top = mediaType?.split('/')[0];
  return top === 'image' || top === 'video' || top === 'audio' ? top : undefined;
}

/** The media kind a URI points at, from a data URI's type or the URL's file extension. */
export function kindOfUri(uri: string): MediaKind | undefined {
  if (uri.startsWith('data:')) return kindOfMediaType(uri.slice(5, uri.indexOf(';')));
  try {
    return kindOfMediaType(MEDIA_TYPES[extname(new URL(uri).pathname).toLowerCase()]);
  } catch {
    return undefined;
  }
}

/** Characters of a base64 data URI for `bytes` bytes of `mediaType`. */
export function dataUriLength(mediaType: string, bytes: number): number {
  return `data:${mediaType};base64,`.length + 4 * Math.ceil(bytes / 3);
}

/** The largest file of `mediaType` whose data URI fits the API's limit. */
export function maxDataUriBytes(mediaType: string, kind: MediaKind): number {
  const room = MEDIA_LIMITS.dataUri[kind] - `data:${mediaType};base64,`.length;
  return Math.floor(room / 4) * 3;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(2)} MiB`;
}

export interface MediaContext {
  /** What the value is for, in messages: `--image` or `promptImage`. */
  readonly source: string;
  /** The model field it goes to. */
  readonly field: string;
  /** The media kinds the field accepts. */
  readonly accepts: readonly MediaKind[];
  /** Relative paths are resolved against this directory. */
  readonly cwd: string;
}

/**
 * Turns a command-line media value into what the API accepts: URIs (`https://`, `runway://`,
 * `data:`) pass through; a local file becomes a base64 data URI, after checking that its type fits
 * the field and that the URI stays within the API's data URI limit (`MEDIA_LIMITS`).
 *
 * Throws `UsageError` naming the field and the limit when it does not.
 */
export async function resolveMedia(value: string, context: MediaContext): Promise<MediaValue> {
  if (isUri(value)) return { uri: value, kind: kindOfUri(value) };
  const { source, field, accepts, cwd } = context;
  const path = resolve(cwd, value);
  const mediaType = MEDIA_TYPES[extname(path).toLowerCase()];
  const kind = kindOfMediaType(mediaType);
  if (!mediaType || !kind) {
    throw new UsageError(
      `${source} ${value}: cannot tell the media type from the file extension; ` +
        `use one of ${Object.keys(MEDIA_TYPES).join(' ')} or pass an https:// URL`,
    );
  }
  if (!accepts.includes(kind)) {
    throw new UsageError(`${source} ${value}: ${field} takes ${accepts.join(' or ')}, not ${kind}`);
  }
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new UsageError(`${source} ${value}: not a file`);
    size = info.size;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${source} ${value}: no such file (${path})`, { cause: error });
  }
  const length = dataUriLength(mediaType, size);
  const limit = MEDIA_LIMITS.dataUri[kind];
  if (length > limit) {
    throw new UsageError(
      `${source} ${value}: ${field} is too large to send. The file is ${formatBytes(size)}, which makes a ` +
        `${length.toLocaleString('en-US')}-character data URI; the API accepts ${kind} data URIs of at most ` +
        `${limit.toLocaleString('en-US')} characters (a ${formatBytes(maxDataUriBytes(mediaType, kind))} file). ` +
        `Host it at an https:// URL instead.`,
    );
  }
  const bytes = await readFile(path);
  return { uri: `data:${mediaType};base64,${bytes.toString('base64')}`, kind };
}
