import { describeModel, safeValidateTaskInput, TASK_TYPE_NAMES } from '@runway-rx/core';
import {
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandSubcommandOption,
  ApplicationCommandOptionType,
} from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import {
  buildInput,
  DISCORD_COMMAND_LIMITS,
  DISCORD_NAME_PATTERN,
  planCommand,
  type SubcommandPlan,
} from './command-data.js';
import type { AttachmentRef, OptionValue } from './interaction.js';

const plan = planCommand('runway');
const json = plan.json;
const subcommands = (json.options ?? []) as APIApplicationCommandSubcommandOption[];

const file = (filename: string, contentType: string): AttachmentRef => ({
  url: `https://cdn.discordapp.com/attachments/1/2/${filename}`,
  filename,
  contentType,
  size: 2048,
});

const sub = (name: string) => plan.subcommand(name) as SubcommandPlan;

describe('the command JSON respects Discord’s limits', () => {
  it('names the command and every subcommand and option within 1–32 lowercase characters', () => {
    expect(json.name).toMatch(DISCORD_NAME_PATTERN);
    for (const subcommand of subcommands) {
      expect(subcommand.name).toMatch(DISCORD_NAME_PATTERN);
      for (const option of subcommand.options ?? []) expect(option.name).toMatch(DISCORD_NAME_PATTERN);
    }
  });

  it('keeps every description between 1 and 100 characters', () => {
    const descriptions = [
      json.description,
      ...subcommands.flatMap((s) => [s.description, ...(s.options ?? []).map((o) => o.description)]),
    ];
    for (const description of descriptions) {
      expect(description.length).toBeGreaterThan(0);
      expect(description.length).toBeLessThanOrEqual(DISCORD_COMMAND_LIMITS.descriptionLength);
    }
  });

  it('has at most 25 subcommands, 25 options each, 25 choices each, unique names', () => {
    expect(subcommands.length).toBeLessThanOrEqual(DISCORD_COMMAND_LIMITS.options);
    for (const subcommand of subcommands) {
      const options = (subcommand.options ?? []) as APIApplicationCommandBasicOption[];
      expect(options.length).toBeLessThanOrEqual(DISCORD_COMMAND_LIMITS.options);
      expect(new Set(options.map((o) => o.name)).size).toBe(options.length);
      for (const option of options) {
        const choices = 'choices' in option ? (option.choices ?? []) : [];
        expect(choices.length).toBeLessThanOrEqual(DISCORD_COMMAND_LIMITS.choices);
        for (const choice of choices) expect(choice.name.length).toBeLessThanOrEqual(100);
        // Discord refuses options that both autocomplete and list choices.
        if ('autocomplete' in option && option.autocomplete) expect(choices).toEqual([]);
        if (option.type === ApplicationCommandOptionType.String) {
          expect(option.max_length ?? 0).toBeLessThanOrEqual(DISCORD_COMMAND_LIMITS.stringMaxLength);
        }
        if (option.type === ApplicationCommandOptionType.Integer) {
          expect(Math.abs(option.max_value ?? 0)).toBeLessThanOrEqual(2 ** 53);
          expect(Math.abs(option.min_value ?? 0)).toBeLessThanOrEqual(2 ** 53);
        }
      }
    }
  });

  it('lists required options before optional ones', () => {
    for (const subcommand of subcommands) {
      const required = (subcommand.options ?? []).map((o) => Boolean(o.required));
      expect(required).toEqual([...required].sort((a, b) => Number(b) - Number(a)));
    }
  });

  it('refuses a command name Discord would refuse', () => {
    expect(() => planCommand('Runway')).toThrow(RangeError);
    expect(() => planCommand('a'.repeat(33))).toThrow(RangeError);
  });
});

describe('the command is derived from the registry', () => {
  it('has one kebab-case subcommand per task type', () => {
    expect(subcommands.map((s) => s.name)).toEqual(TASK_TYPE_NAMES.map((type) => type.replace(/_/g, '-')));
  });

  it('offers every model as a choice, the contract model as default', () => {
    const model = sub('text-to-video').json.options?.find((o) => o.name === 'model');
    expect(model).toMatchObject({
      type: ApplicationCommandOptionType.String,
      required: false,
      choices: [
        { name: 'gen4.5 (default)', value: 'gen4.5' },
        { name: 'veo3.1', value: 'veo3.1' },
        { name: 'veo3.1_fast', value: 'veo3.1_fast' },
      ],
    });
  });

  it('builds text-to-video from the schemas: prompt, ratio by autocomplete, duration and seed ranges', () => {
    const options = Object.fromEntries((sub('text-to-video').json.options ?? []).map((o) => [o.name, o]));
    expect(options.prompt).toMatchObject({ type: 3, required: true, min_length: 1, max_length: 1000 });
    expect(options.ratio).toMatchObject({ type: 3, required: true, autocomplete: true });
    expect(options.duration).toMatchObject({ type: 4, required: false, min_value: 2, max_value: 10 });
    expect(options.seed).toMatchObject({ type: 4, min_value: 0, max_value: 4_294_967_295 });
    expect(options.audio).toMatchObject({ type: ApplicationCommandOptionType.Boolean });
  });

  it('turns media fields into attachment options', () => {
    const types = (name: string) =>
      Object.fromEntries((sub(name).json.options ?? []).map((o) => [o.name, o.type]));
    const attachment = ApplicationCommandOptionType.Attachment;
    expect(types('image-to-video')).toMatchObject({ image: attachment });
    expect(types('video-to-video')).toMatchObject({ video: attachment });
    expect(types('lip-sync')).toMatchObject({ face: attachment, audio: attachment });
    expect(types('character-performance')).toMatchObject({ character: attachment, reference: attachment });
    expect(types('text-to-image')).toMatchObject({ reference: attachment });
    expect(types('sound-effect')).toMatchObject({ video: attachment, 'reference-audio': attachment });
  });

  it('suggests ratios per model', () => {
    const ratio = sub('text-to-video').option('ratio');
    expect(ratio?.suggestions('gen4.5')).toEqual(['1280:720', '720:1280']);
    expect(ratio?.suggestions('veo3.1')).toEqual(['1280:720', '720:1280', '1080:1920', '1920:1080']);
  });
});

