import { generateKeyPairSync } from 'node:crypto';
import { Agent, setGlobalDispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedRequest } from './fake-discord.js';
import { type HttpHarness, httpMode, type Stack, startStack } from './harness.js';
import { alice, autocomplete, bob, buttonPress, chatInput, firstButtonId } from './payloads.js';

type Embed = { title?: string; description?: string };
const embedOf = (request: RecordedRequest) => ((request.json as { embeds?: Embed[] }).embeds ?? [])[0];
const byToken = (token: string) => (r: RecordedRequest) => r.route.includes(`/${token}`);

// An app that uses undici 7 (as @runway-rx/core does) may leave an undici 7 Agent as undici's global
// dispatcher; uploads must still work then (discord.js#11525: FormData bodies break through it).
setGlobalDispatcher(new Agent());

describe('HTTP interactions (Ed25519-signed POSTs, answers over REST)', () => {
  let stack: Stack;
  let http: HttpHarness;

  beforeAll(async () => {
    stack = await startStack();
    http = await httpMode(stack);
  });

  afterAll(async () => {
    await http.close();
    await stack.close();
  });

  describe('signature', () => {
    const ping = { type: 1, id: '1', application_id: '2', token: 'ping', version: 1 };

    it('answers a correctly signed PING with PONG', async () => {
      const response = await http.deliver(JSON.stringify(ping));
      expect(response).toEqual({ status: 200, body: { type: 1 } });
    });

    it('refuses a signature made with another key', async () => {
      const other = generateKeyPairSync('ed25519').privateKey;
      const response = await http.deliver(JSON.stringify(ping), { signWith: other });
      expect(response).toEqual({ status: 401, body: { error: 'invalid request signature' } });
    });

    it('refuses a body altered after signing', async () => {
      const body = JSON.stringify(ping);
      const timestamp = Math.floor(Date.now() / 1000);
      const { sign } = await import('node:crypto');
      const signature = sign(null, Buffer.from(`${timestamp}${body}`), http.privateKey).toString('hex');
      const tampered = body.replace('"ping"', '"pong"');
      const response = await http.deliver(tampered, { timestamp, signature });
      expect(response.status).toBe(401);
    });

    it('refuses a malformed signature and a missing one', async () => {
      expect((await http.deliver(JSON.stringify(ping), { signature: 'zz' })).status).toBe(401);
      const response = await fetch(http.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ping),
      });
      expect(response.status).toBe(401);
    });

    it('refuses stale and far-future timestamps even when correctly signed', async () => {
      const now = Math.floor(Date.now() / 1000);
      expect((await http.deliver(JSON.stringify(ping), { timestamp: now - 6 * 60 })).status).toBe(401);
      expect((await http.deliver(JSON.stringify(ping), { timestamp: now + 6 * 60 })).status).toBe(401);
      expect((await http.deliver(JSON.stringify(ping), { timestamp: now - 60 })).status).toBe(200);
    });

    it('answers other methods with 405 when mounted for every method', async () => {
      const response = await fetch(http.url.replace('/interactions', '/any-method'), { method: 'GET' });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
    });
  });

  it('runs the whole flow: deferred answer, REST edits, the file, the ping', async () => {
    const { fake } = stack;
    const payload = chatInput(fake, alice, 'text-to-image', {
      prompt: 'a red fox in fresh snow',
      ratio: '1024:1024',
      seed: 7,
    });
    const answer = await http.deliver(payload);
    expect(answer).toEqual({ status: 200, body: { type: 5 } });

    await fake.waitFor(
      (r) => byToken(payload.token)(r) && r.method === 'POST' && r.route.startsWith('/webhooks/'),
    );
    await stack.command.idle();
    const calls = fake.requests.filter(byToken(payload.token));
    const edits = calls.filter((r) => r.method === 'PATCH');
    // Interaction-token routes carry no bot token.
    for (const call of calls) expect(call.headers.authorization).toBeUndefined();

    const final = edits.at(-1) as RecordedRequest;
    const file = final.parts.find((part) => part.name === 'files[0]');
    expect(file?.filename).toMatch(/^runway-[0-9a-f]{8}\.png$/);
    expect(file?.contentType).toBe('image/png');
    expect(file?.data.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(final.json).toMatchObject({
      components: [],
      attachments: [{ id: 0, filename: file?.filename }],
      embeds: [{ title: 'Text to Image · gen4_image', image: { url: `attachment://${file?.filename}` } }],
    });

    const task = stack.sim.tasks().at(-1);
    const snapshot = await stack.runway.retrieve(task?.id as string);
    const bytes = Buffer.from(await (await fetch(snapshot.output?.[0] as string)).arrayBuffer());
    expect(file?.data.equals(bytes)).toBe(true);

    const followUp = calls.find((r) => r.method === 'POST' && r.route.startsWith('/webhooks/'));
    expect(followUp?.json).toMatchObject({
      content: expect.stringMatching(
        new RegExp(`^<@${alice.id}> your text-to-image is ready: https://discord.com/channels/`),
      ),
      allowed_mentions: { parse: [], users: [alice.id] },
    });
    expect(embedOf(final)?.description).toContain('✅ Done');
  });

  it('answers autocomplete with the ratios of the chosen model', async () => {
    const payload = autocomplete(
      stack.fake,
      alice,
      'image-to-video',
      { name: 'ratio', value: '' },
      { model: 'gen4.5' },
    );
    const answer = await http.deliver(payload);
    expect(answer.status).toBe(200);
    const body = answer.body as { type: number; data: { choices: { value: string }[] } };
    expect(body.type).toBe(8);
    expect(body.data.choices.map((choice) => choice.value)).toEqual([
      '1280:720',
      '720:1280',
      '1104:832',
      '960:960',
      '832:1104',
      '1584:672',
    ]);
  });

  it('answers invalid input ephemerally with each rule, before any request to Runway', async () => {
    const before = stack.sim.requests().length;
    const payload = chatInput(stack.fake, alice, 'text-to-video', {
      prompt: 'a quiet harbour',
      ratio: '1920:1080',
      'negative-prompt': 'boats',
    });
    const answer = await http.deliver(payload);
    expect(answer).toEqual({
      status: 200,
      body: {
        type: 4,
        data: {
          content: "**Can't start text-to-video:**\n• `negative-prompt` is not used by gen4.5",
          allowed_mentions: { parse: [], users: [] },
          flags: 64,
        },
      },
    });
    const second = chatInput(stack.fake, alice, 'text-to-video', {
      prompt: 'a quiet harbour',
      ratio: '1920:1080',
    });
    const rules = await http.deliver(second);
    expect((rules.body as { data: { content: string } }).data.content).toBe(
      "**Can't start text-to-video:**\n• `ratio` must be one of 1280:720, 720:1280\n• `duration` is required",
    );
    expect(stack.sim.requests().length).toBe(before);
  });

  it('tells a stranger pressing Cancel that only the requester can, and keeps the task running', async () => {
    const { fake } = stack;
    const payload = chatInput(fake, alice, 'sound-effect', { prompt: 'rain on a tin roof' });
    await http.deliver(payload);
    await fake.waitFor((r) => byToken(payload.token)(r) && r.method === 'PATCH');
    const message = fake.original(payload.token);
    const customId = firstButtonId(message);
    expect(customId).toMatch(/^runway:cancel:/);

    const press = buttonPress(fake, bob, message as object, customId as string);
    const answer = await http.deliver(press);
    expect(answer.body).toEqual({
      type: 4,
      data: {
        content: `Only <@${alice.id}> can cancel this.`,
        allowed_mentions: { parse: [], users: [] },
        flags: 64,
      },
    });
    await stack.command.idle();
    expect(fake.original(payload.token)?.embeds[0]?.description).toContain('✅ Done');
    expect(stack.sim.requests().some((r) => r.method === 'DELETE')).toBe(false);
  });

  it('lets the requester cancel a running task: the UPDATE answer, then "Cancelled by"', async () => {
    const { fake } = stack;
    const payload = chatInput(fake, alice, 'text-to-video', {
      prompt: 'a comet over the sea [slow]',
      ratio: '1280:720',
      duration: 5,
    });
    await http.deliver(payload);
    await fake.waitFor(
      (r) => byToken(payload.token)(r) && r.method === 'PATCH' && /🎬/.test(JSON.stringify(r.json)),
    );
    const message = fake.original(payload.token);
    const answer = await http.deliver(
      buttonPress(fake, alice, message as object, firstButtonId(message) as string),
    );
    expect(answer.body).toMatchObject({
      type: 7,
      data: {
        components: [],
        embeds: [{ description: expect.stringContaining(`🛑 Cancelling (requested by <@${alice.id}>)…`) }],
      },
    });
    await stack.command.idle();
    expect(fake.original(payload.token)?.embeds[0]?.description).toContain(`🚫 Cancelled by <@${alice.id}>`);
    const task = stack.sim.tasks().find((t) => t.input.promptText === 'a comet over the sea [slow]');
    expect(task?.status).toBe('CANCELLED');
  });

  it('answers for a handler that throws (ephemeral error) or is too slow (deferred)', async () => {
    const failing = await httpMode(stack, {
      command: {
        ...stack.command,
        handleChatInput: async () => {
          throw new Error('boom');
        },
      },
    });
    const slow = await httpMode(stack, {
      answerWithinMs: 50,
      command: {
        ...stack.command,
        handleChatInput: () => new Promise((resolve) => setTimeout(resolve, 300)),
      },
    });
    try {
      const payload = () => chatInput(stack.fake, alice, 'sound-effect', { prompt: 'a bell' });
      expect((await failing.deliver(payload())).body).toEqual({
        type: 4,
        data: {
          content: 'Something went wrong on the bot’s side; try again in a moment.',
          flags: 64,
          allowed_mentions: { parse: [] },
        },
      });
      expect((await slow.deliver(payload())).body).toEqual({ type: 5 });
      expect(stack.errors.map((e) => (e.error as Error).message)).toEqual(['boom', 'No answer within 50 ms']);
    } finally {
      stack.errors.length = 0;
      await failing.close();
      await slow.close();
    }
  });
});
