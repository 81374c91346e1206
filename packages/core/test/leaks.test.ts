import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { TaskSnapshot } from '../src/index.js';
import { delay, eventually, image, setup, until } from './support.js';

const handles = () => {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
};

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const heapAfterGc = async () => {
  for (let i = 0; i < 3; i++) {
    gc();
    await delay(10);
  }
  return process.memoryUsage().heapUsed;
};

describe('subscribe/unsubscribe cycles', () => {
  it('leave no timers or sockets behind and no retained memory after 10,000 cycles', async () => {
    const { client } = await setup(
      { timing: { runMs: [600_000, 600_000] } },
      { polling: { minIntervalMs: 20, graceMs: 10 }, concurrency: 1 },
    );
    // One running task to watch, holding the model's only slot: new submissions wait QUEUED.
    const running = client.textToImage(image());
    const hold = running.subscribe({ error: () => {} });
    const { id } = (await until(running, (e) => e.status === 'PROCESSING')) as TaskSnapshot;
    await delay(50);
    const before = handles();
    const cycle = () => {
      client.watch(id).subscribe().unsubscribe();
      client.textToImage(image()).subscribe().unsubscribe(); // leaves the queue without a request
    };
    for (let i = 0; i < 1000; i++) cycle(); // warm-up
    await delay(50);
    const heapBefore = await heapAfterGc();
    for (let i = 0; i < 10_000; i++) {
      cycle();
      if (i % 1000 === 0) await delay(0);
    }
    await delay(100);
    const heapAfter = await heapAfterGc();
    await eventually(() => {
      const after = handles();
      expect(after.Timeout ?? 0).toBeLessThanOrEqual((before.Timeout ?? 0) + 1);
      expect(after.TCPSocketWrap ?? 0).toBeLessThanOrEqual(before.TCPSocketWrap ?? 0);
    });
    expect(client.scheduler.state.queued).toEqual({});
    // Retained memory does not grow with the number of cycles (allow noise of a few MB).
    console.info(`heap after 10,000 cycles: ${((heapAfter - heapBefore) / 1024).toFixed(0)} KiB`);
    expect(heapAfter - heapBefore).toBeLessThan(2 * 1024 * 1024);
    hold.unsubscribe();
  });
});
