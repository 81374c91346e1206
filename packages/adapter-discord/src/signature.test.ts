import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { discordPublicKey, verifyDiscordRequest } from './signature.js';

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const hex = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url').toString('hex');
const key = discordPublicKey(hex);
const body = Buffer.from('{"type":1}');
const now = 1_700_000_000_000;
const at = String(now / 1000);
const signed = (timestamp: string, data: Buffer) =>
  sign(null, Buffer.concat([Buffer.from(timestamp), data]), privateKey).toString('hex');

describe('Discord request signatures', () => {
  it('reads the raw 32-byte hex key Discord shows', () => {
    expect(key.asymmetricKeyType).toBe('ed25519');
    expect(key.export({ format: 'jwk' }).x).toBe(publicKey.export({ format: 'jwk' }).x);
    expect(() => discordPublicKey('abc')).toThrow(RangeError);
    expect(() => discordPublicKey('g'.repeat(64))).toThrow(RangeError);
  });

  it('accepts a fresh, correct signature', () => {
    expect(verifyDiscordRequest(key, signed(at, body), at, body, { now: () => now })).toEqual({ ok: true });
  });

  it('tells why a request is refused', () => {
    const check = (signature: string | undefined, timestamp: string | undefined, data = body) =>
      verifyDiscordRequest(key, signature, timestamp, data, { now: () => now });
    expect(check(undefined, at)).toEqual({ ok: false, reason: 'missing' });
    expect(check('00', at)).toEqual({ ok: false, reason: 'malformed' });
    expect(check(signed(at, body), 'soon')).toEqual({ ok: false, reason: 'malformed' });
    expect(check(signed(at, body), at, Buffer.from('{"type":2}'))).toEqual({ ok: false, reason: 'invalid' });
    const old = String(now / 1000 - 301);
    expect(check(signed(old, body), old)).toEqual({ ok: false, reason: 'stale' });
  });
});
