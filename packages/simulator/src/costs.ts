import type { TaskType } from '@runway-rx/core';

/**
 * Credits per second of output, per model, close to Runway's published prices (1 credit = $0.01).
 * Image and audio models cost per generation.
 */
const PER_SECOND: Readonly<Record<string, number>> = {
  'gen4.5': 12,
  gen4: 12,
  gen4_turbo: 5,
  gen4_aleph: 15,
  aleph2: 15,
  'veo3.1': 40,
  'veo3.1_fast': 15,
  act_two: 5,
  upscale_v1: 2,
  magnific_video_upscaler_creative: 4,
  frame_interpolation_v1: 1,
};

const DEFAULT_DURATION: Partial<Record<string, number>> = { 'veo3.1': 8, 'veo3.1_fast': 8 };

/** Seconds of output assumed when the input does not say (a reference or source video's length). */
const ASSUMED_SECONDS = 10;

function numberField(input: Readonly<Record<string, unknown>>, name: string): number | undefined {
  const value = input[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The credits a task is expected to cost: what PENDING, THROTTLED and RUNNING tasks report. */
export function estimateCredits(
  type: TaskType,
  model: string,
  input: Readonly<Record<string, unknown>>,
): number {
  switch (type) {
    case 'text_to_image': {
      const ratio = typeof input.ratio === 'string' ? input.ratio : '1280:720';
      const [w = 0, h = 0] = ratio.split(':').map(Number);
      const large = w * h > 1280 * 720;
      if (model === 'gen4_image_turbo') return 2;
      return large ? 8 : 5;
    }
    case 'sound_effect': {
      const seconds = numberField(input, 'duration') ?? 5;
      return Math.max(1, Math.ceil(seconds / 6));
    }
    case 'lip_sync':
      return 5 * ASSUMED_SECONDS;
    default: {
      const seconds = numberField(input, 'duration') ?? DEFAULT_DURATION[model] ?? ASSUMED_SECONDS;
      const rate = PER_SECOND[model] ?? 10;
      const withAudio = model.startsWith('veo') && input.audio === false ? 0.5 : 1;
      return Math.ceil(rate * seconds * withAudio);
    }
  }
}
