import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { safeValidateTaskInput } from './validate.js';

/**
 * Property-based tests for the video task types: inputs generated inside every limit are accepted
 * unchanged, and an input pushed outside exactly one limit is rejected with an issue naming that field.
 */

const GEN4_TURBO_RATIOS = ['1280:720', '720:1280', '1104:832', '960:960', '832:1104', '1584:672'] as const;
const VEO_RATIOS = ['1280:720', '720:1280', '1080:1920', '1920:1080'] as const;

const prompt = (max: number) => fc.string({ minLength: 1, maxLength: max, unit: 'grapheme-ascii' });
const httpsUri = fc
  .webUrl({ validSchemes: ['https'], withQueryParameters: true, withFragments: true })
  .filter(
    (url) => url.length >= 13 && url.length <= 2048 && !/^https:\/\/(\d+\.){3}\d+|^https:\/\/\[/.test(url),
  );
const imageUri = fc.oneof(
  httpsUri,
  fc.base64String({ minLength: 4, maxLength: 200 }).map((b) => `data:image/png;base64,${b}`),
  fc.uuid().map((u) => `runway://uploads/${u}`),
);
const videoUri = fc.oneof(
  httpsUri,
  fc.base64String({ minLength: 4, maxLength: 200 }).map((b) => `data:video/mp4;base64,${b}`),
);
const seed = fc.integer({ min: 0, max: 4_294_967_295 });

const gen45TextToVideo = fc.record(
  {
    model: fc.constant('gen4.5'),
    promptText: prompt(1000),
    ratio: fc.constantFrom('1280:720', '720:1280'),
    duration: fc.integer({ min: 2, max: 10 }),
    seed,
  },
  { requiredKeys: ['model', 'promptText', 'ratio', 'duration'] },
);
const veoTextToVideo = fc.record(
  {
    model: fc.constantFrom('veo3.1', 'veo3.1_fast'),
    promptText: prompt(1000),
    ratio: fc.constantFrom(...VEO_RATIOS),
    duration: fc.constantFrom(4, 6, 8),
    audio: fc.boolean(),
  },
  { requiredKeys: ['model', 'promptText', 'ratio'] },
);
const gen4ImageToVideo = fc.record(
  {
    model: fc.constantFrom('gen4', 'gen4_turbo', 'gen4_aleph'),
    promptImage: imageUri,
    promptText: prompt(1000),
    ratio: fc.constantFrom(...GEN4_TURBO_RATIOS),
    duration: fc.integer({ min: 2, max: 10 }),
    seed,
  },
  { requiredKeys: ['model', 'promptImage', 'ratio'] },
);
const alephVideoToVideo = fc.record({
  model: fc.constant('gen4_aleph'),
  promptVideo: videoUri,
  promptText: prompt(1000),
  ratio: fc.constantFrom(...GEN4_TURBO_RATIOS),
});

const VALID = {
  text_to_video: fc.oneof(gen45TextToVideo, veoTextToVideo),
  image_to_video: gen4ImageToVideo,
  video_to_video: alephVideoToVideo,
} as const;

/** One way to break one field: the field's name and a generator of bad values. */
const BREAKERS = {
  text_to_video: [
    ['promptText', fc.oneof(fc.constant(''), fc.string({ minLength: 1001, maxLength: 1200 }))],
    ['ratio', fc.string().filter((s) => !(VEO_RATIOS as readonly string[]).includes(s))],
    ['duration', fc.oneof(fc.integer({ min: 11 }), fc.integer({ max: 1 }), fc.double({ noInteger: true }))],
  ],
  image_to_video: [
    [
      'promptImage',
      fc.oneof(fc.webUrl({ validSchemes: ['http', 'ftp'] }), fc.constant('data:audio/wav;base64,AA')),
    ],
    ['ratio', fc.constantFrom('1920:1080', '1:1', '16:9', '')],
    ['duration', fc.oneof(fc.integer({ min: 11 }), fc.integer({ max: 1 }))],
    ['seed', fc.oneof(fc.integer({ max: -1 }), fc.integer({ min: 4_294_967_296, max: 2 ** 40 }))],
  ],
  video_to_video: [
    ['promptVideo', fc.oneof(fc.constant('https://1.2.3.4/v.mp4'), fc.constant('data:image/png;base64,AA'))],
    ['promptText', fc.string({ minLength: 1001, maxLength: 1100 })],
    ['ratio', fc.constantFrom('1920:1080', '1080:1920')],
  ],
} as const;

describe.each(Object.keys(VALID) as (keyof typeof VALID)[])('%s (property-based)', (type) => {
  it('accepts every input within the limits, unchanged', () => {
    fc.assert(
      fc.property(VALID[type], (input) => {
        const result = safeValidateTaskInput(type, input);
        expect(result.success ? result.data : result.error.message).toEqual(input);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects an input broken in one field, naming that field', () => {
    const broken = fc
      .tuple(VALID[type], fc.constantFrom(...BREAKERS[type]))
      .chain(([input, [field, bad]]) =>
        (bad as fc.Arbitrary<unknown>).map((value) => ({ input: { ...input, [field]: value }, field })),
      );
    fc.assert(
      fc.property(broken, ({ input, field }) => {
        // veo3.1 has no seed; gen4.5's ratio set is smaller than Veo's: skip breaks that don't apply.
        fc.pre(!(field === 'seed' && String(input.model).startsWith('veo')));
        const result = safeValidateTaskInput(type, input);
        expect(result.success).toBe(false);
        if (!result.success) {
          expect(result.error.issues.map((i) => i.path.split('.')[0])).toContain(field);
        }
      }),
      { numRuns: 300 },
    );
  });
});
