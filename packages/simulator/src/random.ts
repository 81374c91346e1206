/**
 * A small seeded pseudo-random generator (sfc32, seeded through splitmix32) so that run times,
 * progress noise, failures and faults replay identically for the same seed and request sequence.
 */
export class Random {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    const mix = splitmix32(seed >>> 0);
    this.#a = mix();
    this.#b = mix();
    this.#c = mix();
    this.#d = mix();
    // Warm up: the first outputs of sfc32 correlate with the seed.
    for (let i = 0; i < 12; i++) this.next();
  }

  /** A float in [0, 1). */
  next(): number {
    const a = this.#a;
    const b = this.#b;
    const c = this.#c;
    const d = this.#d;
    const t = (((a + b) | 0) + d) | 0;
    this.#d = (d + 1) | 0;
    this.#a = b ^ (b >>> 9);
    this.#b = (c + (c << 3)) | 0;
    const rotated = (c << 21) | (c >>> 11);
    this.#c = (rotated + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** A float in [min, max]. */
  between(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return Math.floor(min + (max - min + 1) * this.next());
  }

  /** True with probability `p` (no draw is made when `p` is 0 or less, or 1 or more). */
  chance(p: number | undefined): boolean {
    if (p === undefined || p <= 0) return false;
    if (p >= 1) return true;
    return this.next() < p;
  }

  /** A random 32-bit unsigned integer. */
  uint32(): number {
    return Math.floor(this.next() * 4294967296) >>> 0;
  }

  /** A version 4 UUID drawn from this generator. */
  uuid(): string {
    let hex = '';
    for (let i = 0; i < 4; i++) {
      const word = this.uint32();
      hex +=
        (HEX[word >>> 24] as string) +
        (HEX[(word >>> 16) & 0xff] as string) +
        (HEX[(word >>> 8) & 0xff] as string) +
        (HEX[word & 0xff] as string);
    }
    const variant = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** FNV-1a hash of a string to 32 bits: derives sub-seeds from text (a prompt, a stream name). */
export function hashString(text: string, basis = 0x811c9dc5): number {
  let hash = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Combines a seed with a label and a number into an independent sub-seed. */
export function deriveSeed(seed: number, label: string, index = 0): number {
  return hashString(`${label}:${index}`, (seed ^ 0x9e3779b9) >>> 0);
}
