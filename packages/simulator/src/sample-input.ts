import type { ModelInput, ModelName, TaskInput, TaskType } from '@runway-rx/core';
import { TASK_TYPES } from '@runway-rx/core';
import { gradientPng, sampleMp4, toneWavFile } from './media/media.js';

const toDataUri = (mediaType: string, bytes: Uint8Array) =>
  `data:${mediaType};base64,${Buffer.from(bytes).toString('base64')}`;

/** Small, real media as data URIs, valid wherever a media field takes that kind. */
export const SAMPLE_MEDIA = {
  image: toDataUri('image/png', gradientPng('sample', 16, 9)),
  video: toDataUri('video/mp4', sampleMp4()),
  audio: toDataUri('audio/wav', toneWavFile('sample', 0.25)),
} as const;

const PROMPT = 'A lighthouse on a cliff at dusk, waves rolling in below';

type SampleTable = { readonly [T in TaskType]: { readonly [M in ModelName<T>]: ModelInput<T, M> } };

const { image, video, audio } = SAMPLE_MEDIA;

const SAMPLES: SampleTable = {
  text_to_video: {
    'gen4.5': { model: 'gen4.5', promptText: PROMPT, ratio: '1280:720', duration: 5 },
    'veo3.1': { model: 'veo3.1', promptText: PROMPT, ratio: '1280:720', duration: 4 },
    'veo3.1_fast': { model: 'veo3.1_fast', promptText: PROMPT, ratio: '1280:720', duration: 4 },
  },
  image_to_video: {
    gen4: { model: 'gen4', promptImage: image, promptText: PROMPT, ratio: '1280:720', duration: 5 },
    gen4_turbo: {
      model: 'gen4_turbo',
      promptImage: image,
      promptText: PROMPT,
      ratio: '1280:720',
      duration: 5,
    },
    'gen4.5': { model: 'gen4.5', promptImage: image, promptText: PROMPT, ratio: '1280:720', duration: 5 },
    gen4_aleph: {
      model: 'gen4_aleph',
      promptImage: image,
      promptText: PROMPT,
      ratio: '1280:720',
      duration: 5,
    },
    'veo3.1': { model: 'veo3.1', promptImage: image, promptText: PROMPT, ratio: '1280:720', duration: 4 },
    'veo3.1_fast': {
      model: 'veo3.1_fast',
      promptImage: image,
      promptText: PROMPT,
      ratio: '1280:720',
      duration: 4,
    },
  },
  video_to_video: {
    gen4_aleph: { model: 'gen4_aleph', promptVideo: video, promptText: PROMPT, ratio: '1280:720' },
    aleph2: { model: 'aleph2', videoUri: video, promptText: PROMPT },
  },
  text_to_image: {
    gen4_image: { model: 'gen4_image', promptText: PROMPT, ratio: '1920:1080' },
    gen4_image_turbo: {
      model: 'gen4_image_turbo',
      promptText: PROMPT,
      ratio: '1920:1080',
      referenceImages: [{ uri: image, tag: 'style' }],
    },
  },
  character_performance: {
    act_two: {
      model: 'act_two',
      character: { type: 'image', uri: image },
      reference: { type: 'video', uri: video },
      ratio: '1280:720',
    },
  },
  lip_sync: {
    gen4: { model: 'gen4', input: image, audio },
    gen4_turbo: { model: 'gen4_turbo', input: video, audio },
  },
  video_upscale: {
    upscale_v1: { model: 'upscale_v1', videoUri: video },
    magnific_video_upscaler_creative: { model: 'magnific_video_upscaler_creative', videoUri: video },
  },
  frame_interpolation: {
    frame_interpolation_v1: { model: 'frame_interpolation_v1', videoUri: video },
  },
  sound_effect: {
    sound_effect_v1: { model: 'sound_effect_v1', promptText: 'Waves crashing on rocks', duration: 2 },
    eleven_text_to_sound_v2: { model: 'eleven_text_to_sound_v2', promptText: 'Waves crashing on rocks' },
    seed_audio: { model: 'seed_audio', promptText: 'Waves crashing on rocks' },
  },
};

/**
 * A valid input for a task type and model (default: the type's first model), with small real media
 * as data URIs, so tests can create any kind of task without files or network. `overrides` are
 * merged over it, e.g. `{ promptText: '[fail] a storm' }`.
 */
export function sampleInput<T extends TaskType>(type: T): TaskInput<T>;
export function sampleInput<T extends TaskType, M extends ModelName<T>>(
  type: T,
  model: M,
  overrides?: Partial<ModelInput<T, M>>,
): ModelInput<T, M>;
export function sampleInput(type: TaskType, model?: string, overrides?: object): unknown {
  const models = SAMPLES[type] as Readonly<Record<string, object>>;
  const name = model ?? (TASK_TYPES[type].contractModels[0] as string);
  const sample = Object.hasOwn(models, name) ? models[name] : undefined;
  if (!sample) throw new RangeError(`No model "${name}" for task type ${type}`);
  return structuredClone({ ...sample, ...overrides });
}
