import type { ModelInput, TaskInput } from '@runway-rx/core';
import { expectTypeOf, test } from 'vitest';
import { sampleInput } from './sample-input.js';

test('sampleInput is typed by task type and model', () => {
  expectTypeOf(sampleInput('text_to_video')).toEqualTypeOf<TaskInput<'text_to_video'>>();
  expectTypeOf(sampleInput('text_to_video', 'gen4.5')).toEqualTypeOf<ModelInput<'text_to_video', 'gen4.5'>>();
  expectTypeOf(
    sampleInput('lip_sync', 'gen4', { audio: 'data:audio/wav;base64,' }).audio,
  ).toEqualTypeOf<string>();
  // @ts-expect-error: no such model for the task type
  sampleInput('text_to_image', 'gen4.5');
  // @ts-expect-error: overrides are the model's fields
  sampleInput('video_upscale', 'upscale_v1', { promptText: 'x' });
});
