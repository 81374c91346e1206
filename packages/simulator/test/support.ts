import { afterEach } from 'vitest';
import { type Simulator, type SimulatorOptions, startSimulator } from '../src/index.js';

const open: Simulator[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((sim) => sim.close()));
});

/** A time-scaled simulator on a free loopback port, closed after the test. */
export async function simulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const sim = await startSimulator({ timeScale: 0.01, seed: 42, ...options });
  open.push(sim);
  return sim;
}

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
  readonly text: string;
}

/** Speaks to the simulator the way a bare HTTP client would, with Runway's headers by default. */
export function api(sim: Simulator, key: string = sim.apiKey) {
  const send = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string | undefined> = {},
  ): Promise<Reply> => {
    const merged: Record<string, string> = {};
    for (const [name, value] of Object.entries({
      authorization: `Bearer ${key}`,
      'x-runway-version': '2024-11-06',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    })) {
      if (value !== undefined) merged[name] = value;
    }
    const response = await fetch(`${sim.url}${path}`, {
      method,
      headers: merged,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: keep the text.
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  };
  return {
    send,
    create: (type: string, input: unknown) => send('POST', `/v1/${type}`, input),
    get: (id: string) => send('GET', `/v1/tasks/${id}`),
    delete: (id: string) => send('DELETE', `/v1/tasks/${id}`),
  };
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves once `check` passes, retrying every 10 ms, or rethrows its error after `timeoutMs`. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await delay(10);
    }
  }
}
