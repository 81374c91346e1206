import { describe, expect, it } from 'vitest';
import {
  explainFailureCode,
  formatBytes,
  type JobPhase,
  type JobView,
  progressBar,
  renderFollowUp,
  renderJob,
  renderValidation,
} from './render.js';

const view = (phase: JobPhase, extra: Partial<JobView> = {}): JobView => ({
  handle: 'abc123',
  subcommand: 'text-to-video',
  title: 'Text to Video',
  model: 'gen4.5',
  requesterId: '42',
  prompt: 'a lighthouse at dusk',
  params: [['Ratio', '1280:720']],
  output: 'video',
  taskId: undefined,
  credits: undefined,
  phase,
  ...extra,
});

const description = (phase: JobPhase, extra?: Partial<JobView>) =>
  renderJob(view(phase, extra)).embeds?.[0]?.description ?? '';

describe('progressBar', () => {
  it('draws ten cells and a whole percentage', () => {
    expect(progressBar(0)).toBe('▱▱▱▱▱▱▱▱▱▱ 0%');
    expect(progressBar(0.42)).toBe('▰▰▰▰▱▱▱▱▱▱ 42%');
    expect(progressBar(0.999)).toBe('▰▰▰▰▰▰▰▰▰▱ 99%');
    expect(progressBar(1)).toBe('▰▰▰▰▰▰▰▰▰▰ 100%');
    expect(progressBar(0.5, 6)).toBe('▰▰▰▱▱▱ 50%');
  });

  it('clamps what it cannot draw', () => {
    expect(progressBar(1.7)).toBe('▰▰▰▰▰▰▰▰▰▰ 100%');
    expect(progressBar(-1)).toBe('▱▱▱▱▱▱▱▱▱▱ 0%');
    expect(progressBar(Number.NaN)).toBe('▱▱▱▱▱▱▱▱▱▱ 0%');
  });
});

describe('renderJob', () => {
  it('shows the place in line and a Cancel button while waiting', () => {
    const body = renderJob(view({ kind: 'queued', position: 3 }));
    expect(body.embeds?.[0]).toMatchObject({
      title: 'Text to Video · gen4.5',
      description: '> a lighthouse at dusk\n\n⏳ Queued: #3 in line\n\nRequested by <@42>',
      fields: [{ name: 'Ratio', value: '1280:720', inline: true }],
    });
    expect(body.components).toEqual([
      { type: 1, components: [{ type: 2, style: 4, label: 'Cancel', custom_id: 'runway:cancel:abc123' }] },
    ]);
    expect(body.mentionUsers).toBeUndefined();
  });

  it('marks the cost as an estimate until Runway charges it', () => {
    const footer = (credits: JobView['credits']) =>
      renderJob(view({ kind: 'processing', progress: 0.5 }, { taskId: 't', credits })).embeds?.[0]?.footer
        ?.text;
    expect(footer({ amount: 60, final: false })).toBe('Task t · ~60 credits');
    expect(footer({ amount: 60, final: true })).toBe('Task t · 60 credits');
    expect(footer(undefined)).toBe('Task t');
  });

  it('tells THROTTLED from PENDING', () => {
    expect(description({ kind: 'pending', throttled: false })).toContain('🕒 Starting…');
    expect(description({ kind: 'pending', throttled: true })).toContain(
      '🕒 Waiting for a free slot at Runway…',
    );
  });

  it('removes the button once the task is over or being cancelled', () => {
    for (const phase of [
      { kind: 'cancelling', by: '42' },
      { kind: 'cancelled', by: '42' },
      { kind: 'failed', failure: 'x', code: undefined },
      { kind: 'succeeded', elapsedMs: 1000, deliveries: [] },
      { kind: 'error', message: 'x' },
    ] as JobPhase[]) {
      expect(renderJob(view(phase)).components).toEqual([]);
    }
    expect(description({ kind: 'cancelled', by: '7' })).toContain('🚫 Cancelled by <@7>');
    expect(description({ kind: 'cancelled', by: undefined })).toContain('🚫 Cancelled\n');
  });

  it('attaches image results to the embed, and shows the task and its cost', () => {
    const file = { name: 'runway-1.png', data: new Uint8Array(3), contentType: 'image/png' };
    const body = renderJob(
      view(
        { kind: 'succeeded', elapsedMs: 75_000, deliveries: [{ kind: 'attached', file }] },
        { output: 'image', taskId: 'task-1', credits: { amount: 5, final: true } },
      ),
    );
    expect(body.files).toEqual([file]);
    expect(body.embeds?.[0]).toMatchObject({
      image: { url: 'attachment://runway-1.png' },
      footer: { text: 'Task task-1 · 5 credits' },
      description: expect.stringContaining('✅ Done in 1 min 15 s'),
    });
  });

  it('links a result too large to upload only when the link is public', () => {
    const limit = 10 * 1024 * 1024;
    expect(
      description({
        kind: 'succeeded',
        elapsedMs: 1000,
        deliveries: [
          { kind: 'too_large', size: 25 * 1024 * 1024, limit, link: 'https://cdn.example.com/v.mp4' },
        ],
      }),
    ).toContain(
      'The video is too large to upload here (25 MB; the limit is 10 MB). Download it: https://cdn.example.com/v.mp4 (the link expires in 24–48 h)',
    );
    expect(
      description({
        kind: 'succeeded',
        elapsedMs: 1000,
        deliveries: [{ kind: 'too_large', size: undefined, limit }],
      }),
    ).toContain('The video is too large to upload here (over the 10 MB limit).\n');
    expect(
      description({ kind: 'succeeded', elapsedMs: 1000, deliveries: [{ kind: 'unavailable' }] }),
    ).toContain('The video could not be fetched for upload.\n');
  });

  it('explains failures by code family, and falls back to Runway’s text', () => {
    expect(description({ kind: 'failed', failure: 'Prompt flagged.', code: 'SAFETY.INPUT.TEXT' })).toContain(
      '❌ Failed: The input was flagged by content moderation.\n> Prompt flagged.\nCode: `SAFETY.INPUT.TEXT`',
    );
    expect(description({ kind: 'failed', failure: 'Something odd.', code: 'NEW.CODE' })).toContain(
      '❌ Failed: Something odd.\nCode: `NEW.CODE`',
    );
    expect(description({ kind: 'failed', failure: undefined, code: undefined })).toContain(
      '❌ Failed: no reason given',
    );
  });

  it('clips long prompts to keep the embed readable', () => {
    const text = description({ kind: 'submitting' }, { prompt: 'x'.repeat(2000) });
    expect(text.split('\n')[0]?.length).toBeLessThanOrEqual(402);
  });
});

