import { BlockList, isIP } from 'node:net';
import { type Dispatcher, request } from 'undici';
import type { MessageFile } from './message.js';

/**
 * Fetches a task's output so it can be re-uploaded into the message (Runway's output URLs expire
 * in 24–48 h), streaming with a byte cap so a large video never sits in memory whole.
 */

export type DownloadResult =
  | { readonly kind: 'file'; readonly file: MessageFile }
  | { readonly kind: 'too_large'; readonly size: number | undefined }
  | { readonly kind: 'failed'; readonly reason: string };

export interface DownloadOptions {
  /** Larger files are not downloaded past this many bytes. */
  readonly maxBytes: number;
  /** File name without extension; the extension comes from the URL or the Content-Type. */
  readonly baseName: string;
  readonly dispatcher?: Dispatcher;
  readonly signal?: AbortSignal;
  /** Time allowed for headers and between body chunks. Default 30 s. */
  readonly timeoutMs?: number;
}

const EXTENSIONS: Readonly<Record<string, string>> = {
  'video/mp4': 'mp4',
  'video/webm': 'webm',
  'video/quicktime': 'mov',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'audio/mpeg': 'mp3',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/ogg': 'ogg',
  'audio/mp4': 'm4a',
};
const KNOWN_EXTENSION = /\.(mp4|webm|mov|png|jpe?g|webp|gif|mp3|wav|ogg|m4a)$/i;

function fileName(url: URL, contentType: string | undefined, baseName: string): string {
  const fromPath = KNOWN_EXTENSION.exec(url.pathname)?.[1]?.toLowerCase();
  const fromType = contentType
    ? EXTENSIONS[contentType.split(';')[0]?.trim().toLowerCase() ?? '']
    : undefined;
  return `${baseName}.${fromPath ?? fromType ?? 'bin'}`;
}

const header = (headers: Record<string, string | string[] | undefined>, name: string) => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** Downloads `url` unless it is larger than `maxBytes`. */
export async function downloadOutput(url: string, options: DownloadOptions): Promise<DownloadResult> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { kind: 'failed', reason: 'not a URL' };
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    return { kind: 'failed', reason: `unsupported scheme ${parsed.protocol}` };
  }
  const timeout = options.timeoutMs ?? 30_000;
  let response: Dispatcher.ResponseData;
  try {
    response = await request(parsed, {
      method: 'GET',
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
  } catch (error) {
    return { kind: 'failed', reason: (error as Error).name || 'request failed' };
  }
  const { statusCode, headers, body } = response;
  if (statusCode < 200 || statusCode >= 300) {
    await body.dump().catch(() => undefined);
    return { kind: 'failed', reason: `HTTP ${statusCode}` };
  }
  const declared = Number(header(headers, 'content-length'));
  if (Number.isFinite(declared) && declared > options.maxBytes) {
    body.destroy();
    return { kind: 'too_large', size: declared };
  }
  const chunks: Buffer[] = [];
  let received = 0;
  try {
    for await (const chunk of body) {
      const buffer = chunk as Buffer;
      received += buffer.byteLength;
      if (received > options.maxBytes) {
        body.destroy();
        return { kind: 'too_large', size: Number.isFinite(declared) ? declared : undefined };
      }
      chunks.push(buffer);
    }
  } catch (error) {
    return { kind: 'failed', reason: (error as Error).name || 'body failed' };
  }
  const contentType = header(headers, 'content-type')?.split(';')[0]?.trim();
  return {
    kind: 'file',
    file: {
      name: fileName(parsed, contentType, options.baseName),
      data: Buffer.concat(chunks, received),
      ...(contentType ? { contentType } : {}),
    },
  };
}

const PRIVATE_RANGES = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  PRIVATE_RANGES.addSubnet(network, prefix, 'ipv4');
}
PRIVATE_RANGES.addSubnet('fc00::', 7, 'ipv6');
PRIVATE_RANGES.addSubnet('fe80::', 10, 'ipv6');
PRIVATE_RANGES.addAddress('::1', 'ipv6');
PRIVATE_RANGES.addAddress('::', 'ipv6');

const INTERNAL_SUFFIXES = ['.localhost', '.local', '.internal', '.lan', '.home.arpa'];

/**
 * Whether a URL may be shown to Discord users: https on a public host name. Loopback and private
 * addresses, `localhost`, single-label and internal names (a local simulator, a service inside a
 * cluster) are not: such a link would only leak infrastructure and work for nobody.
 */
export function isPublicUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' || parsed.username || parsed.password) return false;
  const host = parsed.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const family = isIP(host);
  if (family !== 0) return !PRIVATE_RANGES.check(host, family === 4 ? 'ipv4' : 'ipv6');
  if (host === 'localhost' || !host.includes('.')) return false;
  return !INTERNAL_SUFFIXES.some((suffix) => host.endsWith(suffix));
}
