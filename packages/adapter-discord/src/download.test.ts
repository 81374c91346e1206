import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadOutput, isPublicUrl } from './download.js';

describe('isPublicUrl', () => {
  it('accepts https on public host names', () => {
    expect(isPublicUrl('https://dnznrvs05pmza.cloudfront.net/abc/output.mp4?_jwt=x')).toBe(true);
    expect(isPublicUrl('https://8.8.8.8/file.mp4')).toBe(true);
  });

  it('refuses loopback, private and internal addresses, plain http and credentials', () => {
    for (const url of [
      'http://cdn.example.com/video.mp4',
      'https://127.0.0.1:4010/__simulator/outputs/1/0.mp4',
      'https://localhost/x.mp4',
      'https://api.localhost/x.mp4',
      'https://10.1.2.3/x.mp4',
      'https://172.20.0.4/x.mp4',
      'https://192.168.1.10/x.mp4',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/x.mp4',
      'https://[fd00::1]/x.mp4',
      'https://runway-sim/x.mp4',
      'https://storage.svc.internal/x.mp4',
      'https://user:secret@cdn.example.com/x.mp4',
      'not a url',
    ]) {
      expect(isPublicUrl(url), url).toBe(false);
    }
  });
});

describe('downloadOutput', () => {
  let server: Server;
  let base: string;
  const dispatcher = new Agent();
  const closedEarly: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = req.url ?? '/';
      res.on('close', () => {
        if (!res.writableFinished) closedEarly.push(url);
      });
      if (url === '/small.png') {
        res
          .writeHead(200, { 'content-type': 'image/png', 'content-length': '4' })
          .end(Buffer.from([137, 80, 78, 71]));
      } else if (url === '/declared-big') {
        res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(5_000_000) });
        res.write(Buffer.alloc(64 * 1024));
      } else if (url === '/streamed-big') {
        // No Content-Length: the cap is enforced while reading.
        res.writeHead(200, { 'content-type': 'video/mp4' });
        const chunk = Buffer.alloc(16 * 1024, 1);
        let sent = 0;
        const pump = () => {
          while (sent < 4_000_000 && res.write(chunk)) sent += chunk.length;
          if (sent < 4_000_000) res.once('drain', pump);
          else res.end();
        };
        pump();
      } else if (url === '/audio') {
        res.writeHead(200, { 'content-type': 'audio/mpeg; charset=binary' }).end(Buffer.from('ID3'));
      } else {
        res.writeHead(404).end('missing');
      }
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await dispatcher.close();
    server.closeAllConnections();
    server.close();
  });

  it('downloads a file under the cap, naming it from the URL', async () => {
    const result = await downloadOutput(`${base}/small.png`, {
      maxBytes: 100,
      baseName: 'runway-1',
      dispatcher,
    });
    expect(result).toEqual({
      kind: 'file',
      file: { name: 'runway-1.png', data: Buffer.from([137, 80, 78, 71]), contentType: 'image/png' },
    });
  });

  it('names the file from its Content-Type when the URL has no extension', async () => {
    const result = await downloadOutput(`${base}/audio`, { maxBytes: 100, baseName: 'runway-2', dispatcher });
    expect(result).toMatchObject({ kind: 'file', file: { name: 'runway-2.mp3', contentType: 'audio/mpeg' } });
  });

  it('gives up at once on a declared size over the cap', async () => {
    const result = await downloadOutput(`${base}/declared-big`, {
      maxBytes: 1_000_000,
      baseName: 'x',
      dispatcher,
    });
    expect(result).toEqual({ kind: 'too_large', size: 5_000_000 });
  });

  it('stops reading a stream that grows past the cap', async () => {
    const result = await downloadOutput(`${base}/streamed-big`, {
      maxBytes: 100_000,
      baseName: 'x',
      dispatcher,
    });
    expect(result).toEqual({ kind: 'too_large', size: undefined });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closedEarly).toContain('/streamed-big');
  });

  it('reports failures without throwing', async () => {
    expect(await downloadOutput(`${base}/nope`, { maxBytes: 100, baseName: 'x', dispatcher })).toEqual({
      kind: 'failed',
      reason: 'HTTP 404',
    });
    expect(await downloadOutput('ftp://example.com/x', { maxBytes: 100, baseName: 'x', dispatcher })).toEqual(
      {
        kind: 'failed',
        reason: 'unsupported scheme ftp:',
      },
    );
    const refused = await downloadOutput('http://127.0.0.1:1/x.mp4', {
      maxBytes: 100,
      baseName: 'x',
      dispatcher,
    });
    expect(refused.kind).toBe('failed');
  });
});