describe('explainFailureCode', () => {
  it('knows the code families of the API', () => {
    expect(explainFailureCode('SAFETY.OUTPUT.VIDEO')).toBe('The result was flagged by content moderation.');
    expect(explainFailureCode('INTERNAL.BAD_OUTPUT.CODE01')).toMatch(/trying again may work/);
    expect(explainFailureCode('INPUT_PREPROCESSING.SAFETY.TEXT')).toMatch(/could not be processed/);
    expect(explainFailureCode('ASSET.INVALID')).toMatch(/invalid/);
    expect(explainFailureCode('INTERNAL')).toMatch(/internal error/);
    expect(explainFailureCode(undefined)).toBeUndefined();
  });
});

describe('follow-ups and validation', () => {
  it('pings the requester on success and failure only', () => {
    expect(
      renderFollowUp(view({ kind: 'succeeded', elapsedMs: 1, deliveries: [] }), 'https://discord.com/x'),
    ).toEqual({
      content: '<@42> your text-to-video is ready: https://discord.com/x',
      mentionUsers: ['42'],
    });
    expect(renderFollowUp(view({ kind: 'failed', failure: 'x', code: undefined }), undefined)).toEqual({
      content: '<@42> your text-to-video failed',
      mentionUsers: ['42'],
    });
    expect(renderFollowUp(view({ kind: 'cancelled', by: '42' }), undefined)).toBeUndefined();
  });

  it('lists each broken rule by option, ephemerally', () => {
    const body = renderValidation(
      'text-to-video',
      [
        { path: 'ratio', code: 'enum', message: 'must be one of 1280:720, 720:1280' },
        { path: '', code: 'type', message: 'must be a JSON object' },
      ],
      (path) => (path === 'ratio' ? 'ratio' : path),
    );
    expect(body).toEqual({
      content:
        "**Can't start text-to-video:**\n• `ratio` must be one of 1280:720, 720:1280\n• must be a JSON object",
      ephemeral: true,
    });
  });

  it('formats sizes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(300_000)).toBe('293 KB');
    expect(formatBytes(10 * 1024 * 1024)).toBe('10 MB');
  });
});
