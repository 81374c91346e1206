/**
 * Per-user and per-guild limits on the command: tasks in flight, and a cooldown between a user's
 * submissions. They decide whether a new task may start at all; the order in which accepted tasks
 * run is the scheduler's (each user is its own queue key, so users take turns).
 */

export interface CommandLimits {
  /** Tasks one user may have in progress (queued or running). Default: no limit. */
  readonly perUser?: number;
  /** Tasks one guild may have in progress. Default: no limit. */
  readonly perGuild?: number;
  /** Time a user waits between two submissions. Default 0. */
  readonly cooldownMs?: number;
}

export type LimitRefusal =
  | { readonly reason: 'user'; readonly limit: number; readonly active: number }
  | { readonly reason: 'guild'; readonly limit: number; readonly active: number }
  | { readonly reason: 'cooldown'; readonly retryAt: number };

/**
 * The bookkeeping behind `CommandLimits`, in memory. Several bot processes behind one
 * HTTP-interactions endpoint would share it through a store with the same three operations.
 */
export class UsageLimiter {
  readonly #limits: CommandLimits;
  readonly #perUser = new Map<string, number>();
  readonly #perGuild = new Map<string, number>();
  readonly #lastStart = new Map<string, number>();

  constructor(limits: CommandLimits = {}) {
    for (const [name, value] of Object.entries(limits)) {
      if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
        throw new RangeError(`limits.${name} must be a non-negative number, got ${String(value)}`);
      }
    }
    this.#limits = limits;
  }

  /** Why a new task of `userId` in `guildId` may not start now, or `undefined` when it may. */
  check(userId: string, guildId: string | undefined, now: number): LimitRefusal | undefined {
    const { perUser, perGuild, cooldownMs } = this.#limits;
    const userActive = this.#perUser.get(userId) ?? 0;
    if (perUser !== undefined && userActive >= perUser) {
      return { reason: 'user', limit: perUser, active: userActive };
    }
    if (guildId !== undefined && perGuild !== undefined) {
      const guildActive = this.#perGuild.get(guildId) ?? 0;
      if (guildActive >= perGuild) return { reason: 'guild', limit: perGuild, active: guildActive };
    }
    const last = this.#lastStart.get(userId);
    if (cooldownMs && last !== undefined && now - last < cooldownMs) {
      return { reason: 'cooldown', retryAt: last + cooldownMs };
    }
    return undefined;
  }

  /** Counts a task as started; the returned function (idempotent) counts it as finished. */
  acquire(userId: string, guildId: string | undefined, now: number): () => void {
    this.#perUser.set(userId, (this.#perUser.get(userId) ?? 0) + 1);
    if (guildId !== undefined) this.#perGuild.set(guildId, (this.#perGuild.get(guildId) ?? 0) + 1);
    this.#lastStart.set(userId, now);
    this.#sweep(now);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      decrement(this.#perUser, userId);
      if (guildId !== undefined) decrement(this.#perGuild, guildId);
    };
  }

  /** Forgets cooldowns that have run out, so the map does not grow with every user ever seen. */
  #sweep(now: number): void {
    const cooldown = this.#limits.cooldownMs ?? 0;
    if (this.#lastStart.size < 1024) return;
    for (const [user, at] of this.#lastStart) if (now - at >= cooldown) this.#lastStart.delete(user);
  }
}

function decrement(map: Map<string, number>, key: string): void {
  const next = (map.get(key) ?? 1) - 1;
  if (next > 0) map.set(key, next);
  else map.delete(key);
}

/** The ephemeral text for a refusal. */
export function describeRefusal(refusal: LimitRefusal): string {
  switch (refusal.reason) {
    case 'user':
      return (
        `You already have ${refusal.active} task${refusal.active === 1 ? '' : 's'} in progress ` +
        `(the limit is ${refusal.limit}). Wait for one to finish, or cancel one.`
      );
    case 'guild':
      return (
        `This server already has ${refusal.active} task${refusal.active === 1 ? '' : 's'} in progress ` +
        `(the limit is ${refusal.limit}). Try again when one finishes.`
      );
    case 'cooldown':
      return `Slow down: you can start another task <t:${Math.ceil(refusal.retryAt / 1000)}:R>.`;
  }
}
