import {
  describeModel,
  type FieldSpec,
  type MediaKind,
  type ModelSpec,
  modelJsonSchema,
  modelsOf,
  type TaskType,
} from '@runway-rx/core';
import type { TaskFlags } from './args.js';
import { UsageError } from './errors.js';
import { isUri, type MediaValue, resolveMedia } from './media.js';

/** The slice of JSON Schema the registry's `modelJsonSchema` produces and this module reads. */
interface JsonSchema {
  readonly type?: string | string[];
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly items?: JsonSchema;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly media?: string;
}

const MEDIA_KINDS: readonly MediaKind[] = ['image', 'video', 'audio'];

/** The model a task type uses when `--model` is not given: the first the registry lists. */
export function defaultModel(type: TaskType): string {
  return (modelsOf(type) as readonly string[])[0] as string;
}

function propertySchema(type: TaskType, model: string, field: string): JsonSchema | undefined {
  const schema = modelJsonSchema(type, model) as JsonSchema | undefined;
  return schema?.properties?.[field];
}

/** Every media kind a field accepts, in any of its shapes (a URI, a list, `{type, uri}` objects). */
export function mediaKindsOf(schema: JsonSchema | undefined): MediaKind[] {
  const kinds = new Set<MediaKind>();
  const visit = (node: JsonSchema | undefined) => {
    if (!node) return;
    for (const kind of node.media?.split('|') ?? []) {
      if ((MEDIA_KINDS as readonly string[]).includes(kind)) kinds.add(kind as MediaKind);
    }
    for (const child of [...(node.anyOf ?? []), ...(node.oneOf ?? [])]) visit(child);
    visit(node.items);
    for (const child of Object.values(node.properties ?? {})) visit(child);
  };
  visit(schema);
  return MEDIA_KINDS.filter((kind) => kinds.has(kind));
}

const variantsOf = (schema: JsonSchema) => schema.anyOf ?? schema.oneOf;
const isType = (schema: JsonSchema, type: string) =>
  schema.type === type || (Array.isArray(schema.type) && schema.type.includes(type));

/**
 * Builds one `{uri, …}` object for a schema: `type` discriminators are matched against the
 * media's kind, other required enums (a keyframe's `position`) take their `index`-th value.
 * `undefined` when the object needs something a file cannot say (a keyframe's time).
 */
function buildObject(schema: JsonSchema, media: MediaValue, index: number): unknown {
  const variants = variantsOf(schema);
  if (variants) {
    const ordered = [...variants].sort(
      (a, b) =>
        Number(b.properties?.type?.const === media.kind) - Number(a.properties?.type?.const === media.kind),
    );
    for (const variant of ordered) {
      const built = buildObject(variant, media, index);
      if (built !== undefined) return built;
    }
    return undefined;
  }
  if (!isType(schema, 'object') || !schema.properties?.uri) return undefined;
  const value: Record<string, unknown> = { uri: media.uri };
  for (const name of schema.required ?? []) {
    if (name === 'uri') continue;
    const property = schema.properties[name];
    if (property?.const !== undefined) {
      if (name === 'type' && media.kind !== undefined && property.const !== media.kind) return undefined;
      value[name] = property.const;
    } else if (property?.enum && index < property.enum.length) {
      value[name] = property.enum[index];
    } else {
      return undefined;
    }
  }
  return value;
}

/**
 * Shapes one or more media URIs into what a field takes, read from the model's JSON Schema: a
 * plain URI, a list of URIs, `{type, uri}` objects, or positioned keyframes (`first`, `last`).
 * Returns `undefined` when the field cannot be built from files alone.
 */
export function buildMediaValue(schema: JsonSchema, media: readonly MediaValue[]): unknown {
  const variants = variantsOf(schema);
  if (variants) {
    // One file: prefer the plain URI shape; several: prefer a list.
    const ordered = [...variants].sort((a, b) => {
      const score = (v: JsonSchema) => (isType(v, 'array') ? 1 : 0) * (media.length > 1 ? 1 : -1);
      return score(b) - score(a);
    });
    for (const variant of ordered) {
      const built = buildMediaValue(variant, media);
      if (built !== undefined) return built;
    }
    return undefined;
  }
  if (isType(schema, 'string')) return media.length === 1 ? media[0]?.uri : undefined;
  if (isType(schema, 'array') && schema.items) {
    const items = schema.items;
    const built = media.map((value, index) =>
      isType(items, 'string') && items.media ? value.uri : buildObject(items, value, index),
    );
    return built.every((value) => value !== undefined) ? built : undefined;
  }
  if (media.length === 1 && media[0]) return buildObject(schema, media[0], 0);
  return undefined;
}

