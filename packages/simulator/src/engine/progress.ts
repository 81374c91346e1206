import type { ProgressMode } from '../options.js';
import type { Random } from '../random.js';

const KNOTS = 10;

/**
 * The shape of one task's progress curve: a rising line with noise, as knots at evenly spaced
 * fractions of the run. Monotone by construction, so progress never goes backwards.
 */
export function progressCurve(random: Random): Float64Array {
  const knots = new Float64Array(KNOTS + 1);
  let previous = 0;
  for (let i = 1; i < KNOTS; i++) {
    const noisy = i / KNOTS + (random.next() - 0.5) * (0.8 / KNOTS);
    previous = Math.min(1, Math.max(previous, noisy));
    knots[i] = previous;
  }
  knots[KNOTS] = 1;
  return knots;
}

/**
 * Progress (0..1, three decimals) of a run `fraction` of the way through, below 1 while running.
 * `linear` follows the task's noisy curve; `stepped` moves in quarters.
 */
export function progressAt(fraction: number, mode: ProgressMode, knots: Float64Array): number {
  const f = Math.min(1, Math.max(0, fraction));
  let value: number;
  if (mode === 'stepped') {
    value = Math.floor(f * 4) / 4;
  } else {
    const position = f * KNOTS;
    const i = Math.min(KNOTS - 1, Math.floor(position));
    const from = knots[i] as number;
    const to = knots[i + 1] as number;
    value = from + (to - from) * (position - i);
  }
  return Math.min(0.999, Math.floor(value * 1000) / 1000);
}