describe('options become the chosen model’s input', () => {
  const options = (entries: Record<string, OptionValue>) => new Map(Object.entries(entries));

  it('maps option names to field names, with the default model', () => {
    const built = buildInput(
      sub('text-to-video'),
      options({ prompt: 'a red kite', ratio: '1280:720', duration: 5, seed: 3 }),
    );
    expect(built.issues).toEqual([]);
    expect(built.input).toEqual({
      model: 'gen4.5',
      promptText: 'a red kite',
      ratio: '1280:720',
      duration: 5,
      seed: 3,
    });
  });

  it('shapes attachments the way each field wants them', () => {
    expect(
      buildInput(sub('image-to-video'), options({ image: file('a.png', 'image/png') })).input,
    ).toMatchObject({
      promptImage: 'https://cdn.discordapp.com/attachments/1/2/a.png',
    });
    expect(
      buildInput(sub('text-to-image'), options({ reference: file('r.jpg', 'image/jpeg') })).input,
    ).toMatchObject({
      referenceImages: [{ uri: 'https://cdn.discordapp.com/attachments/1/2/r.jpg' }],
    });
    expect(
      buildInput(sub('character-performance'), options({ character: file('me.png', 'image/png') })).input,
    ).toMatchObject({
      character: { type: 'image', uri: 'https://cdn.discordapp.com/attachments/1/2/me.png' },
    });
    expect(
      buildInput(
        sub('sound-effect'),
        options({ model: 'seed_audio', 'reference-audio': file('voice.mp3', 'audio/mpeg') }),
      ).input,
    ).toMatchObject({ referenceAudios: ['https://cdn.discordapp.com/attachments/1/2/voice.mp3'] });
    // One option, a different field per model.
    expect(
      buildInput(sub('video-to-video'), options({ model: 'aleph2', video: file('v.mp4', 'video/mp4') }))
        .input,
    ).toMatchObject({ videoUri: 'https://cdn.discordapp.com/attachments/1/2/v.mp4' });
  });

  it('reports options the chosen model does not use, and files of the wrong kind', () => {
    const built = buildInput(
      sub('image-to-video'),
      options({ model: 'gen4_turbo', audio: true, image: file('clip.mp4', 'video/mp4') }),
    );
    expect(built.issues).toEqual([
      { path: 'audio', code: 'unknown_field', message: 'is not used by gen4_turbo' },
      { path: 'image', code: 'media_type', message: 'must be an image file (got video/mp4)' },
    ]);
    expect(buildInput(sub('lip-sync'), options({ face: file('f.mp4', 'video/mp4') })).issues).toEqual([]);
  });

  it('names problems by option, not by field', () => {
    const built = buildInput(sub('image-to-video'), options({ image: file('a.png', 'image/png') }));
    expect(built.optionOf('promptImage.0.uri')).toBe('image');
    expect(built.optionOf('promptText')).toBe('prompt');
    expect(built.optionOf('model')).toBe('model');
  });

  it('produces valid input for every model from its required fields', () => {
    for (const subcommand of plan.subcommands) {
      for (const model of subcommand.models) {
        const values = new Map<string, OptionValue>([['model', model]]);
        for (const option of subcommand.options) {
          const binding = option.bindings.get(model);
          if (!binding?.spec.required) continue;
          const spec = binding.spec;
          let value: OptionValue;
          if (option.kind === 'attachment') {
            const kind = binding.media[0] as string;
            value = file(`input.${kind === 'image' ? 'png' : kind === 'video' ? 'mp4' : 'mp3'}`, `${kind}/x`);
          } else if (spec.values?.[0] !== undefined) value = spec.values[0];
          else if (spec.kind === 'integer' || spec.kind === 'number') value = spec.min ?? 1;
          else if (spec.kind === 'boolean') value = true;
          else value = 'a lighthouse on a cliff';
          values.set(option.name, value);
        }
        const built = buildInput(subcommand, values);
        expect(built.issues, `${subcommand.name} ${model}`).toEqual([]);
        const result = safeValidateTaskInput(subcommand.taskType, built.input);
        expect(result.success ? [] : result.error.issues, `${subcommand.name} ${model}`).toEqual([]);
        // Every required field of the model has an option that fills it.
        const required = describeModel(subcommand.taskType, model)?.fields.filter((f) => f.required) ?? [];
        for (const field of required) expect(built.input).toHaveProperty(field.name);
      }
    }
  });
});
