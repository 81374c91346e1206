import { describe, expect, it } from 'vitest';
import { isValidationError, type ValidationError } from '../errors.js';
import { MEDIA_LIMITS, type MediaKind } from './fields.js';
import { modelsOf, TASK_TYPE_NAMES, TASK_TYPES, type TaskType } from './registry.js';
import { safeValidateTaskInput, validateTaskInput } from './validate.js';

/**
 * The limits below are copied by hand from `reference/runway-api.md` and the API spec, not read
 * back from the registry: the table is an independent statement of the contract, and every rule
 * in it is exercised at its edges (valid) and just past them (rejected, with an issue naming the field).
 */

type Json = unknown;
interface Rule {
  readonly field: string;
  /** Values that must be accepted (edges of the rule). */
  readonly valid: readonly Json[];
  /** Values that must be rejected with an issue naming `field`. */
  readonly invalid: readonly Json[];
  /** When true, leaving the field out must be rejected as `required`. */
  readonly required?: boolean;
}

const https = (length: number) => `https://example.com/${'a'.repeat(length - 20)}`;
const dataUri = (kind: MediaKind, length: number) => {
  const head = `data:${kind}/x;base64,`;
  return head + 'A'.repeat(length - head.length);
};

const text = (field: string, max: number, required = true): Rule => ({
  field,
  required,
  valid: ['a', 'a'.repeat(max)],
  invalid: ['', 'a'.repeat(max + 1), 42],
});
const oneOf = (field: string, values: readonly Json[], required = true): Rule => ({
  field,
  required,
  valid: values,
  invalid: ['nope', null],
});
const int = (field: string, min: number, max: number, required = false): Rule => ({
  field,
  required,
  valid: [min, max],
  invalid: [min - 1, max + 1, min + 0.5, String(min)],
});
const intSet = (field: string, values: readonly number[]): Rule => ({
  field,
  valid: values,
  invalid: [Math.min(...values) - 1, Math.max(...values) + 1, values[0]! + 1],
});
const num = (field: string, min: number, max: number): Rule => ({
  field,
  valid: [min, max],
  invalid: [min - 0.01, max + 0.01, 'long'],
});
const bool = (field: string): Rule => ({ field, valid: [true, false], invalid: ['yes', 1] });
const media = (field: string, kind: MediaKind, required = true): Rule => ({
  field,
  required,
  valid: [
    'https://a.co/', // 13 characters: the shortest https URI
    https(MEDIA_LIMITS.httpsMaxLength),
    `runway://${'u'.repeat(MEDIA_LIMITS.runwayMaxLength - 9)}`,
    dataUri(kind, kind === 'image' ? 5_242_880 : 16_777_216),
  ],
  invalid: [
    'https://a.c/', // 12 characters
    https(MEDIA_LIMITS.httpsMaxLength + 1),
    'https://192.168.0.1/a.png',
    'http://example.com/a.mp4',
    `runway://${'u'.repeat(MEDIA_LIMITS.runwayMaxLength - 8)}`,
    dataUri(kind, (kind === 'image' ? 5_242_880 : 16_777_216) + 1),
    `data:${kind === 'image' ? 'video' : 'image'}/x;base64,AAAA`,
    'file:///tmp/a.png',
  ],
});
const seedRule = int('seed', 0, 4_294_967_295);
const moderation: Rule = {
  field: 'contentModeration',
  valid: [{}, { publicFigureThreshold: 'auto' }, { publicFigureThreshold: 'low' }],
  invalid: [{ publicFigureThreshold: 'high' }, { other: 1 }, 'auto'],
};
const outputFormat = oneOf('outputFormat', ['mp4', 'prores', 'png_sequence'], false);

const GEN4_TURBO_RATIOS = ['1280:720', '720:1280', '1104:832', '960:960', '832:1104', '1584:672'];
const VEO_RATIOS = ['1280:720', '720:1280', '1080:1920', '1920:1080'];
const IMAGE_RATIOS = [
  '1024:1024',
  '1080:1080',
  '1168:880',
  '1360:768',
  '1440:1080',
  '1080:1440',
  '1808:768',
  '1920:1080',
  '1080:1920',
  '2112:912',
  '1280:720',
  '720:1280',
  '720:720',
  '960:720',
  '720:960',
  '1680:720',
];

