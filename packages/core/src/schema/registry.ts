import { z } from 'zod';
import {
  contentModeration,
  imageOrVideoUri,
  intChoice,
  intRange,
  mediaUri,
  outputFormat,
  promptText,
  proresProfile,
  ratio,
  seed,
} from './fields.js';

/**
 * The task registry: one entry per Runway task type, holding its endpoint, the kind of media it
 * produces and a strict zod schema per model. The client's methods, the simulator's endpoints, the
 * Express routes, the Discord subcommands and the CLI's options are all derived from this table.
 *
 * Shapes and limits follow the API spec (version 2024-11-06). Where the public API lacks an
 * endpoint named by the library's contract (lip sync, frame interpolation, the legacy upscale and
 * sound-effect models), the contract's shape is used.
 */

const GEN4_TURBO_RATIOS = ['1280:720', '720:1280', '1104:832', '960:960', '832:1104', '1584:672'] as const;
const VEO_RATIOS = ['1280:720', '720:1280', '1080:1920', '1920:1080'] as const;
const GEN4_IMAGE_RATIOS = [
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
] as const;

const imageUri = () => mediaUri('image');
const videoUri = () => mediaUri('video');
const audioUri = () => mediaUri('audio');

/** `promptImage`: one image URI, or positioned keyframes (`first`, and `last` where the model allows). */
function promptImage<const P extends readonly ['first', ...('first' | 'last')[]]>(
  positions: P,
  maxItems: number,
) {
  return z.union([
    imageUri(),
    z
      .array(z.strictObject({ uri: imageUri(), position: z.enum(positions) }))
      .min(1)
      .max(maxItems),
  ]);
}

const model = <const M extends string>(name: M) => z.literal(name);

// ---------------------------------------------------------------------------------------------
// text_to_video

const gen45TextToVideo = z.strictObject({
  model: model('gen4.5'),
  promptText: promptText(1000),
  ratio: ratio(['1280:720', '720:1280']),
  duration: intRange(2, 10),
  seed: seed.optional(),
  contentModeration: contentModeration.optional(),
  outputFormat: outputFormat.optional(),
  proresProfile: proresProfile.optional(),
});

const veoTextToVideo = <const M extends 'veo3.1' | 'veo3.1_fast'>(name: M) =>
  z.strictObject({
    model: model(name),
    promptText: promptText(1000),
    ratio: ratio(VEO_RATIOS),
    duration: intChoice([4, 6, 8]).optional(),
    audio: z.boolean().optional(),
    negativePrompt: promptText(1000).optional(),
  });

// ---------------------------------------------------------------------------------------------
// image_to_video

const gen45ImageToVideo = z.strictObject({
  model: model('gen4.5'),
  promptText: promptText(1000),
  promptImage: promptImage(['first'], 1),
  ratio: ratio(GEN4_TURBO_RATIOS),
  duration: intRange(2, 10),
  seed: seed.optional(),
  contentModeration: contentModeration.optional(),
  outputFormat: outputFormat.optional(),
  proresProfile: proresProfile.optional(),
});

/** gen4_turbo's shape, which the contract also gives gen4 and gen4_aleph. */
const gen4TurboImageToVideo = <const M extends 'gen4' | 'gen4_turbo' | 'gen4_aleph'>(name: M) =>
  z.strictObject({
    model: model(name),
    promptImage: promptImage(['first'], 1),
    promptText: promptText(1000).optional(),
    ratio: ratio(GEN4_TURBO_RATIOS),
    duration: intRange(2, 10).optional(),
    seed: seed.optional(),
    contentModeration: contentModeration.optional(),
  });

const veoImageToVideo = <const M extends 'veo3.1' | 'veo3.1_fast'>(name: M) =>
  z.strictObject({
    model: model(name),
    promptImage: promptImage(['first', 'last'], 2),
    promptText: promptText(1000).optional(),
    ratio: ratio(VEO_RATIOS),
    duration: intChoice([4, 6, 8]).optional(),
    audio: z.boolean().optional(),
    negativePrompt: promptText(1000).optional(),
  });