/** Reads a command-line string as the field's kind; leaves it as is when it does not parse (validation explains). */
export function coerceValue(raw: string, field: FieldSpec | undefined): unknown {
  const numeric = /^-?\d+(\.\d+)?(e-?\d+)?$/i.test(raw.trim());
  switch (field?.kind) {
    case 'integer':
    case 'number':
      return numeric ? Number(raw) : raw;
    case 'enum':
      return numeric && field.values?.some((v) => typeof v === 'number') ? Number(raw) : raw;
    case 'boolean': {
      const lower = raw.toLowerCase();
      if (['true', 'yes', '1', 'on'].includes(lower)) return true;
      if (['false', 'no', '0', 'off'].includes(lower)) return false;
      return raw;
    }
    case 'media':
      // A list or an object of media (`[{"uri": "a.png", "tag": "fox"}]`); a lone path stays a string.
      if (!/^\s*[[{]/.test(raw)) return raw;
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        return raw;
      }
    case 'json':
    case undefined:
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        return raw;
      }
    default:
      return raw;
  }
}

/**
 * Replaces local file paths inside a field's value with data URIs: the value itself, list items,
 * and `uri` properties of objects (`{type: "image", uri: "face.png"}`). URIs are left alone.
 */
async function resolvePaths(
  value: unknown,
  context: { source: string; field: string; accepts: readonly MediaKind[]; cwd: string },
  atUri = true,
): Promise<unknown> {
  if (typeof value === 'string') {
    return atUri && !isUri(value) ? (await resolveMedia(value, context)).uri : value;
  }
  if (Array.isArray(value)) return Promise.all(value.map((item) => resolvePaths(item, context, atUri)));
  if (value !== null && typeof value === 'object') {
    const entries = await Promise.all(
      Object.entries(value).map(
        async ([key, item]) => [key, await resolvePaths(item, context, key === 'uri')] as const,
      ),
    );
    return Object.fromEntries(entries);
  }
  return value;
}

/**
 * Turns local paths in a task input (a batch line, a `--field` JSON value) into data URIs, for
 * every media field of the model. Unknown models and fields are left for validation to report.
 */
export async function resolveInputMedia(
  type: TaskType,
  input: Record<string, unknown>,
  options: { cwd: string; source: string },
): Promise<Record<string, unknown>> {
  const model = typeof input.model === 'string' ? input.model : undefined;
  if (!model || !describeModel(type, model)) return input;
  const resolved: Record<string, unknown> = { ...input };
  for (const [name, value] of Object.entries(input)) {
    const accepts = mediaKindsOf(propertySchema(type, model, name));
    if (accepts.length === 0) continue;
    resolved[name] = await resolvePaths(value, {
      source: `${options.source} ${name}`,
      field: name,
      accepts,
      cwd: options.cwd,
    });
  }
  return resolved;
}

/** The generic flags of the command line. */
export const GENERIC_FLAGS = [
  'prompt',
  'ratio',
  'duration',
  'seed',
  'image',
  'video',
  'audio',
  'reference',
] as const;
export type GenericFlag = (typeof GENERIC_FLAGS)[number];

/**
 * Which field of a model each generic flag sets: `--prompt` its prompt, `--ratio`, `--duration`
 * and `--seed` the fields of those names, `--image/--video/--audio` the first non-reference field
 * taking that media (else any), `--reference` its `reference…` field. Absent: the model has none.
 */
export function flagTargets(spec: ModelSpec): Partial<Record<GenericFlag, FieldSpec>> {
  const fieldOf = (name: string) => spec.fields.find((field) => field.name === name);
  const withKinds = spec.fields.map((field) => ({
    field,
    kinds: mediaKindsOf(propertySchema(spec.taskType, spec.model, field.name)),
  }));
  const targets: Partial<Record<GenericFlag, FieldSpec>> = {};
  const set = (flag: GenericFlag, field: FieldSpec | undefined) => {
    if (field) targets[flag] = field;
  };
  set('prompt', fieldOf('promptText') ?? spec.fields.find((field) => field.prompt && field.kind === 'text'));
  set('ratio', fieldOf('ratio'));
  set('duration', fieldOf('duration'));
  set('seed', fieldOf('seed'));
  for (const kind of MEDIA_KINDS) {
    const ofKind = withKinds.filter(({ kinds }) => kinds.includes(kind));
    set(kind, (ofKind.find(({ field }) => !field.name.startsWith('reference')) ?? ofKind[0])?.field);
  }
  set(
    'reference',
    withKinds.find(({ field, kinds }) => kinds.length > 0 && field.name.startsWith('reference'))?.field,
  );
  return targets;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const [i, key] of path.entries()) {
    if (i === path.length - 1) {
      node[key] = value;
      return;
    }
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
}

