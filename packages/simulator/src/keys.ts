import { createHash } from 'node:crypto';

/**
 * A fixed key of the shape Runway issues (`key_` + 128 hex digits) that every simulator accepts by
 * default. It grants nothing anywhere else.
 */
export const SIMULATOR_API_KEY =
  'key_264d46f3e768c7a761ae446f917e3577c3f9678133b7fe9c76b925bb78c3d2e1f9edefc5248ba3a1757d038396e0a83827ccbb3f4b2cbf79219c4c19f2d88cc9';

const KEY_SHAPE = /^key_[0-9a-f]+$/;

/**
 * A short, stable, non-reversible name for an API key (`k_` + 12 hex digits of its SHA-256), used in
 * stats, the request log and task records so that no raw key is ever stored or served.
 */
export function keyId(apiKey: string): string {
  return `k_${createHash('sha256').update(apiKey).digest('hex').slice(0, 12)}`;
}

/** Whether `apiKey` is accepted: one of `accepted`, or any `key_` + hex key when no list is given. */
export function isAcceptedKey(apiKey: string, accepted: ReadonlySet<string> | undefined): boolean {
  return accepted ? accepted.has(apiKey) : KEY_SHAPE.test(apiKey);
}
