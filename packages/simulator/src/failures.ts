/**
 * Prompt markers that make a task behave in a chosen way, and the failures the simulator reports.
 * Failure codes are Runway's: `SAFETY.INPUT.*` and `SAFETY.OUTPUT.*` (never worth a retry),
 * `INTERNAL.BAD_OUTPUT.*` (may succeed on retry), `INPUT_PREPROCESSING.*`, `ASSET.INVALID`, `INTERNAL`.
 */

/** The failure code of `[fail]` and of random failures (`failureRate`). */
export const DEFAULT_FAILURE_CODE = 'INTERNAL.BAD_OUTPUT.CODE01';

const MESSAGES: readonly (readonly [prefix: string, message: string])[] = [
  ['SAFETY.INPUT.TEXT', 'The prompt text was flagged by content moderation.'],
  ['SAFETY.INPUT.IMAGE', 'The input image was flagged by content moderation.'],
  ['SAFETY.INPUT.VIDEO', 'The input video was flagged by content moderation.'],
  ['SAFETY.INPUT.AUDIO', 'The input audio was flagged by content moderation.'],
  ['SAFETY.INPUT', 'An input was flagged by content moderation.'],
  ['SAFETY.OUTPUT', 'The generated output was flagged by content moderation.'],
  ['INTERNAL.BAD_OUTPUT', 'The model produced an unusable output. Retrying the task may succeed.'],
  ['INPUT_PREPROCESSING', 'An input could not be processed. Check that the media is valid and supported.'],
  ['ASSET.INVALID', 'An input asset is invalid or could not be downloaded.'],
  ['INTERNAL', 'An internal error occurred while generating the output.'],
];

/** A readable failure message for a failure code. */
export function failureMessage(code: string): string {
  for (const [prefix, message] of MESSAGES) {
    if (code === prefix || code.startsWith(`${prefix}.`)) return message;
  }
  return `The task failed (${code}).`;
}

/**
 * Whether a failure is found before the task runs (input moderation, preprocessing, assets): such a
 * task goes from PENDING straight to FAILED without taking a concurrency slot.
 */
export function failsBeforeRunning(code: string): boolean {
  return (
    code.startsWith('SAFETY.INPUT') || code.startsWith('INPUT_PREPROCESSING') || code.startsWith('ASSET.')
  );
}

export interface PromptMarkers {
  /** The failure code asked for by `[fail]` or `[fail:CODE]`. */
  readonly failureCode?: string;
  /** `[slow]`: the run lasts `slowFactor` times longer. */
  readonly slow: boolean;
}

const FAIL_MARKER = /\[fail(?::([A-Z][A-Z0-9_]*(?:\.[A-Z0-9_]+)*))?\]/;

/** Reads the `[fail]`, `[fail:CODE]` and `[slow]` markers of a prompt. */
export function readMarkers(promptText: string | undefined): PromptMarkers {
  if (!promptText) return { slow: false };
  const fail = FAIL_MARKER.exec(promptText);
  const slow = promptText.includes('[slow]');
  return fail ? { failureCode: fail[1] ?? DEFAULT_FAILURE_CODE, slow } : { slow };
}