// ---------------------------------------------------------------------------------------------
// video_to_video

const gen4AlephVideoToVideo = z.strictObject({
  model: model('gen4_aleph'),
  promptVideo: videoUri(),
  promptText: promptText(1000),
  ratio: ratio(GEN4_TURBO_RATIOS),
  seed: seed.optional(),
  contentModeration: contentModeration.optional(),
});

const keyframeRange = z.strictObject({
  start_seconds: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
  end_seconds: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
});

const aleph2VideoToVideo = z.strictObject({
  model: model('aleph2'),
  videoUri: videoUri(),
  promptText: promptText(1000).optional(),
  keyframes: z
    .array(
      z.union([
        z.strictObject({
          uri: imageUri(),
          seconds: z.number().min(0).max(30),
          range: keyframeRange.optional(),
        }),
        z.strictObject({ uri: imageUri(), at: z.number().min(0).max(1), range: keyframeRange.optional() }),
      ]),
    )
    .min(1)
    .max(5)
    .optional(),
  seed: seed.optional(),
  ratio: z.string().optional(),
  targetAspectRatio: z.enum(['16:9', '4:3', '3:2', '1:1', '2:3', '3:4', '9:16', '21:9']).optional(),
  contentModeration: contentModeration.optional(),
  outputFormat: outputFormat.optional(),
  proresProfile: proresProfile.optional(),
});

// ---------------------------------------------------------------------------------------------
// text_to_image

const referenceImage = z.strictObject({ uri: imageUri(), tag: z.string().min(3).max(16).optional() });

const gen4ImageTextToImage = z.strictObject({
  model: model('gen4_image'),
  promptText: promptText(1000),
  ratio: ratio(GEN4_IMAGE_RATIOS),
  referenceImages: z.array(referenceImage).max(3).optional(),
  seed: seed.optional(),
  contentModeration: contentModeration.optional(),
});

const gen4ImageTurboTextToImage = z.strictObject({
  model: model('gen4_image_turbo'),
  promptText: promptText(1000),
  ratio: ratio(GEN4_IMAGE_RATIOS),
  referenceImages: z.array(referenceImage).min(1).max(3),
  seed: seed.optional(),
  contentModeration: contentModeration.optional(),
});

// ---------------------------------------------------------------------------------------------
// character_performance

const actTwo = z.strictObject({
  model: model('act_two'),
  character: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('image'), uri: imageUri() }),
    z.strictObject({ type: z.literal('video'), uri: videoUri() }),
  ]),
  reference: z.strictObject({ type: z.literal('video'), uri: videoUri() }),
  ratio: ratio(GEN4_TURBO_RATIOS).optional(),
  bodyControl: z.boolean().optional(),
  expressionIntensity: intRange(1, 5).optional(),
  seed: seed.optional(),
  contentModeration: contentModeration.optional(),
});

// ---------------------------------------------------------------------------------------------
// lip_sync (contract shape: not in the public API)

const lipSync = <const M extends 'gen4' | 'gen4_turbo'>(name: M) =>
  z.strictObject({ model: model(name), input: imageOrVideoUri(), audio: audioUri() });

// ---------------------------------------------------------------------------------------------
// video_upscale, frame_interpolation

const upscaleV1 = z.strictObject({ model: model('upscale_v1'), videoUri: videoUri() });

const magnificUpscaler = z.strictObject({
  model: model('magnific_video_upscaler_creative'),
  videoUri: videoUri(),
  resolution: z.enum(['720p', '1k', '2k', '4k']).optional(),
  creativity: intRange(0, 100).optional(),
  sharpen: intRange(0, 100).optional(),
  smartGrain: intRange(0, 100).optional(),
  flavor: z.enum(['vivid', 'natural']).optional(),
  fpsBoost: z.boolean().optional(),
});

const frameInterpolationV1 = z.strictObject({ model: model('frame_interpolation_v1'), videoUri: videoUri() });

