import { describe, expect, it } from 'vitest';
import { describeModel, describeRegistry } from './describe.js';
import { modelsOf, TASK_TYPE_NAMES } from './registry.js';

const field = (type: Parameters<typeof describeModel>[0], model: string, name: string) =>
  describeModel(type, model)?.fields.find((f) => f.name === name);

describe('describeModel', () => {
  it('reads limits back from the schemas, for forms, Discord options and CLI help', () => {
    expect(field('text_to_video', 'gen4.5', 'promptText')).toMatchObject({
      kind: 'text',
      required: true,
      minLength: 1,
      maxLength: 1000,
      prompt: true,
    });
    expect(field('text_to_video', 'gen4.5', 'ratio')).toMatchObject({
      kind: 'enum',
      required: true,
      values: ['1280:720', '720:1280'],
      ratio: true,
    });
    expect(field('text_to_video', 'gen4.5', 'duration')).toMatchObject({ kind: 'integer', min: 2, max: 10 });
    expect(field('text_to_video', 'veo3.1', 'duration')).toMatchObject({
      required: false,
      values: [4, 6, 8],
    });
    expect(field('text_to_video', 'veo3.1', 'audio')).toMatchObject({ kind: 'boolean' });
    expect(field('sound_effect', 'sound_effect_v1', 'duration')).toMatchObject({
      kind: 'number',
      min: 0.5,
      max: 30,
    });
    expect(field('text_to_video', 'gen4.5', 'seed')).toMatchObject({
      kind: 'integer',
      min: 0,
      max: 4_294_967_295,
    });
  });

  it('names every media kind a field accepts', () => {
    expect(field('image_to_video', 'gen4.5', 'promptImage')).toMatchObject({
      kind: 'media',
      media: 'image',
      list: true,
    });
    expect(field('character_performance', 'act_two', 'character')).toMatchObject({ media: 'image|video' });
    expect(field('character_performance', 'act_two', 'reference')).toMatchObject({ media: 'video' });
    expect(field('lip_sync', 'gen4', 'input')).toMatchObject({ media: 'image|video' });
    expect(field('lip_sync', 'gen4', 'audio')).toMatchObject({ media: 'audio' });
  });

  it('describes every model of every task type, and nothing else', () => {
    const registry = describeRegistry();
    expect(registry.map((t) => t.name)).toEqual(TASK_TYPE_NAMES);
    for (const type of registry) {
      expect(type.models.map((m) => m.model)).toEqual(modelsOf(type.name));
      for (const model of type.models) expect(model.fields.length).toBeGreaterThan(0);
    }
    expect(describeModel('text_to_video', 'gen9')).toBeUndefined();
  });
});
