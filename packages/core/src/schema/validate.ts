import type { z } from 'zod';
import { ValidationError, type ValidationIssue } from '../errors.js';
import {
  getTaskType,
  isTaskType,
  modelSchema,
  modelsOf,
  TASK_TYPE_NAMES,
  type TaskType,
  type ValidTaskInput,
} from './registry.js';

/**
 * Validates `input` for task type `type` against its model's schema and returns the body to send.
 * Throws a `ValidationError` listing every problem (path, rule, a message a person can act on);
 * no request is ever sent for input that fails here.
 */
export function validateTaskInput<T extends TaskType>(type: T, input: unknown): ValidTaskInput<T>;
export function validateTaskInput(type: string, input: unknown): unknown;
export function validateTaskInput(type: string, input: unknown): unknown {
  if (!isTaskType(type)) {
    throw new ValidationError(
      `Unknown task type "${String(type)}": must be one of ${TASK_TYPE_NAMES.join(', ')}`,
      {
        issues: [
          { path: '', code: 'unknown_task_type', message: `must be one of ${TASK_TYPE_NAMES.join(', ')}` },
        ],
      },
    );
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    const issue = { path: '', code: 'type', message: 'must be a JSON object' };
    throw new ValidationError(`Invalid ${type} input: the body must be a JSON object`, {
      issues: [issue],
      taskType: type,
    });
  }
  const model = (input as { model?: unknown }).model;
  const schema = typeof model === 'string' ? modelSchema(type, model) : undefined;
  if (!schema) {
    const models = modelsOf(type).join(', ');
    const rule = model === undefined ? `is required: one of ${models}` : `must be one of ${models}`;
    throw new ValidationError(`Invalid ${type} input: model ${rule}`, {
      issues: [{ path: 'model', code: model === undefined ? 'required' : 'enum', message: rule }],
      taskType: type,
    });
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;

  const issues = result.error.issues.flatMap((issue) => toIssues(issue, input));
  const lines = issues.map((i) => `${i.path || 'body'} ${i.message}`);
  const title = getTaskType(type).name;
  throw new ValidationError(`Invalid ${title} input for model ${model as string}: ${lines.join('; ')}`, {
    issues,
    taskType: type,
    model: model as string,
    cause: result.error,
  });
}

/** Whether `input` is valid, without throwing. */
export function safeValidateTaskInput<T extends TaskType>(
  type: T,
  input: unknown,
): { success: true; data: ValidTaskInput<T> } | { success: false; error: ValidationError } {
  try {
    return { success: true, data: validateTaskInput(type, input) };
  } catch (error) {
    if (error instanceof ValidationError) return { success: false, error };
    throw error;
  }
}

const formatPath = (path: readonly PropertyKey[]) => path.map(String).join('.');

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

const list = (values: readonly unknown[]) => values.map((v) => String(v)).join(', ');

function boundMessage(issue: z.core.$ZodIssueTooBig | z.core.$ZodIssueTooSmall): string {
  const small = issue.code === 'too_small';
  const bound = String(small ? issue.minimum : issue.maximum);
  const inclusive = issue.inclusive !== false;
  switch (issue.origin) {
    case 'string':
      return small
        ? `must be at least ${bound} character${bound === '1' ? '' : 's'}`
        : `must be at most ${bound} characters`;
    case 'array':
    case 'set':
      return small
        ? `must have at least ${bound} item${bound === '1' ? '' : 's'}`
        : `must have at most ${bound} items`;
    default:
      if (small) return inclusive ? `must be at least ${bound}` : `must be greater than ${bound}`;
      return inclusive ? `must be at most ${bound}` : `must be less than ${bound}`;
  }
}

/** Turns one zod issue into issues a person can act on. */
function toIssues(issue: z.core.$ZodIssue, input: unknown): ValidationIssue[] {
  const path = formatPath(issue.path);
  switch (issue.code) {
    case 'invalid_type': {
      if (valueAt(input, issue.path) === undefined)
        return [{ path, code: 'required', message: 'is required' }];
      const expected = issue.expected === 'int' ? 'an integer' : `a ${issue.expected}`;
      return [{ path, code: 'type', message: `must be ${expected}` }];
    }
    case 'invalid_value':
      if (valueAt(input, issue.path) === undefined) {
        return [{ path, code: 'required', message: `is required: one of ${list(issue.values)}` }];
      }
      return [
        {
          path,
          code: 'enum',
          message:
            issue.values.length === 1
              ? `must be ${list(issue.values)}`
              : `must be one of ${list(issue.values)}`,
        },
      ];
    case 'too_small':
    case 'too_big':
      return [{ path, code: issue.code, message: boundMessage(issue) }];
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key]),
        code: 'unknown_field',
        message: 'is not a field of this model',
      }));
    case 'invalid_union': {
      const options = (issue as { options?: unknown[] }).options;
      if (issue.errors.length === 0 && options) {
        return [{ path, code: 'enum', message: `must be one of ${list(options)}` }];
      }
      // A field that takes several shapes (promptImage: a URI or keyframes). When the value was
      // meant as one of them (a string, an array), report that branch's problems; else say which
      // shapes are accepted. Inner issue paths are relative to the union.
      const value = valueAt(input, issue.path);
      if (value === undefined) return [{ path, code: 'required', message: 'is required' }];
      const branches = issue.errors.map((branch) =>
        branch.flatMap((inner) => toIssues({ ...inner, path: [...issue.path, ...inner.path] }, input)),
      );
      const meant = branches.find((branch) => branch.every((i) => i.code !== 'type' || i.path !== path));
      if (meant && meant.length > 0) return meant;
      return [{ path, code: 'type', message: `must be ${describeUnion(issue)}` }];
    }
    case 'invalid_format':
      return [{ path, code: 'format', message: `must be a valid ${issue.format}` }];
    case 'not_multiple_of':
      return [{ path, code: 'multiple_of', message: `must be a multiple of ${String(issue.divisor)}` }];
    case 'custom': {
      const rule = (issue.params as { rule?: string } | undefined)?.rule ?? 'custom';
      return [{ path, code: rule, message: issue.message }];
    }
    default:
      return [{ path, code: issue.code, message: issue.message }];
  }
}

function describeUnion(issue: z.core.$ZodIssueInvalidUnion): string {
  const expected = new Set<string>();
  for (const branch of issue.errors) {
    for (const inner of branch) {
      if (inner.code === 'invalid_type' && inner.path.length === 0) expected.add(inner.expected);
    }
  }
  return expected.size > 0 ? `a ${[...expected].join(' or a ')}` : 'one of the accepted shapes';
}
