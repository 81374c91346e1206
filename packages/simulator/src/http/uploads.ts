import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Random } from '../random.js';

/** Extensions an ephemeral upload may have, with their media type. */
const MEDIA_TYPES: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  mkv: 'video/x-matroska',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  ogg: 'audio/ogg',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  flac: 'audio/flac',
};

export const UPLOADS_PREFIX = '/__simulator/uploads/';

/** The media type of a filename's extension, or `undefined` when it is not a supported media file. */
export function uploadMediaType(filename: string): string | undefined {
  const dot = filename.lastIndexOf('.');
  if (dot <= 0) return undefined;
  return MEDIA_TYPES[filename.slice(dot + 1).toLowerCase()];
}

export interface Upload {
  readonly id: string;
  readonly filename: string;
  readonly mediaType: string;
  readonly runwayUri: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  bytes: Uint8Array | undefined;
}

/** What `POST /v1/uploads` answers. */
export interface UploadTicket {
  readonly uploadUrl: string;
  readonly fields: Readonly<Record<string, string>>;
  readonly runwayUri: string;
}

const MAX_PENDING = 10_000;

/**
 * Ephemeral uploads: `POST /v1/uploads` hands out a URL on the simulator and form fields to send
 * with the file (as a presigned storage POST works); the file is then posted (multipart, as the
 * official SDK does) or PUT there. Files expire after `ttlMs`; stored bytes are capped in total,
 * oldest dropped first
 * (uploads are kept in creation order, which is also expiry order).
 */
export class UploadStore {
  readonly #random: Random;
  readonly #secret: Buffer;
  readonly #ttlMs: number;
  readonly #maxBytes: number;
  readonly #uploads = new Map<string, Upload>();
  #bytes = 0;

  constructor(random: Random, secret: Buffer, ttlMs: number, maxBytes: number) {
    this.#random = random;
    this.#secret = secret;
    this.#ttlMs = ttlMs;
    this.#maxBytes = maxBytes;
  }

  create(baseUrl: string, filename: string, mediaType: string, now: number): UploadTicket {
    this.#sweep(now);
    const id = this.#random.uuid();
    const upload: Upload = {
      id,
      filename,
      mediaType,
      runwayUri: `runway://uploads/${id}/${encodeURIComponent(filename)}`,
      createdAt: now,
      expiresAt: now + this.#ttlMs,
      bytes: undefined,
    };
    this.#uploads.set(id, upload);
    const key = `uploads/${id}/${filename}`;
    const policy = Buffer.from(JSON.stringify({ key, expiresAt: upload.expiresAt })).toString('base64');
    return {
      uploadUrl: `${baseUrl}${UPLOADS_PREFIX}${id}`,
      fields: { key, policy, 'x-simulator-signature': this.#sign(id) },
      runwayUri: upload.runwayUri,
    };
  }

  /** Whether `signature` is the one handed out for upload `id`. */
  verify(id: string, signature: string | undefined): boolean {
    if (!signature) return false;
    const expected = this.#sign(id);
    return (
      signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected))
    );
  }

  /** Stores the bytes of a pending upload; false when it is unknown or expired. */
  store(id: string, bytes: Uint8Array, now: number): boolean {
    this.#sweep(now);
    const upload = this.#uploads.get(id);
    if (!upload) return false;
    if (upload.bytes) this.#bytes -= upload.bytes.length;
    upload.bytes = bytes;
    this.#bytes += bytes.length;
    for (const [otherId, other] of this.#uploads) {
      if (this.#bytes <= this.#maxBytes || otherId === id) break;
      this.#drop(otherId, other);
    }
    return true;
  }

  get(id: string, now: number): Upload | undefined {
    this.#sweep(now);
    return this.#uploads.get(id);
  }

  /** The upload a `runway://` URI names, when it was uploaded here and has not expired. */
  byUri(uri: string, now: number): Upload | undefined {
    const match = /^runway:\/\/uploads\/([0-9a-f-]{36})\//.exec(uri);
    return match ? this.get(match[1] as string, now) : undefined;
  }

  get count(): number {
    return this.#uploads.size;
  }

  clear(): void {
    this.#uploads.clear();
    this.#bytes = 0;
  }

  #drop(id: string, upload: Upload): void {
    if (upload.bytes) this.#bytes -= upload.bytes.length;
    this.#uploads.delete(id);
  }

  #sweep(now: number): void {
    for (const [id, upload] of this.#uploads) {
      if (upload.expiresAt > now && this.#uploads.size <= MAX_PENDING) break;
      this.#drop(id, upload);
    }
  }

  #sign(id: string): string {
    return createHmac('sha256', this.#secret).update(`upload\n${id}`).digest('hex').slice(0, 32);
  }
}