// ---------------------------------------------------------------------------------------------
// sound_effect

const soundEffectV1 = z.strictObject({
  model: model('sound_effect_v1'),
  promptText: promptText(3000),
  videoUri: videoUri().optional(),
  duration: z.number().min(0.5).max(30).optional(),
});

const elevenTextToSound = z.strictObject({
  model: model('eleven_text_to_sound_v2'),
  promptText: promptText(3000),
  duration: z.number().min(0.5).max(30).optional(),
  loop: z.boolean().optional(),
});

const seedAudio = z.strictObject({
  model: model('seed_audio'),
  promptText: promptText(2048),
  referenceAudios: z.array(audioUri()).max(3).optional(),
  speechRate: intRange(-50, 100).optional(),
  loudnessRate: intRange(-50, 100).optional(),
  pitchRate: intRange(-12, 12).optional(),
  sampleRate: intChoice([8000, 16000, 24000, 32000, 44100, 48000]).optional(),
  outputFormat: z.enum(['wav', 'mp3', 'ogg_opus']).optional(),
});

// ---------------------------------------------------------------------------------------------
// The table

/** The media a task type produces. */
export type OutputKind = 'image' | 'video' | 'audio';

type ModelSchema = z.ZodObject<{ model: z.ZodLiteral<string> } & z.ZodRawShape>;

export interface TaskTypeDefinition<
  Name extends string = string,
  Models extends Record<string, ModelSchema> = Record<string, ModelSchema>,
> {
  /** Registry key and wire path segment, e.g. `text_to_video`. */
  readonly name: Name;
  /** Human title, e.g. `Text to Video`. */
  readonly title: string;
  /** HTTP method and path relative to the API base URL. */
  readonly endpoint: `POST /v1/${Name}`;
  /** Client method name, e.g. `textToVideo`. */
  readonly method: string;
  readonly output: OutputKind;
  /** Seed contract's models first, then the first-party models the spec adds for this endpoint. */
  readonly models: Models;
  /** The models the library's contract names (a subset of `models`). */
  readonly contractModels: readonly (keyof Models & string)[];
}

function defineTaskType<const Name extends string, const Models extends Record<string, ModelSchema>>(
  definition: Omit<TaskTypeDefinition<Name, Models>, 'endpoint' | 'method'>,
): TaskTypeDefinition<Name, Models> & { readonly method: CamelCase<Name> } {
  return {
    ...definition,
    endpoint: `POST /v1/${definition.name}`,
    method: definition.name.replace(/_(\w)/g, (_, c: string) => c.toUpperCase()) as CamelCase<Name>,
  };
}

export type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

