import { createPublicKey, type KeyObject, verify } from 'node:crypto';

/**
 * Discord signs every HTTP interaction with the application's Ed25519 key: `X-Signature-Ed25519`
 * (hex) over `X-Signature-Timestamp + raw body`. Node's crypto verifies it; no extra library.
 */

/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the 32 raw key bytes follow it. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** Requests signed longer ago (or further ahead) than this are refused as replays. Default 5 min. */
export const DEFAULT_MAX_SIGNATURE_AGE_MS = 5 * 60_000;

/** Turns the application's public key (64 hex characters, from the Developer Portal) into a KeyObject. */
export function discordPublicKey(hex: string): KeyObject {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new RangeError('A Discord public key is 64 hexadecimal characters (32 bytes)');
  }
  return createPublicKey({
    key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(hex, 'hex')]),
    format: 'der',
    type: 'spki',
  });
}

export type SignatureCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'missing' | 'malformed' | 'stale' | 'invalid' };

export interface VerifyDiscordRequestOptions {
  readonly maxAgeMs?: number;
  readonly now?: () => number;
}

/** Checks one request's signature and the freshness of its timestamp. */
export function verifyDiscordRequest(
  key: KeyObject,
  signature: string | undefined,
  timestamp: string | undefined,
  body: Uint8Array,
  options: VerifyDiscordRequestOptions = {},
): SignatureCheck {
  if (!signature || !timestamp) return { ok: false, reason: 'missing' };
  if (!/^[0-9a-fA-F]{128}$/.test(signature) || !/^\d{1,12}$/.test(timestamp)) {
    return { ok: false, reason: 'malformed' };
  }
  const valid = verify(
    null,
    Buffer.concat([Buffer.from(timestamp, 'utf8'), body]),
    key,
    Buffer.from(signature, 'hex'),
  );
  if (!valid) return { ok: false, reason: 'invalid' };
  const now = (options.now ?? Date.now)();
  const maxAge = options.maxAgeMs ?? DEFAULT_MAX_SIGNATURE_AGE_MS;
  if (Math.abs(now - Number(timestamp) * 1000) > maxAge) return { ok: false, reason: 'stale' };
  return { ok: true };
}
