import {
  describeModel,
  type FieldSpec,
  getTaskType,
  modelJsonSchema,
  modelsOf,
  TASK_TYPE_NAMES,
  type TaskType,
  type ValidationIssue,
} from '@runway-rx/core';
import {
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandSubcommandOption,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord-api-types/v10';
import type { AttachmentRef, OptionValue } from './interaction.js';

/**
 * The slash command, derived from core's task registry: one subcommand per task type, one option
 * per input field (merged across the type's models), each option knowing how to become the field
 * of whichever model the user picked. A new model or field in the registry shows up here by itself.
 */

/** Discord's hard limits on application commands. */
export const DISCORD_COMMAND_LIMITS = {
  nameLength: 32,
  descriptionLength: 100,
  options: 25,
  choices: 25,
  choiceNameLength: 100,
  stringMaxLength: 6000,
  autocompleteChoices: 25,
} as const;

/** Names Discord accepts for commands and options (lowercase, 1–32 characters). */
export const DISCORD_NAME_PATTERN = /^[-_\p{Ll}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

/** Option names that read better than the field's kebab-cased name. */
const OPTION_NAMES: Readonly<Record<string, string>> = {
  promptText: 'prompt',
  promptImage: 'image',
  promptVideo: 'video',
  videoUri: 'video',
  referenceImages: 'reference',
  referenceAudios: 'reference-audio',
  input: 'face',
};

/** Descriptions by option name (and kind where one name means different things). */
const DESCRIPTIONS: Readonly<Record<string, string>> = {
  prompt: 'What to generate',
  'negative-prompt': 'What to leave out',
  ratio: 'Output size as width:height (suggestions follow the model)',
  duration: 'Length in seconds',
  seed: 'Seed, to reproduce a result',
  image: 'Image to start from',
  video: 'Input video',
  'audio:attachment': 'Audio track (speech) to sync to',
  'audio:boolean': 'Generate sound too',
  face: 'Face to animate: an image or a video',
  character: 'Character to animate: an image or a video',
  'reference-audio': 'Reference audio',
  'body-control': 'Animate the body as well as the face',
  'expression-intensity': 'How strongly expressions carry over',
  'output-format': 'File format of the result',
  'prores-profile': 'ProRes profile (with output-format prores)',
  'target-aspect-ratio': 'Aspect ratio of the result',
  'fps-boost': 'Raise the frame rate',
  resolution: 'Target resolution',
};

/** What a task type makes, for subcommand descriptions. */
const OUTPUT_PHRASES: Readonly<Record<string, string>> = {
  video: 'a video',
  image: 'an image',
  audio: 'sound',
};

type JsonSchema = {
  type?: string;
  media?: string;
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
};

/** How one option becomes one model's input field. */
export interface FieldBinding {
  readonly field: string;
  readonly spec: FieldSpec;
  readonly toValue: (value: OptionValue) => unknown;
  /** For attachments: the media kinds the field accepts. */
  readonly media: readonly string[];
}

type OptionKind = 'text' | 'suggest' | 'choice' | 'integer' | 'number' | 'boolean' | 'attachment';

/** One option of a subcommand and what it means for each model. */
export interface OptionPlan {
  readonly name: string;
  readonly kind: OptionKind;
  /** For attachments: the media kinds accepted (`image`, `video`, `audio`, `image|video`). */
  readonly media: string | undefined;
  readonly bindings: ReadonlyMap<string, FieldBinding>;
  /** For `suggest` options: the values a model accepts (autocomplete suggestions). */
  suggestions(model: string): readonly string[];
  readonly json: APIApplicationCommandBasicOption;
}

/** One subcommand: a task type. */
export interface SubcommandPlan {
  readonly name: string;
  readonly taskType: TaskType;
  readonly title: string;
  readonly output: string;
  readonly models: readonly string[];
  readonly defaultModel: string;
  /** Options in Discord order (required first); `model` is among them. */
  readonly options: readonly OptionPlan[];
  option(name: string): OptionPlan | undefined;
  readonly json: APIApplicationCommandSubcommandOption;
}

export interface CommandPlan {
  readonly name: string;
  readonly subcommands: readonly SubcommandPlan[];
  subcommand(name: string | undefined): SubcommandPlan | undefined;
  readonly json: RESTPostAPIChatInputApplicationCommandsJSONBody;
}

const kebab = (name: string) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/[_.\s]+/g, '-')
    .toLowerCase();

/** The subcommand name of a task type: `text_to_video` → `text-to-video`. */
export const subcommandName = (type: TaskType): string => kebab(type);

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

const humanize = (name: string) => {
  const words = name.replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** The top-level media kind of a MIME type: `video/mp4` → `video`. */
export function mediaKindOf(contentType: string | undefined): string | undefined {
  const kind = contentType?.split('/')[0]?.trim().toLowerCase();
  return kind === 'image' || kind === 'video' || kind === 'audio' ? kind : undefined;
}

const isAttachment = (value: OptionValue): value is AttachmentRef =>
  typeof value === 'object' && value !== null && typeof value.url === 'string';

/** An object that is only `{ type: <const>, uri: <media> }` (act_two's character and reference). */
function typedUri(schema: JsonSchema): { type: string; media: string } | undefined {
  const type = schema.properties?.type?.const;
  const media = schema.properties?.uri?.media;
  const extra = (schema.required ?? []).filter((name) => name !== 'type' && name !== 'uri');
  return typeof type === 'string' && media && extra.length === 0 ? { type, media } : undefined;
}

interface AttachmentConverter {
  readonly convert: (file: AttachmentRef) => unknown;
  /** The media kinds the field accepts: `image`, `video`, `audio` (`image|video` split). */
  readonly media: readonly string[];
}

const kinds = (media: string) => media.split('|');

/**
 * How an attachment becomes a field's value, read from the field's JSON Schema: a URI, a list of
 * URIs, `{ uri }` objects, or `{ type, uri }` objects; `undefined` when the field needs more than a
 * file (keyframes with timestamps), which a slash command does not offer.
 */
function attachmentConverter(schema: JsonSchema): AttachmentConverter | undefined {
  if (schema.media) return { convert: (file) => file.url, media: kinds(schema.media) };
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) {
    const direct = variants.find((variant) => variant.media);
    if (direct?.media) return { convert: (file) => file.url, media: kinds(direct.media) };
    const typed = variants.map(typedUri);
    if (typed.length > 0 && typed.every((t) => t !== undefined)) {
      const options = typed as { type: string; media: string }[];
      return {
        convert: (file) => {
          const kind = mediaKindOf(file.contentType);
          const chosen = options.find((option) => option.media === kind) ?? (options[0] as { type: string });
          return { type: chosen.type, uri: file.url };
        },
        media: options.flatMap((option) => kinds(option.media)),
      };
    }
    return undefined;
  }
  if (schema.type === 'array' && schema.items) {
    const inner = attachmentConverter(schema.items);
    return inner ? { convert: (file) => [inner.convert(file)], media: inner.media } : undefined;
  }
  const typed = typedUri(schema);
  if (typed) return { convert: (file) => ({ type: typed.type, uri: file.url }), media: kinds(typed.media) };
  const uri = schema.properties?.uri;
  const extra = (schema.required ?? []).filter((name) => name !== 'uri');
  if (uri?.media && extra.length === 0)
    return { convert: (file) => ({ uri: file.url }), media: kinds(uri.media) };
  return undefined;
}

function optionKind(spec: FieldSpec): OptionKind | undefined {
  if (spec.media !== undefined && (spec.kind === 'media' || spec.kind === 'json')) return 'attachment';
  if (spec.ratio) return 'suggest';
  switch (spec.kind) {
    case 'text':
      return 'text';
    case 'enum':
      return spec.values?.every((value) => typeof value === 'number')
        ? spec.values.every((value) => Number.isInteger(value))
          ? 'integer'
          : 'number'
        : 'choice';
    case 'integer':
      return 'integer';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    default:
      return undefined;
  }
}

/** Two fields that share an option name must agree on its kind; numbers widen, text suggests. */
function mergeKinds(a: OptionKind, b: OptionKind, name: string): OptionKind {
  if (a === b) return a;
  const pair = new Set([a, b]);
  if (pair.has('integer') && pair.has('number')) return 'number';
  if ([...pair].every((kind) => kind === 'text' || kind === 'choice' || kind === 'suggest')) return 'suggest';
  throw new Error(`Option "${name}" is a ${a} for one model and a ${b} for another`);
}

interface Collected {
  name: string;
  kind: OptionKind;
  bindings: Map<string, FieldBinding>;
  requiredBy: number;
}

function describeOption(name: string, kind: OptionKind, specs: readonly FieldSpec[]): string {
  const base =
    DESCRIPTIONS[`${name}:${kind}`] ??
    DESCRIPTIONS[name] ??
    (kind === 'attachment' ? `${humanize(name)} file` : humanize(name));
  let detail = '';
  if (kind === 'integer' || kind === 'number') {
    const ranges = new Set(
      specs.flatMap((spec) => {
        if (spec.values && spec.values.length > 0) return [spec.values.join(', ')];
        if (spec.min !== undefined && spec.max !== undefined) return [`${spec.min}–${spec.max}`];
        return [];
      }),
    );
    if (ranges.size === 1) detail = ` (${[...ranges][0]})`;
    else if (ranges.size > 1) detail = ` (${[...ranges].join(' or ')}, by model)`;
  } else if (kind === 'text') {
    const longest = Math.max(...specs.map((spec) => spec.maxLength ?? 0));
    if (longest > 0) detail = ` (up to ${longest} characters)`;
  } else if (kind === 'attachment') {
    const kinds = [...new Set(specs.map((spec) => spec.media ?? ''))].join(' or ').replace(/\|/g, ' or ');
    if (!DESCRIPTIONS[`${name}:${kind}`] && !DESCRIPTIONS[name]) detail = ` (${kinds})`;
  }
  return clip(base + detail, DISCORD_COMMAND_LIMITS.descriptionLength);
}

function optionJson(
  collected: Collected,
  required: boolean,
  specs: readonly FieldSpec[],
): APIApplicationCommandBasicOption {
  const { name, kind } = collected;
  const common = { name, description: describeOption(name, kind, specs), required };
  const numbers = (integer: boolean) => {
    const values = [...new Set(specs.flatMap((spec) => spec.values ?? []))] as number[];
    const allEnum = specs.every((spec) => spec.kind === 'enum');
    if (allEnum && values.length > 0 && values.length <= DISCORD_COMMAND_LIMITS.choices) {
      return { choices: values.sort((a, b) => a - b).map((value) => ({ name: String(value), value })) };
    }
    const low = Math.min(...specs.map((spec) => spec.min ?? Math.min(...((spec.values as number[]) ?? []))));
    const high = Math.max(...specs.map((spec) => spec.max ?? Math.max(...((spec.values as number[]) ?? []))));
    const bound = integer ? Number.MAX_SAFE_INTEGER : Number.MAX_VALUE;
    return {
      ...(Number.isFinite(low) && Math.abs(low) <= bound ? { min_value: low } : {}),
      ...(Number.isFinite(high) && Math.abs(high) <= bound ? { max_value: high } : {}),
    };
  };
  switch (kind) {
    case 'attachment':
      return { ...common, type: ApplicationCommandOptionType.Attachment };
    case 'boolean':
      return { ...common, type: ApplicationCommandOptionType.Boolean };
    case 'integer':
      return { ...common, type: ApplicationCommandOptionType.Integer, ...numbers(true) };
    case 'number':
      return { ...common, type: ApplicationCommandOptionType.Number, ...numbers(false) };
    case 'suggest':
      return { ...common, type: ApplicationCommandOptionType.String, autocomplete: true };
    case 'choice': {
      const values = [...new Set(specs.flatMap((spec) => (spec.values ?? []).map(String)))];
      if (values.length > DISCORD_COMMAND_LIMITS.choices) {
        return { ...common, type: ApplicationCommandOptionType.String, autocomplete: true };
      }
      return {
        ...common,
        type: ApplicationCommandOptionType.String,
        choices: values.map((value) => ({ name: value, value })),
      };
    }
    case 'text': {
      const minLength = Math.min(...specs.map((spec) => spec.minLength ?? 0));
      const maxLength = Math.min(
        Math.max(...specs.map((spec) => spec.maxLength ?? DISCORD_COMMAND_LIMITS.stringMaxLength)),
        DISCORD_COMMAND_LIMITS.stringMaxLength,
      );
      return {
        ...common,
        type: ApplicationCommandOptionType.String,
        ...(minLength > 0 ? { min_length: minLength } : {}),
        max_length: maxLength,
      };
    }
  }
}

function planSubcommand(type: TaskType): SubcommandPlan {
  const definition = getTaskType(type);
  const models = modelsOf(type) as string[];
  const defaultModel = definition.contractModels[0] ?? (models[0] as string);
  const collected = new Map<string, Collected>();

  for (const model of models) {
    const spec = describeModel(type, model);
    const schema = modelJsonSchema(type, model) as { properties?: Record<string, JsonSchema> } | undefined;
    for (const field of spec?.fields ?? []) {
      const kind = optionKind(field);
      if (!kind) continue;
      let toValue: (value: OptionValue) => unknown = (value) => value;
      let media: readonly string[] = [];
      if (kind === 'attachment') {
        const converter = attachmentConverter(schema?.properties?.[field.name] ?? {});
        if (!converter) continue;
        toValue = (value) => (isAttachment(value) ? converter.convert(value) : value);
        media = converter.media;
      }
      const name = OPTION_NAMES[field.name] ?? kebab(field.name);
      const existing = collected.get(name);
      const entry: Collected = existing ?? { name, kind, bindings: new Map(), requiredBy: 0 };
      if (existing) entry.kind = mergeKinds(existing.kind, kind, `${type}.${name}`);
      entry.bindings.set(model, { field: field.name, spec: field, toValue, media });
      if (field.required) entry.requiredBy++;
      collected.set(name, entry);
    }
  }

  const modelOption: OptionPlan = {
    name: 'model',
    kind: 'choice',
    media: undefined,
    bindings: new Map(),
    suggestions: () => models,
    json: {
      type: ApplicationCommandOptionType.String,
      name: 'model',
      description: clip(`Model (default ${defaultModel})`, DISCORD_COMMAND_LIMITS.descriptionLength),
      required: false,
      choices: models
        .slice(0, DISCORD_COMMAND_LIMITS.choices)
        .map((model) => ({ name: model === defaultModel ? `${model} (default)` : model, value: model })),
    },
  };

  const plans = [...collected.values()].map((entry): OptionPlan => {
    const specs = [...entry.bindings.values()].map((binding) => binding.spec);
    // Required only when every model has the field and requires it; otherwise validation says so.
    const required = entry.requiredBy === models.length;
    const bindings = entry.bindings;
    return {
      name: entry.name,
      kind: entry.kind,
      media:
        entry.kind === 'attachment'
          ? [...new Set([...bindings.values()].flatMap((binding) => binding.media))].join('|')
          : undefined,
      bindings,
      suggestions: (model) =>
        (bindings.get(model)?.spec.values ?? []).map((value) => String(value)) as readonly string[],
      json: optionJson(entry, required, specs),
    };
  });
  // Discord wants required options first; the model comes right after them.
  const required = plans.filter((plan) => plan.json.required);
  const optional = plans.filter((plan) => !plan.json.required);
  const options = [...required, modelOption, ...optional];
  if (options.length > DISCORD_COMMAND_LIMITS.options) {
    throw new Error(`${type} would need ${options.length} options; Discord allows 25`);
  }
  const byName = new Map(options.map((option) => [option.name, option]));
  const name = subcommandName(type);
  return {
    name,
    taskType: type,
    title: definition.title,
    output: definition.output,
    models,
    defaultModel,
    options,
    option: (optionName) => byName.get(optionName),
    json: {
      type: ApplicationCommandOptionType.Subcommand,
      name,
      description: clip(
        `${definition.title}: makes ${OUTPUT_PHRASES[definition.output] ?? definition.output}`,
        DISCORD_COMMAND_LIMITS.descriptionLength,
      ),
      options: options.map((option) => option.json),
    },
  };
}

/** Builds the command plan (JSON and option bindings) for command `name` from the registry. */
export function planCommand(name: string, description?: string): CommandPlan {
  if (!DISCORD_NAME_PATTERN.test(name)) {
    throw new RangeError(`"${name}" is not a valid Discord command name (1–32 lowercase characters)`);
  }
  const subcommands = TASK_TYPE_NAMES.map(planSubcommand);
  const byName = new Map(subcommands.map((plan) => [plan.name, plan]));
  return {
    name,
    subcommands,
    subcommand: (subcommand) => (subcommand === undefined ? undefined : byName.get(subcommand)),
    json: {
      type: ApplicationCommandType.ChatInput,
      name,
      description: clip(
        description ?? 'Generate video, images and sound with Runway',
        DISCORD_COMMAND_LIMITS.descriptionLength,
      ),
      options: subcommands.map((plan) => plan.json),
    },
  };
}

/** The input a subcommand's options make for the chosen model, and the problems found on the way. */
export interface BuiltInput {
  readonly model: string;
  readonly input: Record<string, unknown>;
  readonly issues: readonly ValidationIssue[];
  /** The option a field came from, to report problems in the user's terms. */
  readonly optionOf: (field: string) => string;
}

/** Maps the options of an invocation onto the input of the chosen model. */
export function buildInput(plan: SubcommandPlan, options: ReadonlyMap<string, OptionValue>): BuiltInput {
  const chosen = options.get('model');
  const model = typeof chosen === 'string' ? chosen : plan.defaultModel;
  const issues: ValidationIssue[] = [];
  const input: Record<string, unknown> = { model };
  const fields = new Map<string, string>();
  if (!plan.models.includes(model)) {
    issues.push({ path: 'model', code: 'enum', message: `must be one of ${plan.models.join(', ')}` });
  }
  for (const [name, value] of options) {
    if (name === 'model') continue;
    const option = plan.option(name);
    const binding = option?.bindings.get(model);
    if (!option || !binding) {
      issues.push({ path: name, code: 'unknown_field', message: `is not used by ${model}` });
      continue;
    }
    fields.set(binding.field, name);
    if (option.kind === 'attachment') {
      if (!isAttachment(value)) {
        issues.push({ path: name, code: 'type', message: 'must be a file' });
        continue;
      }
      const kind = mediaKindOf(value.contentType);
      const accepted = binding.media;
      if (value.contentType !== undefined && (!kind || !accepted.includes(kind))) {
        issues.push({
          path: name,
          code: 'media_type',
          message: `must be ${accepted.map((k) => `${/^[aeiou]/.test(k) ? 'an' : 'a'} ${k}`).join(' or ')} file (got ${value.contentType})`,
        });
        continue;
      }
    }
    input[binding.field] = binding.toValue(value);
  }
  return {
    model,
    input,
    issues,
    optionOf: (field) => {
      const head = field.split('.')[0] ?? field;
      if (head === 'model') return 'model';
      const option =
        fields.get(head) ?? plan.options.find((o) => o.bindings.get(model)?.field === head)?.name;
      return option ?? head;
    },
  };
}
