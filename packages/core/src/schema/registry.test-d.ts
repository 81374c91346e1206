import { describe, expectTypeOf, it } from 'vitest';
import type { RunwayClient } from '../client/types.js';
import type { ModelInput, ModelName, TaskInput, ValidTaskInput } from './registry.js';
import { validateTaskInput } from './validate.js';

describe('inferred input types', () => {
  it('rejects a ratio the model does not have', () => {
    // @ts-expect-error gen4.5 text-to-video has only 1280:720 and 720:1280
    const bad: TaskInput<'text_to_video'> = {
      model: 'gen4.5',
      promptText: 'x',
      ratio: '1920:1080',
      duration: 5,
    };
    const good: TaskInput<'text_to_video'> = { model: 'veo3.1', promptText: 'x', ratio: '1920:1080' };
    expectTypeOf(bad).toHaveProperty('model');
    expectTypeOf(good.model).toEqualTypeOf<'veo3.1'>();
  });

  it('discriminates on model', () => {
    expectTypeOf<ModelName<'text_to_video'>>().toEqualTypeOf<'gen4.5' | 'veo3.1' | 'veo3.1_fast'>();
    expectTypeOf<ModelInput<'text_to_video', 'gen4.5'>['duration']>().toEqualTypeOf<number>();
    expectTypeOf<ModelInput<'text_to_video', 'veo3.1'>['duration']>().toEqualTypeOf<4 | 6 | 8 | undefined>();
    expectTypeOf<ModelInput<'image_to_video', 'gen4_turbo'>['ratio']>().toEqualTypeOf<
      '1280:720' | '720:1280' | '1104:832' | '960:960' | '832:1104' | '1584:672'
    >();
  });

  it('infers lip_sync output with input and audio', () => {
    const valid = validateTaskInput('lip_sync', {
      model: 'gen4',
      input: 'https://a.co/x.png',
      audio: 'https://a.co/a.mp3',
    });
    expectTypeOf(valid).toEqualTypeOf<ValidTaskInput<'lip_sync'>>();
    expectTypeOf<(typeof valid)['input']>().toEqualTypeOf<string>();
    expectTypeOf<(typeof valid)['audio']>().toEqualTypeOf<string>();
    expectTypeOf<(typeof valid)['model']>().toEqualTypeOf<'gen4' | 'gen4_turbo'>();
  });

  it('types character_performance objects', () => {
    type Character = ModelInput<'character_performance', 'act_two'>['character'];
    expectTypeOf<Character>().toEqualTypeOf<
      { type: 'image'; uri: string } | { type: 'video'; uri: string }
    >();
  });

  it('types the client methods from the registry', () => {
    expectTypeOf<RunwayClient['textToVideo']>().parameter(0).toEqualTypeOf<TaskInput<'text_to_video'>>();
    expectTypeOf<RunwayClient['lipSync']>().parameter(0).toEqualTypeOf<TaskInput<'lip_sync'>>();
    // @ts-expect-error no such task type
    expectTypeOf<RunwayClient['textToMusic']>().toBeFunction();
  });
});
