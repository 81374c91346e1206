import { modelJsonSchema, modelsOf, TASK_TYPE_NAMES, TASK_TYPES, type TaskType } from './registry.js';

/**
 * A flat description of one model's input fields, read from the registry's schemas. Forms (the
 * playground), Discord options and CLI flags are built from this, so none keeps its own copy of
 * a limit or a list of ratios.
 */
export interface FieldSpec {
  readonly name: string;
  readonly required: boolean;
  /**
   * `text` (free string; `prompt` marks the prompt), `enum` (pick one of `values`), `integer`,
   * `number`, `boolean`, `media` (a URI of `media` kind, or an array of them / of objects holding
   * one), `json` (a structured value to pass as is).
   */
  readonly kind: 'text' | 'enum' | 'integer' | 'number' | 'boolean' | 'media' | 'json';
  readonly values?: readonly (string | number)[];
  readonly min?: number;
  readonly max?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  /** For media fields: `image`, `video`, `audio` or `image|video`. */
  readonly media?: string;
  /** Whether a media field also accepts a list (promptImage keyframes, reference images). */
  readonly list?: boolean;
  readonly prompt?: boolean;
  readonly ratio?: boolean;
}

export interface ModelSpec {
  readonly taskType: TaskType;
  readonly model: string;
  /** Whether the library's contract names this model (the others come from the current API). */
  readonly contract: boolean;
  readonly fields: readonly FieldSpec[];
}

type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  media?: string;
  prompt?: boolean;
  ratio?: boolean;
};

/**
 * The media kinds anywhere inside a schema (a URI, a list of URIs, objects with a `uri`, unions of
 * those), joined as `image`, `video`, `audio` or `image|video`.
 */
function findMedia(schema: JsonSchema): string | undefined {
  const kinds = new Set<string>();
  const visit = (node: JsonSchema) => {
    if (node.media) for (const kind of node.media.split('|')) kinds.add(kind);
    for (const child of [
      ...(node.anyOf ?? []),
      ...(node.oneOf ?? []),
      ...(node.items ? [node.items] : []),
      ...Object.values(node.properties ?? {}),
    ]) {
      visit(child);
    }
  };
  visit(schema);
  if (kinds.size === 0) return undefined;
  return ['image', 'video', 'audio'].filter((kind) => kinds.has(kind)).join('|');
}

function describeField(name: string, schema: JsonSchema, required: boolean): FieldSpec {
  const common = { name, required };
  const variants = schema.anyOf ?? schema.oneOf;
  const media = findMedia(schema);
  if (media) {
    const list = schema.type === 'array' || Boolean(variants?.some((v) => v.type === 'array'));
    const direct = schema.media !== undefined || Boolean(variants?.some((v) => v.media !== undefined));
    // A field whose only form is objects ({type, uri}, keyframes) is structured input.
    if (!direct && schema.type !== 'array') return { ...common, kind: 'json', media };
    return { ...common, kind: 'media', media, list };
  }
  const literals = variants?.every((v) => v.const !== undefined) ? variants.map((v) => v.const) : undefined;
  const values = (schema.enum ?? literals) as (string | number)[] | undefined;
  if (values) return { ...common, kind: 'enum', values, ...(schema.ratio ? { ratio: true } : {}) };
  if (schema.const !== undefined) return { ...common, kind: 'enum', values: [schema.const as string] };
  const bounds = {
    ...(schema.minimum !== undefined ? { min: schema.minimum } : {}),
    ...(schema.maximum !== undefined ? { max: schema.maximum } : {}),
  };
  switch (schema.type) {
    case 'string':
      return {
        ...common,
        kind: 'text',
        ...(schema.minLength !== undefined ? { minLength: schema.minLength } : {}),
        ...(schema.maxLength !== undefined ? { maxLength: schema.maxLength } : {}),
        ...(schema.prompt ? { prompt: true } : {}),
      };
    case 'integer':
      return { ...common, kind: 'integer', ...bounds };
    case 'number':
      return { ...common, kind: 'number', ...bounds };
    case 'boolean':
      return { ...common, kind: 'boolean' };
    default:
      return { ...common, kind: 'json' };
  }
}

const cache = new Map<string, ModelSpec>();

/** The fields of one model, in schema order (`model` excluded). */
export function describeModel(type: TaskType, model: string): ModelSpec | undefined {
  const key = `${type}\0${model}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const schema = modelJsonSchema(type, model) as JsonSchema | undefined;
  if (!schema) return undefined;
  const required = new Set(schema.required ?? []);
  const fields = Object.entries(schema.properties ?? {})
    .filter(([name]) => name !== 'model')
    .map(([name, field]) => describeField(name, field, required.has(name)));
  const contract = (TASK_TYPES[type].contractModels as readonly string[]).includes(model);
  const spec: ModelSpec = { taskType: type, model, contract, fields };
  cache.set(key, spec);
  return spec;
}

/** Every task type with its models and their fields: a catalogue for UIs. */
export function describeRegistry(): {
  readonly name: TaskType;
  readonly title: string;
  readonly output: string;
  readonly models: readonly ModelSpec[];
}[] {
  return TASK_TYPE_NAMES.map((name) => ({
    name,
    title: TASK_TYPES[name].title,
    output: TASK_TYPES[name].output,
    models: modelsOf(name).map((model) => describeModel(name, model) as ModelSpec),
  }));
}