const IMG = 'https://example.com/face.png';
const VID = 'https://example.com/clip.mp4';
const AUD = 'https://example.com/voice.mp3';

interface ModelCase {
  readonly base: Record<string, Json>;
  readonly rules: readonly Rule[];
}

const veoT2V: ModelCase = {
  base: { promptText: 'a lighthouse at dusk', ratio: '1280:720' },
  rules: [
    text('promptText', 1000),
    oneOf('ratio', VEO_RATIOS),
    intSet('duration', [4, 6, 8]),
    bool('audio'),
    text('negativePrompt', 1000, false),
  ],
};
const gen4TurboI2V: ModelCase = {
  base: { promptImage: IMG, ratio: '1280:720' },
  rules: [
    media('promptImage', 'image'),
    text('promptText', 1000, false),
    oneOf('ratio', GEN4_TURBO_RATIOS),
    int('duration', 2, 10),
    seedRule,
    moderation,
  ],
};
const veoI2V: ModelCase = {
  base: { promptImage: IMG, ratio: '720:1280' },
  rules: [
    media('promptImage', 'image'),
    oneOf('ratio', VEO_RATIOS),
    intSet('duration', [4, 6, 8]),
    text('promptText', 1000, false),
  ],
};
const lipSync: ModelCase = {
  base: { input: IMG, audio: AUD },
  rules: [
    {
      ...media('input', 'image'),
      valid: [IMG, VID, dataUri('image', 100), dataUri('video', 100)],
      invalid: ['http://example.com/face.png', 'data:audio/x;base64,AAAA', 'https://10.0.0.1/a.png'],
    },
    media('audio', 'audio'),
  ],
};