function fieldNames(spec: ModelSpec): string {
  return spec.fields.map((field) => field.name).join(', ');
}

/**
 * Builds a task's input from command-line flags, mapped onto the chosen model's fields through the
 * registry: `--prompt` → the model's prompt field, `--image/--video/--audio` → the field taking
 * that media (shaped as the schema wants), `--reference` → its reference field, `--field k=v` →
 * any field. A required ratio defaults to the model's first. Local files become data URIs.
 *
 * The result is not validated here: `validateTaskInput` reports every broken rule at once.
 */
export async function buildTaskInput(
  type: TaskType,
  flags: TaskFlags,
  options: { cwd: string },
): Promise<Record<string, unknown>> {
  const model = flags.model ?? defaultModel(type);
  const input: Record<string, unknown> = { model };
  const spec = describeModel(type, model);
  const fieldOf = (name: string) => spec?.fields.find((field) => field.name === name);

  const targets = spec ? flagTargets(spec) : {};
  const scalars: [raw: string | undefined, field: FieldSpec | undefined, fallback: string][] = [
    [flags.prompt, targets.prompt, 'promptText'],
    [flags.ratio, targets.ratio, 'ratio'],
    [flags.duration, targets.duration, 'duration'],
    [flags.seed, targets.seed, 'seed'],
  ];
  for (const [raw, field, fallback] of scalars) {
    if (raw !== undefined) input[field?.name ?? fallback] = coerceValue(raw, field);
  }
  if (!spec) return input; // validation reports the unknown model

  // Media flags, shaped per the schema of the field they fill.
  const filled = new Map<string, string>();
  for (const flag of ['image', 'video', 'audio', 'reference'] as const) {
    const values = flags[flag];
    if (values.length === 0) continue;
    const field = targets[flag];
    if (!field) {
      const same = fieldOf(flag);
      const hint = same ? ` (for its ${flag} field use --field ${flag}=…)` : '';
      throw new UsageError(
        `${type} model ${model} takes no ${flag} input (--${flag})${hint}. Its fields: ${fieldNames(spec)}`,
      );
    }
    const other = filled.get(field.name);
    if (other) throw new UsageError(`--${other} and --${flag} both set ${field.name}; give one of them`);
    filled.set(field.name, flag);
    const schema = propertySchema(type, model, field.name) as JsonSchema;
    const accepts = mediaKindsOf(schema);
    const media = await Promise.all(
      values.map((value) =>
        resolveMedia(value, { source: `--${flag}`, field: field.name, accepts, cwd: options.cwd }),
      ),
    );
    const value = buildMediaValue(schema, media);
    if (value === undefined) {
      throw new UsageError(
        `${field.name} cannot be made from ${values.length === 1 ? 'a file' : `${values.length} files`} ` +
          `alone; pass it as JSON: --field '${field.name}=…'`,
      );
    }
    input[field.name] = value;
  }

  // --field key=value, for anything else (dotted keys reach into objects).
  for (const entry of flags.field) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new UsageError(`--field takes key=value, got "${entry}"`);
    const key = entry.slice(0, eq);
    const raw = entry.slice(eq + 1);
    const path = key.split('.');
    const name = path[0] as string;
    const field = fieldOf(name);
    const accepts = mediaKindsOf(propertySchema(type, model, name));
    if (path.length === 1 && accepts.length > 0 && field?.kind === 'media' && !raw.trim().startsWith('[')) {
      const media = await resolveMedia(raw, {
        source: `--field ${name}`,
        field: name,
        accepts,
        cwd: options.cwd,
      });
      input[name] = buildMediaValue(propertySchema(type, model, name) as JsonSchema, [media]) ?? media.uri;
      continue;
    }
    let value = path.length === 1 ? coerceValue(raw, field) : coerceValue(raw, undefined);
    if (accepts.length > 0) {
      value = await resolvePaths(value, { source: `--field ${key}`, field: name, accepts, cwd: options.cwd });
    }
    setPath(input, path, value);
  }

  return withDefaults(type, input);
}

/**
 * Fills what the command line may leave out: `model` (the type's first) and a required ratio (the
 * model's first). Everything else must be given; validation says what is missing.
 */
export function withDefaults(
  type: TaskType,
  input: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const model = typeof input.model === 'string' ? input.model : defaultModel(type);
  const filled: Record<string, unknown> = { ...input, model };
  if (input.model !== undefined && typeof input.model !== 'string') filled.model = input.model;
  const ratio = describeModel(type, model)?.fields.find((field) => field.ratio && field.required);
  if (ratio?.values?.[0] !== undefined && filled[ratio.name] === undefined)
    filled[ratio.name] = ratio.values[0];
  return filled;
}
