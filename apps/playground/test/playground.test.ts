import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Playground, startPlayground } from '../src/playground.js';

const IMAGE = { model: 'gen4_image', promptText: 'a lighthouse', ratio: '1920:1080' };

/** The cookie a browser would keep from `response`. */
function cookieOf(response: Response): string {
  const setCookie = response.headers.get('set-cookie') ?? '';
  return setCookie.split(';')[0] as string;
}

describe('startPlayground', () => {
  let playground: Playground;
  beforeAll(async () => {
    playground = await startPlayground({ port: 0, timeScale: 0.01 });
  });
  afterAll(() => playground.close());

  it('serves the page with a strict content security policy', async () => {
    const page = await fetch(playground.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script type="module" src="/app.js"></script>');
    const policy = page.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("default-src 'self'");
    expect(policy).toContain("media-src 'self' data: blob: https:");
    expect(policy).not.toContain(playground.simulator?.url as string);
    expect((await fetch(`${playground.url}/app.js`)).headers.get('content-type')).toMatch(/javascript/);
  });

  it('describes the registry for the form, with schemas, limits and simulator samples', async () => {
    const registry = (await (await fetch(`${playground.url}/api/registry`)).json()) as {
      mode: string;
      taskTypes: {
        name: string;
        models: { model: string; fields: unknown[]; schema: { properties: object } }[];
      }[];
      mediaLimits: { dataUri: { image: number } };
      samples: Record<string, string>;
    };
    expect(registry.mode).toBe('simulator');
    expect(registry.taskTypes).toHaveLength(9);
    const image = registry.taskTypes.find((type) => type.name === 'text_to_image');
    expect(image?.models[0]?.schema.properties).toHaveProperty('promptText');
    expect(registry.mediaLimits.dataUri.image).toBe(5_242_880);
    expect(registry.samples.image).toMatch(/^data:image\/png;base64,/);
    expect(JSON.stringify(registry)).not.toContain(playground.simulator?.apiKey as string);
  });

  it("serves outputs through its own origin: the simulator's address never reaches the browser", async () => {
    const cookie = cookieOf(await fetch(`${playground.url}/api/registry`));
    const created = await fetch(`${playground.url}/api/tasks/text_to_image`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify(IMAGE),
    });
    const { id } = (await created.json()) as { id: string };
    let view: { status: string; output?: string[] } = { status: 'PENDING' };
    for (let i = 0; i < 200 && view.status !== 'SUCCEEDED'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      view = await (await fetch(`${playground.url}/api/tasks/${id}`, { headers: { cookie } })).json();
    }
    expect(view.status).toBe('SUCCEEDED');
    const output = view.output?.[0] as string;
    expect(output).toMatch(/^\/media\/[\w-]+\/0\.png\?/);
    const events = await (
      await fetch(`${playground.url}/api/tasks/${id}/events`, { headers: { cookie } })
    ).text();
    expect(events).not.toContain(playground.simulator?.url as string);

    const media = await fetch(`${playground.url}${output}`);
    expect(media.status).toBe(200);
    expect(media.headers.get('content-type')).toBe('image/png');
    const bytes = new Uint8Array(await media.arrayBuffer());
    expect([...bytes.slice(1, 4)].map((b) => String.fromCharCode(b)).join('')).toBe('PNG');
    expect((await fetch(`${playground.url}/media/../../etc/passwd`)).status).toBe(404);
  });

  it('gives each browser its own principal: one cannot see or cancel the tasks of another', async () => {
    const first = await fetch(`${playground.url}/api/registry`);
    const alice = cookieOf(first);
    expect(alice).toMatch(/^rrx_playground=[\w-]{22}$/);
    expect(first.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    expect(first.headers.get('set-cookie')).toMatch(/SameSite=Strict/i);

    const created = await fetch(`${playground.url}/api/tasks/text_to_image`, {
      method: 'POST',
      headers: { cookie: alice, 'content-type': 'application/json' },
      body: JSON.stringify(IMAGE),
    });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    expect((await fetch(`${playground.url}/api/tasks/${id}`, { headers: { cookie: alice } })).status).toBe(
      200,
    );

    const stranger = await fetch(`${playground.url}/api/tasks/${id}`);
    expect(stranger.status).toBe(404);
    const bob = cookieOf(stranger);
    expect(bob).not.toBe(alice);
    const cancel = await fetch(`${playground.url}/api/tasks/${id}`, {
      method: 'DELETE',
      headers: { cookie: bob },
    });
    expect(cancel.status).toBe(404);
  });
});

describe('pnpm start (src/main.ts)', () => {
  it('prints its URL, falls back to a free port when PORT is taken, and stops cleanly on Ctrl-C', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const takenPort = (busy.address() as AddressInfo).port;
    const cwd = fileURLToPath(new URL('..', import.meta.url));
    const { RUNWAYML_API_SECRET: _secret, ...env } = process.env;
    const child = spawn(
      process.execPath,
      ['--conditions=@runway-rx/source', '--import', 'tsx', 'src/main.ts'],
      {
        cwd,
        env: { ...env, PORT: String(takenPort), SIMULATOR_TIME_SCALE: '0.01' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      let output = '';
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed:\n${output}`)), 25_000);
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /runway-rx playground: (http:\/\/127\.0\.0\.1:(\d+))/.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve(match[1] as string);
          }
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
      });
      expect(new URL(url).port).not.toBe(String(takenPort));
      expect((await fetch(url)).status).toBe(200);

      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      busy.close();
    }
  });
});
