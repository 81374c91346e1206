import { Agent, request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type SimulatedTask, type Simulator, sampleInput } from '../src/index.js';
import { eventually, simulator } from './support.js';

const TASKS = 2000;
const CONCURRENCY = 2;
const KEYS = ['key_0a0a0a', 'key_0b0b0b'];
const KINDS = [
  ['text_to_image', sampleInput('text_to_image', 'gen4_image')],
  ['text_to_image', sampleInput('text_to_image', 'gen4_image_turbo')],
  ['sound_effect', sampleInput('sound_effect', 'seed_audio')],
  ['sound_effect', sampleInput('sound_effect', 'eleven_text_to_sound_v2')],
] as const;

const agent = new Agent({ keepAlive: true, maxSockets: 32 });
afterEach(() => agent.destroy());

/** A lean HTTP client (node:http, kept-alive sockets): fetch would make the client the bottleneck. */
function call(sim: Simulator, key: string, method: string, path: string, body?: unknown) {
  return new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${sim.url}${path}`,
      {
        method,
        agent,
        headers: {
          authorization: `Bearer ${key}`,
          'x-runway-version': '2024-11-06',
          ...(payload
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Runs `jobs` with at most `limit` at once. */
async function pool<T>(count: number, limit: number, job: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await job(index);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

/** The most intervals `[start, end)` that overlap at any instant. */
function maxOverlap(tasks: readonly SimulatedTask[]): number {
  const edges = tasks.flatMap((t) => [
    [t.startedAt as number, 1],
    [t.finishedAt as number, -1],
  ]);
  edges.sort((a, b) => (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number));
  let current = 0;
  let max = 0;
  for (const [, delta] of edges) {
    current += delta as number;
    max = Math.max(max, current);
  }
  return max;
}

describe('at scale', () => {
  it('runs 2,000 tasks under concurrency limits: none lost, THROTTLED ones start in submission order', async () => {
    const sim = await simulator({
      timeScale: 0.001,
      concurrency: CONCURRENCY,
      failureRate: 0.05,
      timing: { queueMs: [500, 2_000], runMs: [5_000, 10_000], slowFactor: 10_000 },
    });
    const keyOf = (i: number) => KEYS[Math.floor(i / KINDS.length) % KEYS.length] as string;
    const kindOf = (i: number) => KINDS[i % KINDS.length] as (typeof KINDS)[number];

    // Long tasks take every slot first, so that the whole run queues up behind them whatever the
    // speed of this machine; they are cancelled once everything is submitted.
    const slots = KEYS.length * KINDS.length;
    const blockers = await pool(slots * CONCURRENCY, 8, async (i) => {
      const [type, input] = kindOf(i);
      const reply = await call(sim, keyOf(i), 'POST', `/v1/${type}`, { ...input, promptText: 'hold [slow]' });
      return (reply.body as { id: string }).id;
    });
    const ids = await pool(TASKS, 32, async (i) => {
      const [type, input] = kindOf(i);
      const reply = await call(sim, keyOf(i), 'POST', `/v1/${type}`, input);
      expect(reply.status).toBe(200);
      return (reply.body as { id: string }).id;
    });
    expect(new Set(ids).size).toBe(TASKS);
    for (const [i, id] of blockers.entries()) {
      expect((await call(sim, keyOf(i), 'DELETE', `/v1/tasks/${id}`)).status).toBe(204);
    }

    await eventually(() => {
      const { byStatus } = sim.stats().tasks;
      expect(byStatus.SUCCEEDED + byStatus.FAILED).toBe(TASKS);
    }, 30_000);

    // No task lost: every id answers over HTTP with a terminal state.
    const finals = await pool(TASKS, 32, async (i) => {
      const reply = await call(sim, keyOf(i), 'GET', `/v1/tasks/${ids[i]}`);
      expect(reply.status).toBe(200);
      return (reply.body as { status: string }).status;
    });
    expect(finals.filter((s) => s !== 'SUCCEEDED' && s !== 'FAILED')).toEqual([]);
    expect(finals.filter((s) => s === 'FAILED').length).toBeGreaterThan(0);

    const tasks = sim.tasks();
    expect(tasks).toHaveLength(TASKS + blockers.length);
    const bySlot = new Map<string, SimulatedTask[]>();
    for (const task of tasks) {
      const slot = `${task.keyId} ${task.model}`;
      bySlot.set(slot, [...(bySlot.get(slot) ?? []), task]);
    }
    expect(bySlot.size).toBe(slots);
    let throttled = 0;
    for (const [slot, members] of bySlot) {
      const ran = members.filter((t) => t.startedAt !== undefined);
      // The limit held at every instant, computed from the timelines themselves.
      expect(maxOverlap(ran), slot).toBe(CONCURRENCY);
      // THROTTLED tasks started in the order they were submitted.
      const waited = ran.filter((t) => t.throttled).sort((a, b) => a.sequence - b.sequence);
      throttled += waited.length;
      const starts = waited.map((t) => t.startedAt as number);
      expect(starts, slot).toEqual([...starts].sort((a, b) => a - b));
      // And none overtook a task already waiting: whoever left PENDING after a task was
      // THROTTLED started after it.
      const overtaken: string[] = [];
      for (const waiting of waited) {
        const throttledAt = waiting.timeline.find((e) => e.status === 'THROTTLED')?.at as number;
        for (const later of ran) {
          const admittedAt = later.timeline[1]?.at as number;
          const overtook = (later.startedAt as number) < (waiting.startedAt as number);
          if (later.sequence > waiting.sequence && admittedAt > throttledAt && overtook) {
            overtaken.push(`${later.id} overtook ${waiting.id}`);
          }
        }
      }
      expect(overtaken, slot).toEqual([]);
      for (const task of members) {
        expect(task.timeline.map((e) => e.status).join(' > ')).toMatch(
          /^PENDING > (THROTTLED > )?RUNNING > (SUCCEEDED|FAILED|CANCELLED)$/,
        );
      }
    }
    expect(throttled).toBeGreaterThan(TASKS * 0.9);
    expect(sim.stats().throttledTasks).toBe(throttled);
    expect(sim.stats().maxConcurrent).toEqual({
      gen4_image: CONCURRENCY,
      gen4_image_turbo: CONCURRENCY,
      seed_audio: CONCURRENCY,
      eleven_text_to_sound_v2: CONCURRENCY,
    });
  });
});
