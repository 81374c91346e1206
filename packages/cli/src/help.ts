import {
  describeModel,
  type FieldSpec,
  getTaskType,
  type ModelSpec,
  modelJsonSchema,
  modelsOf,
  TASK_TYPE_NAMES,
  type TaskType,
} from '@runway-rx/core';
import { DEFAULT_CONCURRENCY, DEFAULT_OUT_DIR, DEFAULT_TIME_SCALE } from './args.js';
import { defaultModel, flagTargets, GENERIC_FLAGS, mediaKindsOf } from './fields.js';

const WIDTH = 100;

/** Wraps `text` to `width` columns, indenting continuation lines by `indent`. */
function wrap(text: string, width: number, indent: number): string {
  const words = text.split(' ');
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line.length > 0 && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line.length > 0 ? `${line} ${word}` : word;
    }
  }
  lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

type JsonSchema = Parameters<typeof mediaKindsOf>[0];

function fieldSchema(spec: ModelSpec, name: string): JsonSchema {
  const schema = modelJsonSchema(spec.taskType, spec.model) as
    | { properties?: Record<string, NonNullable<JsonSchema>> }
    | undefined;
  return schema?.properties?.[name];
}

/** The rule of one field, as a person would state it. */
export function describeRule(spec: ModelSpec, field: FieldSpec): string {
  const kinds = mediaKindsOf(fieldSchema(spec, field.name)).join(' or ');
  const range = (min?: number, max?: number) =>
    min !== undefined && max !== undefined
      ? ` ${min}–${max}`
      : min !== undefined
        ? ` ≥ ${min}`
        : max !== undefined
          ? ` ≤ ${max}`
          : '';
  switch (field.kind) {
    case 'text':
      return `text,${range(field.minLength, field.maxLength)} characters`;
    case 'enum':
      return `one of ${(field.values ?? []).join(', ')}${field.ratio && field.required ? ` (default ${field.values?.[0]})` : ''}`;
    case 'integer':
      return `integer${range(field.min, field.max)}`;
    case 'number':
      return `number${range(field.min, field.max)}`;
    case 'boolean':
      return 'true or false';
    case 'media':
      return `${kinds} (file or URL)${field.list ? ', or a list' : ''}`;
    case 'json':
      return kinds ? `JSON holding ${kinds} URIs (files allowed)` : 'JSON';
  }
}

/** The flags that set a field, as `buildTaskInput` maps them. */
export function flagsFor(spec: ModelSpec, field: FieldSpec): string {
  const targets = flagTargets(spec);
  const flags = GENERIC_FLAGS.filter((flag) => targets[flag] === field).map((flag) => `--${flag}`);
  return flags.length > 0 ? flags.join(' ') : `--field ${field.name}=…`;
}

const EXAMPLE_PROMPTS = {
  image: '"a lighthouse at dusk"',
  video: '"waves crashing against a lighthouse at dusk"',
  audio: '"thunder rolling over the hills"',
} as const;

function exampleValue(spec: ModelSpec, field: FieldSpec, flag: string): string {
  if (flag === '--prompt') return EXAMPLE_PROMPTS[getTaskType(spec.taskType).output];
  if (field.kind === 'enum') return String(field.values?.[0]);
  if (field.kind === 'integer' || field.kind === 'number') return String(field.min ?? 1);
  const kinds = mediaKindsOf(fieldSchema(spec, field.name));
  if (kinds[0] === 'image') return 'photo.png';
  if (kinds[0] === 'video') return 'clip.mp4';
  if (kinds[0] === 'audio') return 'voice.mp3';
  return '…';
}

/** A command line that satisfies every required field of a model. */
export function exampleCommand(spec: ModelSpec): string {
  const parts = [`runway-rx ${spec.taskType}`];
  if (spec.model !== defaultModel(spec.taskType)) parts.push(`--model ${spec.model}`);
  for (const field of spec.fields.filter((f) => f.required)) {
    const flags = flagsFor(spec, field).split(' ');
    const flag = flags.includes('--reference') ? '--reference' : (flags[0] as string);
    if (flag === '--field') parts.push(`--field '${field.name}=…'`);
    else parts.push(`${flag} ${exampleValue(spec, field, flag)}`);
  }
  return parts.join(' ');
}

