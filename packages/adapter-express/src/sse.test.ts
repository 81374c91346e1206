import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { formatSseEvent, SseStream } from './sse.js';
import { parseSse } from './test-helpers.js';

describe('formatSseEvent', () => {
  it('writes event, id and one data line per line of data', () => {
    expect(formatSseEvent({ event: 'task', id: 7, data: '{"a":1}' })).toBe(
      'event: task\nid: 7\ndata: {"a":1}\n\n',
    );
    expect(formatSseEvent({ data: 'one\ntwo\r\nthree' })).toBe('data: one\ndata: two\ndata: three\n\n');
  });

  it('refuses an id or event name that would break the framing', () => {
    expect(() => formatSseEvent({ id: '1\n2', data: '' })).toThrow(RangeError);
    expect(() => formatSseEvent({ event: 'task\ndata: forged', data: '' })).toThrow(RangeError);
  });
});

/** A server whose one route opens an `SseStream` and hands it to the test. */
async function sseServer(): Promise<{ server: Server; port: number; next: () => Promise<SseStream> }> {
  const waiting: ((stream: SseStream) => void)[] = [];
  const server = createServer((req, res) => {
    const stream = new SseStream(req, res, { retryMs: 1000, heartbeatMs: 0 });
    waiting.shift()?.(stream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    next: () => new Promise((resolve) => waiting.push(resolve)),
  };
}

/** A raw TCP client that sends a GET and then reads nothing until told to. */
function stalledClient(port: number): { socket: Socket; received: () => string; resume: () => void } {
  const socket = connect(port, '127.0.0.1');
  socket.write(
    'GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nConnection: close\r\n\r\n',
  );
  socket.pause();
  let text = '';
  return {
    socket,
    received: () => text,
    resume: () => {
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        text += chunk;
      });
      socket.resume();
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('SseStream backpressure', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('holds only the latest event per key while a client is not reading, then delivers it', async () => {
    const started = await sseServer();
    server = started.server;
    const opened = started.next();
    const client = stalledClient(started.port);
    const stream = await opened;
    const payload = 'x'.repeat(4096);

    // Fill the socket and kernel buffers until write() says stop.
    let version = 0;
    while (!stream.blocked) {
      for (let i = 0; i < 64 && !stream.blocked; i++) {
        version += 1;
        stream.send(
          { event: 'task', id: version, data: JSON.stringify({ key: 'a', version, payload }) },
          'a',
        );
      }
      await tick();
      expect(version).toBeLessThan(100_000); // ~400 MB: the socket never pushed back
    }
    const bufferedWhenBlocked = stream.bufferedBytes;

    // 80 MB more of states of two tasks: none of it may pile up in the server.
    for (let i = 0; i < 20_000; i++) {
      version += 1;
      const key = i % 2 === 0 ? 'a' : 'b';
      stream.send({ event: 'task', id: version, data: JSON.stringify({ key, version, payload }) }, key);
      if (i % 1000 === 0) await tick();
    }
    expect(stream.pendingCount).toBe(2);
    expect(stream.bufferedBytes).toBe(bufferedWhenBlocked);
    expect(stream.bufferedBytes).toBeLessThan(64 * 1024);
    const lastVersion = version;

    stream.end();
    expect(stream.closed).toBe(false); // Ending waits for what is held.
    client.resume();
    await new Promise((resolve) => client.socket.once('end', resolve));
    expect(stream.closed).toBe(true);

    const body = client.received().slice(client.received().indexOf('\r\n\r\n') + 4);
    // Chunked transfer encoding frames the body; keep only the SSE lines.
    const sse = body
      .split('\r\n')
      .filter((line) => !/^[0-9a-f]+$/.test(line))
      .join('');
    const events = parseSse(sse).events.map((event) => ({
      id: Number(event.id),
      ...(JSON.parse(event.data) as { key: string; version: number }),
    }));
    const ids = events.map((event) => event.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    // The held events were the latest of each key, in the order they happened.
    expect(events.slice(-2).map((event) => [event.key, event.version])).toEqual([
      ['a', lastVersion - 1],
      ['b', lastVersion],
    ]);
    expect(events.length).toBeLessThan(version / 10);
  });

  it('drops what a stalled client holds when closed for shutdown', async () => {
    const started = await sseServer();
    server = started.server;
    const opened = started.next();
    const client = stalledClient(started.port);
    const stream = await opened;
    const payload = 'y'.repeat(4096);
    while (!stream.blocked) {
      stream.send({ data: payload }, 'a');
      await tick();
    }
    let closedListener = false;
    stream.onClose(() => {
      closedListener = true;
    });
    const gone = new Promise((resolve) => client.socket.once('close', resolve));
    client.socket.resume();
    stream.close();
    expect(stream.closed).toBe(true);
    expect(closedListener).toBe(true);
    expect(stream.pendingCount).toBe(0);
    await gone;
  });

  it('sends retry first and heartbeat comments while idle', async () => {
    const waiting: ((stream: SseStream) => void)[] = [];
    server = createServer((req, res) =>
      waiting.shift()?.(new SseStream(req, res, { retryMs: 1500, heartbeatMs: 20 })),
    );
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const opened = new Promise<SseStream>((resolve) => waiting.push(resolve));
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const stream = await opened;
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    while ((text.match(/: hb\n\n/g) ?? []).length < 3) {
      const { value } = await reader.read();
      text += decoder.decode(value);
    }
    stream.end();
    expect(text.startsWith('retry: 1500\n\n')).toBe(true);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  });
});
