import type { AddressInfo } from 'node:net';
import { EventSource } from 'eventsource';
import express from 'express';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventSourceConstructor, TaskEventsError, taskEvents } from './browser.js';
import { SseStream } from './sse.js';
import { call, eventSourceAs, eventually, type Stack, startStack } from './test-helpers.js';

const IMAGE = { model: 'gen4_image', promptText: 'a lighthouse at dusk', ratio: '1920:1080' };

/** An Express app on loopback whose handler the test writes, for answers the router never gives. */
async function customServer(
  handler: express.RequestHandler,
): Promise<{ url: string; close: () => Promise<void> }> {
  const app = express();
  app.get('/events', handler);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('taskEvents against the router', () => {
  let stack: Stack;
  const Alice = eventSourceAs('alice') as unknown as EventSourceConstructor;
  beforeAll(async () => {
    stack = await startStack({ simulator: { timeScale: 0.01 } });
  });
  afterAll(() => stack.close());

  it("emits a task's states and completes at the final one", async () => {
    const accepted = (await call(`${stack.url}/text_to_image`, { user: 'alice', json: IMAGE })).body as {
      id: string;
      events: string;
    };
    const states = await lastValueFrom(
      taskEvents(`${stack.origin}${accepted.events}`, { EventSource: Alice }).pipe(toArray()),
    );
    expect(states.map((state) => state.status)).toContain('PROCESSING');
    expect(states.at(-1)).toMatchObject({ id: accepted.id, status: 'SUCCEEDED' });
    expect(states.at(-1)?.output?.length).toBe(1);
  });

  it('errors with the HTTP status when the answer is not an event stream', async () => {
    const missing = taskEvents(`${stack.url}/00000000-0000-4000-8000-000000000000/events`, {
      EventSource: Alice,
    });
    const notFound = await firstValueFrom(missing).catch((error: unknown) => error);
    expect(notFound).toBeInstanceOf(TaskEventsError);
    expect(notFound).toMatchObject({ code: 'connection_failed', status: 404 });

    const anonymous = taskEvents(`${stack.url}/events?ids=a`, {
      EventSource: EventSource as EventSourceConstructor,
    });
    expect(await firstValueFrom(anonymous).catch((error: unknown) => error)).toMatchObject({ status: 401 });
  });

  it('uses globalThis.EventSource by default, and says so when there is none', async () => {
    const global = globalThis as { EventSource?: unknown };
    const original = global.EventSource;
    try {
      global.EventSource = Alice;
      const accepted = (await call(`${stack.url}/text_to_image`, { user: 'alice', json: IMAGE })).body as {
        events: string;
      };
      const last = await lastValueFrom(taskEvents(`${stack.origin}${accepted.events}`));
      expect(last.status).toBe('SUCCEEDED');
      global.EventSource = undefined;
      await expect(firstValueFrom(taskEvents(`${stack.origin}${accepted.events}`))).rejects.toThrow(
        /No EventSource/,
      );
    } finally {
      global.EventSource = original;
    }
  });
});

describe('taskEvents edge cases', () => {
  it('completes when a reconnect after the final state is answered 204', async () => {
    const lastIds: (string | undefined)[] = [];
    const server = await customServer((req, res) => {
      lastIds.push(req.get('last-event-id'));
      if (lastIds.length > 1) {
        res.status(204).end();
        return;
      }
      const stream = new SseStream(req, res, { retryMs: 10 });
      stream.send({ event: 'task', id: 5, data: JSON.stringify({ id: 't1', status: 'SUCCEEDED' }) });
      // The connection drops before the `end` event.
      setTimeout(() => res.destroy(), 20);
    });
    try {
      const states = await lastValueFrom(
        taskEvents(server.url, { EventSource: EventSource as EventSourceConstructor }).pipe(toArray()),
      );
      expect(states).toEqual([{ id: 't1', status: 'SUCCEEDED' }]);
      expect(lastIds).toEqual([undefined, '5']);
    } finally {
      await server.close();
    }
  });

  it('errors when the server gives up on a task, or sends an event that is not JSON', async () => {
    const server = await customServer((req, res) => {
      const stream = new SseStream(req, res);
      if (req.query.bad) stream.send({ event: 'task', id: 1, data: 'not json' });
      else {
        stream.send({ event: 'task', id: 1, data: JSON.stringify({ id: 'q_1', status: 'QUEUED' }) });
        stream.send({
          event: 'task-error',
          id: 2,
          data: JSON.stringify({ id: 'q_1', error: 'rate_limited', message: 'Retry later' }),
        });
      }
    });
    try {
      const Source = EventSource as EventSourceConstructor;
      const seen: string[] = [];
      const failure = await new Promise<unknown>((resolve) => {
        taskEvents(server.url, { EventSource: Source }).subscribe({
          next: (state) => seen.push(state.status),
          error: resolve,
        });
      });
      expect(seen).toEqual(['QUEUED']);
      expect(failure).toBeInstanceOf(TaskEventsError);
      expect(failure).toMatchObject({ code: 'rate_limited', taskId: 'q_1', message: 'Retry later' });
      const malformed = await firstValueFrom(
        taskEvents(`${server.url}?bad=1`, { EventSource: Source }),
      ).catch((error: unknown) => error);
      expect(malformed).toMatchObject({ code: 'malformed_event' });
    } finally {
      await server.close();
    }
  });

  it('closes the connection on unsubscribe', async () => {
    let closed = false;
    let opened = false;
    const server = await customServer((req, res) => {
      opened = true;
      const stream = new SseStream(req, res);
      stream.onClose(() => {
        closed = true;
      });
    });
    try {
      const subscription = taskEvents(server.url, {
        EventSource: EventSource as EventSourceConstructor,
      }).subscribe();
      await eventually(() => opened, 2000, 'the stream to open');
      subscription.unsubscribe();
      await eventually(() => closed, 2000, 'the server to see the client leave');
    } finally {
      await server.close();
    }
  });
});