const CASES: { readonly [T in TaskType]: Record<string, ModelCase> } = {
  text_to_video: {
    'gen4.5': {
      base: { promptText: 'a lighthouse at dusk', ratio: '1280:720', duration: 5 },
      rules: [
        text('promptText', 1000),
        oneOf('ratio', ['1280:720', '720:1280']),
        int('duration', 2, 10, true),
        seedRule,
        moderation,
        outputFormat,
      ],
    },
    'veo3.1': veoT2V,
    'veo3.1_fast': veoT2V,
  },
  image_to_video: {
    gen4: gen4TurboI2V,
    gen4_turbo: gen4TurboI2V,
    'gen4.5': {
      base: { promptText: 'the wave breaks', promptImage: IMG, ratio: '960:960', duration: 10 },
      rules: [
        text('promptText', 1000),
        {
          ...media('promptImage', 'image'),
          valid: [IMG, [{ uri: IMG, position: 'first' }]],
          invalid: ['http://x.y/z', [{ uri: IMG, position: 'last' }], []],
        },
        oneOf('ratio', GEN4_TURBO_RATIOS),
        int('duration', 2, 10, true),
        seedRule,
      ],
    },
    gen4_aleph: gen4TurboI2V,
    'veo3.1': veoI2V,
    'veo3.1_fast': veoI2V,
  },
  video_to_video: {
    gen4_aleph: {
      base: { promptVideo: VID, promptText: 'make it snow', ratio: '1280:720' },
      rules: [
        media('promptVideo', 'video'),
        text('promptText', 1000),
        oneOf('ratio', GEN4_TURBO_RATIOS),
        seedRule,
      ],
    },
    aleph2: {
      base: { videoUri: VID },
      rules: [
        media('videoUri', 'video'),
        text('promptText', 1000, false),
        oneOf('targetAspectRatio', ['16:9', '4:3', '3:2', '1:1', '2:3', '3:4', '9:16', '21:9'], false),
        {
          field: 'keyframes',
          valid: [[{ uri: IMG, seconds: 0 }], [{ uri: IMG, at: 1 }]],
          invalid: [
            [],
            [{ uri: IMG, seconds: 31 }],
            Array.from({ length: 6 }, () => ({ uri: IMG, at: 0.5 })),
          ],
        },
      ],
    },
  },
  text_to_image: {
    gen4_image: {
      base: { promptText: 'a red fox', ratio: '1024:1024' },
      rules: [
        text('promptText', 1000),
        oneOf('ratio', IMAGE_RATIOS),
        {
          field: 'referenceImages',
          valid: [[], [{ uri: IMG, tag: 'fox' }, { uri: IMG }, { uri: IMG, tag: 'a'.repeat(16) }]],
          invalid: [
            [{ uri: IMG }, { uri: IMG }, { uri: IMG }, { uri: IMG }],
            [{ uri: IMG, tag: 'ab' }],
            [{ uri: 'x' }],
          ],
        },
        seedRule,
      ],
    },
    gen4_image_turbo: {
      base: { promptText: 'a red fox', ratio: '1920:1080', referenceImages: [{ uri: IMG }] },
      rules: [
        oneOf('ratio', IMAGE_RATIOS),
        { field: 'referenceImages', required: true, valid: [[{ uri: IMG, tag: 'fox' }]], invalid: [[]] },
      ],
    },
  },
  character_performance: {
    act_two: {
      base: { character: { type: 'image', uri: IMG }, reference: { type: 'video', uri: VID } },
      rules: [
        {
          field: 'character',
          required: true,
          valid: [
            { type: 'image', uri: IMG },
            { type: 'video', uri: VID },
          ],
          invalid: [{ type: 'audio', uri: AUD }, { type: 'image', uri: 'http://x.y/z' }, IMG],
        },
        {
          field: 'reference',
          required: true,
          valid: [{ type: 'video', uri: VID }],
          invalid: [{ type: 'image', uri: IMG }, { type: 'video' }],
        },
        oneOf('ratio', GEN4_TURBO_RATIOS, false),
        bool('bodyControl'),
        int('expressionIntensity', 1, 5),
        seedRule,
      ],
    },
  },
  lip_sync: { gen4: lipSync, gen4_turbo: lipSync },
  video_upscale: {
    upscale_v1: { base: { videoUri: VID }, rules: [media('videoUri', 'video')] },
    magnific_video_upscaler_creative: {
      base: { videoUri: VID },
      rules: [
        media('videoUri', 'video'),
        oneOf('resolution', ['720p', '1k', '2k', '4k'], false),
        int('creativity', 0, 100),
        int('sharpen', 0, 100),
      ],
    },
  },
  frame_interpolation: {
    frame_interpolation_v1: { base: { videoUri: VID }, rules: [media('videoUri', 'video')] },
  },
  sound_effect: {
    sound_effect_v1: {
      base: { promptText: 'rain on a tin roof' },
      rules: [text('promptText', 3000), media('videoUri', 'video', false), num('duration', 0.5, 30)],
    },
    eleven_text_to_sound_v2: {
      base: { promptText: 'a door creaks' },
      rules: [text('promptText', 3000), num('duration', 0.5, 30), bool('loop')],
    },
    seed_audio: {
      base: { promptText: 'a choir' },
      rules: [
        text('promptText', 2048),
        int('pitchRate', -12, 12),
        intSet('sampleRate', [8000, 16000, 24000, 32000, 44100, 48000]),
        oneOf('outputFormat', ['wav', 'mp3', 'ogg_opus'], false),
      ],
    },
  },
};

function rejection(type: TaskType, input: unknown): ValidationError {
  const result = safeValidateTaskInput(type, input);
  if (result.success) throw new Error(`expected ${JSON.stringify(input).slice(0, 200)} to be rejected`);
  return result.error;
}

const short = (value: Json) => {
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 40 ? `${s.slice(0, 30)}…(${s.length})` : s;
};

describe('the registry', () => {
  it('holds the nine task types of the contract, each with its endpoint and models', () => {
    expect(TASK_TYPE_NAMES).toEqual([
      'text_to_video',
      'image_to_video',
      'video_to_video',
      'text_to_image',
      'character_performance',
      'lip_sync',
      'video_upscale',
      'frame_interpolation',
      'sound_effect',
    ]);
    for (const type of TASK_TYPE_NAMES) {
      expect(TASK_TYPES[type].endpoint).toBe(`POST /v1/${type}`);
      // The test table covers every model the registry has, and no other.
      expect(modelsOf(type).sort()).toEqual(Object.keys(CASES[type]).sort());
      for (const m of TASK_TYPES[type].contractModels) expect(modelsOf(type)).toContain(m);
    }
  });

  it('includes the first-party models the spec adds', () => {
    expect(modelsOf('video_to_video')).toContain('aleph2');
    expect(modelsOf('text_to_image')).toContain('gen4_image_turbo');
    expect(modelsOf('video_upscale')).toContain('magnific_video_upscaler_creative');
    expect(modelsOf('sound_effect')).toEqual(
      expect.arrayContaining(['eleven_text_to_sound_v2', 'seed_audio', 'sound_effect_v1']),
    );
  });
});

