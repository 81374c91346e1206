import { describe, expect, it } from 'vitest';
import { isMalformedResponseError, MalformedResponseError } from '../errors.js';
import { isTerminal, normalizeTask, WIRE_STATUSES } from './task.js';

const id = '17f20503-6c24-4c16-946b-35dbbce2af2f';
const createdAt = '2024-06-27T19:49:32.334Z';

describe('normalizeTask', () => {
  it.each([
    [
      { status: 'PENDING', estimatedCost: { credits: 12 } },
      { status: 'PENDING', estimatedCost: { credits: 12 } },
    ],
    [{ status: 'THROTTLED' }, { status: 'PENDING', wireStatus: 'THROTTLED' }],
    [
      { status: 'RUNNING', progress: 0.42 },
      { status: 'PROCESSING', wireStatus: 'RUNNING', progress: 0.42 },
    ],
    [{ status: 'RUNNING' }, { status: 'PROCESSING', progress: 0 }],
    [
      { status: 'SUCCEEDED', output: ['https://cdn.example.com/a.mp4'], cost: { credits: 10 } },
      { status: 'SUCCEEDED', output: ['https://cdn.example.com/a.mp4'], progress: 1, cost: { credits: 10 } },
    ],
    [
      { status: 'FAILED', failure: 'Prompt rejected', failureCode: 'SAFETY.INPUT.TEXT' },
      { status: 'FAILED', failure: 'Prompt rejected', failureCode: 'SAFETY.INPUT.TEXT' },
    ],
    [
      { status: 'CANCELLED', cost: { credits: 0 } },
      { status: 'CANCELLED', cost: { credits: 0 } },
    ],
  ])('maps %o', (wire, expected) => {
    const snapshot = normalizeTask({ id, createdAt, ...wire });
    expect(snapshot).toMatchObject({ id, createdAt, wireStatus: wire.status, ...expected });
  });

  it('covers all six wire statuses and maps them onto the five states', () => {
    const states = WIRE_STATUSES.map(
      (status) =>
        normalizeTask({ id, status, output: [], failure: 'x', progress: 0.5 }, { model: 'gen4.5' }).status,
    );
    expect(states).toEqual(['PENDING', 'PENDING', 'PROCESSING', 'SUCCEEDED', 'FAILED', 'CANCELLED']);
    expect(states.map((status) => isTerminal({ status }))).toEqual([false, false, false, true, true, true]);
  });

  it('passes unknown fields through parsing and keeps what the caller knows', () => {
    const snapshot = normalizeTask(
      { id, status: 'RUNNING', progress: 0.1, somethingNew: true },
      { model: 'veo3.1', taskType: 'text_to_video' },
    );
    expect(snapshot).toEqual({
      id,
      status: 'PROCESSING',
      wireStatus: 'RUNNING',
      progress: 0.1,
      model: 'veo3.1',
      taskType: 'text_to_video',
    });
  });

  it.each([
    ['not an object', 'hello'],
    ['null', null],
    ['no id', { status: 'PENDING' }],
    ['an unknown status', { id, status: 'DONE' }],
    ['SUCCEEDED without output', { id, status: 'SUCCEEDED' }],
    ['FAILED without failure', { id, status: 'FAILED' }],
    ['progress past 1', { id, status: 'RUNNING', progress: 1.5 }],
  ])('turns a malformed task (%s) into a typed error', (_, body) => {
    let caught: unknown;
    try {
      normalizeTask(body);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MalformedResponseError);
    expect(isMalformedResponseError(caught)).toBe(true);
    expect((caught as MalformedResponseError).body).toEqual(body);
  });

  it('keeps the task id of a malformed task so it is never lost', () => {
    try {
      normalizeTask({ id, status: 'FAILED' });
      expect.unreachable();
    } catch (error) {
      expect((error as MalformedResponseError).taskId).toBe(id);
    }
  });
});
