import { describe, expect, it } from 'vitest';
import type { TaskSnapshot } from '../schema/task.js';
import { mergeSnapshot } from './hub.js';

const at = (status: TaskSnapshot['status'], extra: Partial<TaskSnapshot> = {}): TaskSnapshot => ({
  id: 't',
  status,
  wireStatus: status === 'PROCESSING' ? 'RUNNING' : status,
  ...extra,
});

describe('mergeSnapshot', () => {
  it('accepts the first snapshot and every forward step', () => {
    const first = mergeSnapshot(undefined, at('PENDING'));
    expect(first?.status).toBe('PENDING');
    expect(mergeSnapshot(first, at('PROCESSING', { progress: 0.2 }))?.progress).toBe(0.2);
    expect(
      mergeSnapshot(at('PROCESSING', { progress: 0.5 }), at('SUCCEEDED', { output: ['u'] }))?.status,
    ).toBe('SUCCEEDED');
  });

  it('never goes backwards', () => {
    expect(mergeSnapshot(at('PROCESSING', { progress: 0.5 }), at('PENDING'))).toBeUndefined();
    expect(mergeSnapshot(at('SUCCEEDED'), at('PROCESSING', { progress: 0.9 }))).toBeUndefined();
    expect(mergeSnapshot(at('FAILED'), at('CANCELLED'))).toBeUndefined();
  });

  it('keeps progress monotonic and reports no change when nothing moved', () => {
    expect(
      mergeSnapshot(at('PROCESSING', { progress: 0.5 }), at('PROCESSING', { progress: 0.4 })),
    ).toBeUndefined();
    expect(
      mergeSnapshot(at('PROCESSING', { progress: 0.5 }), at('PROCESSING', { progress: 0.5 })),
    ).toBeUndefined();
    expect(mergeSnapshot(at('PENDING'), at('PENDING'))).toBeUndefined();
  });

  it('reports a change of wire status within one state (THROTTLED to PENDING)', () => {
    const merged = mergeSnapshot(at('PENDING', { wireStatus: 'THROTTLED' }), at('PENDING'));
    expect(merged?.wireStatus).toBe('PENDING');
  });

  it('keeps what the earlier snapshot knew (model, task type)', () => {
    const merged = mergeSnapshot(
      at('PENDING', { model: 'gen4.5', taskType: 'text_to_video' }),
      at('PROCESSING'),
    );
    expect(merged).toMatchObject({ model: 'gen4.5', taskType: 'text_to_video' });
  });
});