export const TASK_TYPES = {
  text_to_video: defineTaskType({
    name: 'text_to_video',
    title: 'Text to Video',
    output: 'video',
    models: {
      'gen4.5': gen45TextToVideo,
      'veo3.1': veoTextToVideo('veo3.1'),
      'veo3.1_fast': veoTextToVideo('veo3.1_fast'),
    },
    contractModels: ['gen4.5', 'veo3.1', 'veo3.1_fast'],
  }),
  image_to_video: defineTaskType({
    name: 'image_to_video',
    title: 'Image to Video',
    output: 'video',
    models: {
      gen4: gen4TurboImageToVideo('gen4'),
      gen4_turbo: gen4TurboImageToVideo('gen4_turbo'),
      'gen4.5': gen45ImageToVideo,
      gen4_aleph: gen4TurboImageToVideo('gen4_aleph'),
      'veo3.1': veoImageToVideo('veo3.1'),
      'veo3.1_fast': veoImageToVideo('veo3.1_fast'),
    },
    contractModels: ['gen4', 'gen4_turbo', 'gen4.5', 'gen4_aleph'],
  }),
  video_to_video: defineTaskType({
    name: 'video_to_video',
    title: 'Video to Video',
    output: 'video',
    models: { gen4_aleph: gen4AlephVideoToVideo, aleph2: aleph2VideoToVideo },
    contractModels: ['gen4_aleph'],
  }),
  text_to_image: defineTaskType({
    name: 'text_to_image',
    title: 'Text to Image',
    output: 'image',
    models: { gen4_image: gen4ImageTextToImage, gen4_image_turbo: gen4ImageTurboTextToImage },
    contractModels: ['gen4_image'],
  }),
  character_performance: defineTaskType({
    name: 'character_performance',
    title: 'Character Performance',
    output: 'video',
    models: { act_two: actTwo },
    contractModels: ['act_two'],
  }),
  lip_sync: defineTaskType({
    name: 'lip_sync',
    title: 'Lip Sync',
    output: 'video',
    models: { gen4: lipSync('gen4'), gen4_turbo: lipSync('gen4_turbo') },
    contractModels: ['gen4', 'gen4_turbo'],
  }),
  video_upscale: defineTaskType({
    name: 'video_upscale',
    title: 'Video Upscale',
    output: 'video',
    models: { upscale_v1: upscaleV1, magnific_video_upscaler_creative: magnificUpscaler },
    contractModels: ['upscale_v1'],
  }),
  frame_interpolation: defineTaskType({
    name: 'frame_interpolation',
    title: 'Frame Interpolation',
    output: 'video',
    models: { frame_interpolation_v1: frameInterpolationV1 },
    contractModels: ['frame_interpolation_v1'],
  }),
  sound_effect: defineTaskType({
    name: 'sound_effect',
    title: 'Sound Effect',
    output: 'audio',
    models: {
      sound_effect_v1: soundEffectV1,
      eleven_text_to_sound_v2: elevenTextToSound,
      seed_audio: seedAudio,
    },
    contractModels: ['sound_effect_v1'],
  }),
} as const;

export type TaskTypes = typeof TASK_TYPES;
/** `text_to_video` | `image_to_video` | … */
export type TaskType = keyof TaskTypes;
/** The model names of one task type. */
export type ModelName<T extends TaskType> = keyof TaskTypes[T]['models'] & string;
/** The schema of one model of one task type. */
export type ModelSchemaOf<T extends TaskType, M extends ModelName<T>> = TaskTypes[T]['models'][M];
/** What a caller passes for task type `T`: a union discriminated on `model`. */
export type TaskInput<T extends TaskType> = {
  [M in ModelName<T>]: z.input<ModelSchemaOf<T, M>>;
}[ModelName<T>];
/** What validation returns for task type `T` (the body sent on the wire). */
export type ValidTaskInput<T extends TaskType> = {
  [M in ModelName<T>]: z.output<ModelSchemaOf<T, M>>;
}[ModelName<T>];
/** The input of one model. */
export type ModelInput<T extends TaskType, M extends ModelName<T>> = z.input<ModelSchemaOf<T, M>>;

/** All task type names, in registry order. */
export const TASK_TYPE_NAMES = Object.keys(TASK_TYPES) as TaskType[];

export function isTaskType(value: unknown): value is TaskType {
  return typeof value === 'string' && Object.hasOwn(TASK_TYPES, value);
}

/** The registry entry of a task type (typed loosely, for code that iterates over all of them). */
export function getTaskType(type: TaskType): TaskTypeDefinition {
  return TASK_TYPES[type] as unknown as TaskTypeDefinition;
}

/** The model names of a task type, in registry order. */
export function modelsOf<T extends TaskType>(type: T): ModelName<T>[] {
  return Object.keys(TASK_TYPES[type].models) as ModelName<T>[];
}

/** The zod schema of one model, or `undefined` when the task type has no such model. */
export function modelSchema(type: TaskType, model: string): ModelSchema | undefined {
  const models = getTaskType(type).models;
  return Object.hasOwn(models, model) ? models[model] : undefined;
}

/** The JSON Schema of one model's input: what forms, Discord options and CLI help are built from. */
export function modelJsonSchema(type: TaskType, model: string): Record<string, unknown> | undefined {
  const schema = modelSchema(type, model);
  return schema
    ? (z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>)
    : undefined;
}
