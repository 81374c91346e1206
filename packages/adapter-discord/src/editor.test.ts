import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MessageEditor } from './editor.js';
import type { MessageBody } from './message.js';

/**
 * The editor's timing, under fake timers (the interval is 1.5 s in production). Each `send` is a
 * promise the test settles by hand, which is how a slow or rate-limited Discord looks from here.
 */

const body = (text: string): MessageBody => ({ content: text });

function recorder() {
  const sent: { text: string | undefined; at: number }[] = [];
  const pending: { resolve: () => void; reject: (error: Error) => void }[] = [];
  let hold = false;
  const send = (message: MessageBody) => {
    sent.push({ text: message.content, at: Date.now() });
    if (!hold) return Promise.resolve();
    return new Promise<void>((resolve, reject) => pending.push({ resolve, reject }));
  };
  return {
    sent,
    send,
    holdReplies: (value: boolean) => {
      hold = value;
    },
    settleNext: () => pending.shift()?.resolve(),
    failNext: (error: Error) => pending.shift()?.reject(error),
  };
}

describe('MessageEditor', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends the first render at once, then at most one edit per interval, always the latest', async () => {
    const r = recorder();
    const editor = new MessageEditor({ intervalMs: 1500, send: r.send, onError: () => {} });
    editor.push(body('1%'));
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 2; i <= 20; i++) {
      editor.push(body(`${i}%`));
      await vi.advanceTimersByTimeAsync(100);
    }
    await vi.advanceTimersByTimeAsync(5000);
    // At 1500 ms the newest render was pushed at 1400 ms (16%); at 3000 ms, the last one.
    expect(r.sent.map((s) => s.text)).toEqual(['1%', '16%', '20%']);
    expect(r.sent.map((s) => s.at - 1_000_000)).toEqual([0, 1500, 3000]);
  });

  it('skips renders that look like what is shown', async () => {
    const r = recorder();
    const editor = new MessageEditor({ intervalMs: 100, send: r.send, onError: () => {} });
    editor.push(body('same'));
    await vi.advanceTimersByTimeAsync(500);
    editor.push(body('same'));
    editor.push({ content: 'same' });
    await vi.advanceTimersByTimeAsync(500);
    expect(r.sent).toHaveLength(1);
    expect(editor.sent).toBe(1);
  });

  it('never builds a backlog while an edit is stuck (a 429 being waited out)', async () => {
    const r = recorder();
    r.holdReplies(true);
    const editor = new MessageEditor({ intervalMs: 100, send: r.send, onError: () => {} });
    editor.push(body('first'));
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 0; i < 100; i++) {
      editor.push(body(`render ${i}`));
      await vi.advanceTimersByTimeAsync(20);
    }
    expect(r.sent.map((s) => s.text)).toEqual(['first']);
    r.holdReplies(false);
    r.settleNext();
    await vi.advanceTimersByTimeAsync(1000);
    // One more edit, with the newest render; the 99 in between were dropped.
    expect(r.sent.map((s) => s.text)).toEqual(['first', 'render 99']);
  });

  it('resolves show() when its render is on screen, false when replaced or failed', async () => {
    const r = recorder();
    const errors: unknown[] = [];
    const editor = new MessageEditor({ intervalMs: 100, send: r.send, onError: (e) => errors.push(e) });
    const shown = editor.show(body('final'));
    await vi.advanceTimersByTimeAsync(0);
    await expect(shown).resolves.toBe(true);
    expect(editor.shows(body('final'))).toBe(true);

    r.holdReplies(true);
    const replaced = editor.show(body('a'));
    editor.push(body('b'));
    await expect(replaced).resolves.toBe(false);

    await vi.advanceTimersByTimeAsync(200); // 'b' is on the wire
    const failing = editor.show(body('c'));
    r.failNext(new Error('b failed'));
    await vi.advanceTimersByTimeAsync(200); // 'c' is on the wire
    r.failNext(new Error('c failed'));
    await vi.advanceTimersByTimeAsync(0);
    await expect(failing).resolves.toBe(false);
    expect(errors.map((e) => (e as Error).message)).toEqual(['b failed', 'c failed']);
    expect(r.sent.map((s) => s.text)).toEqual(['final', 'b', 'c']);
    // A failed render is not retried by itself; the next different one is sent.
    r.holdReplies(false);
    editor.push(body('d'));
    await vi.advanceTimersByTimeAsync(200);
    expect(r.sent.map((s) => s.text)).toEqual(['final', 'b', 'c', 'd']);
  });

  it('does not repeat what a button answer already showed, nor leave an older edit on top', async () => {
    const r = recorder();
    r.holdReplies(true);
    const editor = new MessageEditor({ intervalMs: 100, send: r.send, onError: () => {} });
    editor.push(body('running 50%'));
    await vi.advanceTimersByTimeAsync(0);
    // The Cancel button's own answer replaced the message while that edit was on the wire.
    editor.markShown(body('cancelling'));
    r.holdReplies(false);
    r.settleNext();
    await vi.advanceTimersByTimeAsync(500);
    expect(r.sent.map((s) => s.text)).toEqual(['running 50%', 'cancelling']);

    editor.markShown(body('cancelled'));
    editor.push(body('cancelled'));
    await vi.advanceTimersByTimeAsync(500);
    expect(r.sent.map((s) => s.text)).toEqual(['running 50%', 'cancelling']);
  });

  it('stops when closed', async () => {
    const r = recorder();
    const editor = new MessageEditor({ intervalMs: 1000, send: r.send, onError: () => {} });
    editor.push(body('one'));
    await vi.advanceTimersByTimeAsync(0);
    const pending = editor.show(body('two'));
    editor.close();
    await expect(pending).resolves.toBe(false);
    editor.push(body('three'));
    await vi.advanceTimersByTimeAsync(5000);
    expect(r.sent.map((s) => s.text)).toEqual(['one']);
  });
});
