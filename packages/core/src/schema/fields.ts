import { z } from 'zod';

/**
 * Field builders shared by the task registry. Each one carries its rule in a message a person can
 * act on, and `meta` that UIs (the playground form, Discord options, the CLI) read back through
 * `z.toJSONSchema`, so no adapter keeps its own copy of a limit.
 */

export type MediaKind = 'image' | 'video' | 'audio';

/** Limits for media URIs, as in the API spec (`runway-openapi.json`, version 2024-11-06). */
export const MEDIA_LIMITS = {
  httpsMinLength: 13,
  httpsMaxLength: 2048,
  runwayMaxLength: 5000,
  dataUri: { image: 5_242_880, video: 16_777_216, audio: 16_777_216 },
} as const satisfies {
  httpsMinLength: number;
  httpsMaxLength: number;
  runwayMaxLength: number;
  dataUri: Record<MediaKind, number>;
};

const IPV4_HOST = /^\d{1,3}(\.\d{1,3}){3}$/;

function mediaRule(kind: MediaKind): string {
  return (
    `must be an https:// URL (${MEDIA_LIMITS.httpsMinLength}–${MEDIA_LIMITS.httpsMaxLength} characters, ` +
    `not an IP address), a runway:// upload URI (at most ${MEDIA_LIMITS.runwayMaxLength} characters) ` +
    `or a data:${kind}/… URI (at most ${MEDIA_LIMITS.dataUri[kind]} characters)`
  );
}

/** Why `value` is not a valid `kind` media URI, or `undefined` when it is. */
export function checkMediaUri(value: string, kind: MediaKind): string | undefined {
  if (value.startsWith('https://')) {
    if (value.length < MEDIA_LIMITS.httpsMinLength || value.length > MEDIA_LIMITS.httpsMaxLength) {
      return mediaRule(kind);
    }
    let host: string;
    try {
      host = new URL(value).hostname;
    } catch {
      return mediaRule(kind);
    }
    if (IPV4_HOST.test(host) || host.startsWith('[')) return mediaRule(kind);
    return undefined;
  }
  if (value.startsWith('runway://')) {
    return value.length <= MEDIA_LIMITS.runwayMaxLength ? undefined : mediaRule(kind);
  }
  if (value.startsWith(`data:${kind}/`)) {
    return value.length <= MEDIA_LIMITS.dataUri[kind] ? undefined : mediaRule(kind);
  }
  return mediaRule(kind);
}

/** A media URI of one kind: https, runway:// or a data URI of that kind, with the spec's limits. */
export function mediaUri(kind: MediaKind) {
  return z
    .string()
    .superRefine((value, ctx) => {
      const problem = checkMediaUri(value, kind);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, params: { rule: 'media_uri', kind } });
    })
    .meta({ media: kind });
}

/** A media URI that may be an image or a video (character input, lip-sync face). */
export function imageOrVideoUri() {
  return z
    .string()
    .superRefine((value, ctx) => {
      if (checkMediaUri(value, 'image') && checkMediaUri(value, 'video')) {
        ctx.addIssue({
          code: 'custom',
          message:
            `must be an https:// URL (${MEDIA_LIMITS.httpsMinLength}–${MEDIA_LIMITS.httpsMaxLength} characters), ` +
            `a runway:// upload URI, or a data:image/… or data:video/… URI`,
          params: { rule: 'media_uri', kind: 'image|video' },
        });
      }
    })
    .meta({ media: 'image|video' });
}

export const promptText = (max: number, min = 1) => z.string().min(min).max(max).meta({ prompt: true });

export const ratio = <const R extends readonly [string, ...string[]]>(values: R) =>
  z.enum(values).meta({ ratio: true });

export const seed = z.int().min(0).max(4_294_967_295);

export const contentModeration = z.strictObject({
  publicFigureThreshold: z.enum(['auto', 'low']).optional(),
});

export const outputFormat = z.enum(['mp4', 'prores', 'png_sequence']);
export const proresProfile = z.enum(['422', '4444', '422 Proxy', '422 LT', '422 HQ', '4444 XQ']);

export const intRange = (min: number, max: number) => z.int().min(min).max(max);

/** An integer from a fixed set (Veo's 4 | 6 | 8 seconds). */
export const intChoice = <const V extends readonly [number, ...number[]]>(values: V) => z.literal(values);