for (const type of TASK_TYPE_NAMES) {
  describe(type, () => {
    for (const [model, { base, rules }] of Object.entries(CASES[type])) {
      const input = (patch: Record<string, Json>): Record<string, Json> => ({ model, ...base, ...patch });

      describe(model, () => {
        it('accepts its minimal valid input unchanged', () => {
          expect(validateTaskInput(type, { model, ...base })).toEqual({ model, ...base });
        });

        it('rejects an unknown field, naming it', () => {
          const error = rejection(type, input({ colour: 'blue' }));
          expect(error.issues).toContainEqual(
            expect.objectContaining({ path: 'colour', code: 'unknown_field' }),
          );
        });

        for (const rule of rules) {
          it.each(rule.valid.map((v) => [short(v), v]))(`accepts ${rule.field} = %s`, (_, value) => {
            expect(safeValidateTaskInput(type, input({ [rule.field]: value })).success).toBe(true);
          });

          it.each(rule.invalid.map((v) => [short(v), v]))(`rejects ${rule.field} = %s`, (_, value) => {
            const error = rejection(type, input({ [rule.field]: value }));
            expect(isValidationError(error)).toBe(true);
            expect(error.issues.length).toBeGreaterThan(0);
            for (const issue of error.issues) {
              expect(issue.path === rule.field || issue.path.startsWith(`${rule.field}.`)).toBe(true);
              expect(issue.message.length).toBeGreaterThan(5);
            }
            expect(error.message).toContain(rule.field);
            expect(error.model).toBe(model);
          });

          if (rule.required) {
            it(`requires ${rule.field}`, () => {
              const { [rule.field]: _omitted, ...rest } = input({});
              const error = rejection(type, rest);
              expect(error.issues).toContainEqual(
                expect.objectContaining({ path: rule.field, code: 'required' }),
              );
            });
          } else {
            it(`lets ${rule.field} be left out`, () => {
              const { [rule.field]: _omitted, ...rest } = input({});
              expect(safeValidateTaskInput(type, rest).success).toBe(true);
            });
          }
        }
      });
    }
  });
}

describe('validation errors a person can act on', () => {
  it('names the allowed ratios and the model', () => {
    const error = rejection('text_to_video', {
      model: 'gen4.5',
      promptText: 'x',
      ratio: '1920:1080',
      duration: 5,
    });
    expect(error.message).toContain('ratio must be one of 1280:720, 720:1280');
    expect(error.message).toContain('gen4.5');
    expect(error.issues).toEqual([expect.objectContaining({ path: 'ratio', code: 'enum' })]);
  });

  it('reports an unknown task type and an unknown model', () => {
    expect(() => validateTaskInput('text_to_music' as TaskType, {})).toThrow(
      /Unknown task type "text_to_music"/,
    );
    const error = rejection('text_to_video', { model: 'gen9', promptText: 'x' });
    expect(error.issues).toEqual([expect.objectContaining({ path: 'model', code: 'enum' })]);
    expect(error.message).toContain('gen4.5, veo3.1, veo3.1_fast');
    expect(rejection('text_to_video', { promptText: 'x' }).issues[0]).toMatchObject({
      path: 'model',
      code: 'required',
    });
  });

  it('lists every problem at once', () => {
    const error = rejection('text_to_video', { model: 'gen4.5', promptText: '', ratio: '1:1', duration: 11 });
    expect(error.issues.map((i) => i.path).sort()).toEqual(['duration', 'promptText', 'ratio']);
  });

  it('refuses a body that is not an object', () => {
    for (const body of [null, 'text', [1], 3]) {
      expect(rejection('text_to_image', body).issues[0]).toMatchObject({ code: 'type' });
    }
  });
});
