import { describe, expect, it } from 'vitest';
import { describeRefusal, UsageLimiter } from './limits.js';

describe('UsageLimiter', () => {
  it('allows anything without limits', () => {
    const limiter = new UsageLimiter();
    for (let i = 0; i < 100; i++) limiter.acquire('u', 'g', i);
    expect(limiter.check('u', 'g', 100)).toBeUndefined();
  });

  it('caps tasks in flight per user and per guild until they are released', () => {
    const limiter = new UsageLimiter({ perUser: 2, perGuild: 3 });
    const a1 = limiter.acquire('alice', 'g', 0);
    limiter.acquire('alice', 'g', 0);
    expect(limiter.check('alice', 'g', 0)).toEqual({ reason: 'user', limit: 2, active: 2 });
    limiter.acquire('bob', 'g', 0);
    expect(limiter.check('carol', 'g', 0)).toEqual({ reason: 'guild', limit: 3, active: 3 });
    // Outside the guild (a DM), only the user's cap applies.
    expect(limiter.check('carol', undefined, 0)).toBeUndefined();
    a1();
    a1(); // releasing twice counts once
    expect(limiter.check('alice', 'g', 0)).toBeUndefined();
    expect(limiter.check('carol', 'g', 0)).toBeUndefined();
  });

  it('enforces a cooldown between one user’s submissions', () => {
    const limiter = new UsageLimiter({ cooldownMs: 10_000 });
    limiter.acquire('alice', undefined, 1_000)();
    expect(limiter.check('alice', undefined, 5_000)).toEqual({ reason: 'cooldown', retryAt: 11_000 });
    expect(limiter.check('bob', undefined, 5_000)).toBeUndefined();
    expect(limiter.check('alice', undefined, 11_000)).toBeUndefined();
  });

  it('rejects limits that make no sense', () => {
    expect(() => new UsageLimiter({ perUser: -1 })).toThrow(RangeError);
    expect(() => new UsageLimiter({ cooldownMs: Number.NaN })).toThrow(RangeError);
  });
});

describe('describeRefusal', () => {
  it('says what the limit is and what to do', () => {
    expect(describeRefusal({ reason: 'user', limit: 1, active: 1 })).toBe(
      'You already have 1 task in progress (the limit is 1). Wait for one to finish, or cancel one.',
    );
    expect(describeRefusal({ reason: 'guild', limit: 5, active: 5 })).toBe(
      'This server already has 5 tasks in progress (the limit is 5). Try again when one finishes.',
    );
    expect(describeRefusal({ reason: 'cooldown', retryAt: 1_700_000_000_500 })).toBe(
      'Slow down: you can start another task <t:1700000001:R>.',
    );
  });
});