/** `runway-rx --help`: commands, task types with their models, options, environment, exit codes. */
export function renderHelp(): string {
  const types = TASK_TYPE_NAMES.map((name) => {
    const type = getTaskType(name);
    return `  ${name.padEnd(22)}${type.title.padEnd(23)}${wrap(modelsOf(name).join(', '), WIDTH - 47, 47)}`;
  });
  return [
    'runway-rx — generate Runway media from the terminal, with live progress',
    '',
    'Usage',
    '  runway-rx <task-type> [options]          submit one task, follow it, save its output',
    '  runway-rx batch <file.jsonl> [options]   run many tasks, one JSON object a line',
    '  runway-rx help <task-type>               models, fields and limits of a task type',
    '',
    'Task types                                    models (the first is the default)',
    ...types,
    '',
    'Task options (mapped onto the model’s own field names; see runway-rx help <task-type>)',
    '  -m, --model <name>          the model',
    '  -p, --prompt <text>         the prompt (promptText)',
    '  -r, --ratio <W:H>           output size in pixels (default: the model’s first ratio)',
    '  -d, --duration <seconds>    length of the output',
    '      --seed <n>              seed for reproducible results',
    '      --image <file|url>      the image input (promptImage, input, character…); repeat for keyframes',
    '      --video <file|url>      the video input (promptVideo, videoUri, …)',
    '      --audio <file|url>      the audio input',
    '      --reference <file|url>  reference media (referenceImages, reference); repeatable',
    '  -f, --field <key=value>     any other field; values are read as JSON when they parse',
    '',
    '  Local files are sent as data URIs (images up to ~3.75 MiB, video and audio up to ~12 MiB);',
    '  https:// and runway:// URIs are passed through.',
    '',
    'Run options',
    `  -o, --out <dir>             where outputs are saved (default: ${DEFAULT_OUT_DIR})`,
    '      --json                  one JSON line per task state on stdout, instead of progress bars',
    `  -c, --concurrency <n>       tasks in flight at once (default: ${DEFAULT_CONCURRENCY})`,
    '  -t, --type <task-type>      batch: the task type of lines that have no "type"',
    '      --poll-interval <ms>    minimum time between two polls of one task',
    `      --time-scale <x>        speed of the built-in simulator (default: ${DEFAULT_TIME_SCALE})`,
    '  -h, --help                  this text; with a task type, its models and limits',
    '  -V, --version',
    '',
    'Batch files',
    '  One JSON object a line: {"type": "text_to_image", "model": "gen4_image", "promptText": "…"}.',
    '  Fields use the model’s names; "type" may be left out with --type, "model" defaults as above;',
    '  media fields may name local files (relative to the batch file). Every line is validated',
    '  before anything is submitted.',
    '',
    'Environment',
    '  RUNWAYML_API_SECRET         your Runway API key; without one, a local simulator runs in-process',
    '  RUNWAYML_BASE_URL           API base URL (default https://api.dev.runwayml.com)',
    '',
    'Exit codes',
    '  0 every task succeeded · 1 a task failed or was cancelled · 2 invalid usage or input',
    '  130 interrupted (Ctrl-C): tasks in flight were cancelled at Runway',
    '',
  ].join('\n');
}

/** `runway-rx <type> --help`: every model of the type with its fields, rules and flags. */
export function renderTaskHelp(type: TaskType): string {
  const definition = getTaskType(type);
  const lines = [
    `runway-rx ${type} — ${definition.title} (${definition.endpoint}, outputs ${definition.output})`,
    '',
  ];
  for (const model of modelsOf(type)) {
    const spec = describeModel(type, model) as ModelSpec;
    const tag = model === defaultModel(type) ? ' (default)' : spec.contract ? '' : ' (current API)';
    lines.push(`Model ${model}${tag}`);
    lines.push(`  ${exampleCommand(spec)}`);
    for (const field of spec.fields) {
      const head = `    ${field.name.padEnd(20)}${(field.required ? 'required' : 'optional').padEnd(10)}`;
      const flags = flagsFor(spec, field);
      const rule = `${describeRule(spec, field)} · ${flags}`;
      lines.push(head + wrap(rule, WIDTH - head.length, head.length));
    }
    lines.push('');
  }
  return lines.join('\n');
}
