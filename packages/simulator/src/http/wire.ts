import type { ValidationIssue } from '@runway-rx/core';
import type { SimulatedTask } from '../engine/engine.js';

/** An issue of a 400 answer, as the API sends it: `path` is an array of keys and indexes. */
export interface WireIssue {
  readonly code: string;
  readonly path: readonly (string | number)[];
  readonly message: string;
}

export const DOC_URL = 'https://docs.dev.runwayml.com/api/';

/** Turns a dotted path (`promptImage.0.uri`) into the API's array form (`['promptImage', 0, 'uri']`). */
export function toWireIssue(issue: ValidationIssue): WireIssue {
  const path =
    issue.path === '' ? [] : issue.path.split('.').map((key) => (/^\d+$/.test(key) ? Number(key) : key));
  return { code: issue.code, path, message: issue.message };
}

/**
 * The body of `GET /v1/tasks/{id}`: exactly the fields the spec's `oneOf` member for the status
 * allows (it forbids additional properties), so strict clients accept it.
 */
export function wireTask(task: SimulatedTask, output: () => string[]): Record<string, unknown> {
  const base = { id: task.id, createdAt: task.createdAt, status: task.status };
  const estimatedCost = { credits: task.estimatedCredits };
  const cost = { credits: task.costCredits ?? 0 };
  switch (task.status) {
    case 'PENDING':
    case 'THROTTLED':
      return { ...base, estimatedCost };
    case 'RUNNING':
      return { ...base, progress: task.progress ?? 0, estimatedCost };
    case 'SUCCEEDED':
      return { ...base, output: output(), cost };
    case 'FAILED':
      return {
        ...base,
        failure: task.failure ?? 'The task failed.',
        ...(task.failureCode ? { failureCode: task.failureCode } : {}),
        cost,
      };
    case 'CANCELLED':
      return { ...base, cost };
  }
}
