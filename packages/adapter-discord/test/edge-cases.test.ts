import { afterEach, describe, expect, it } from 'vitest';
import type { RecordedRequest } from './fake-discord.js';
import {
  eventually,
  type GatewayHarness,
  gatewayMode,
  type Stack,
  type StackOptions,
  startStack,
} from './harness.js';
import { alice, bob, buttonPress, CHANNEL_ID, chatInput, firstButtonId } from './payloads.js';

type Embed = { description?: string };
const descriptionOf = (request: RecordedRequest) =>
  ((request.json as { embeds?: Embed[] } | undefined)?.embeds ?? [])[0]?.description ?? '';
const edits = (stack: Stack, token: string) =>
  stack.fake.requests.filter((r) => r.method === 'PATCH' && r.route.includes(`/${token}/messages/@original`));
const callbackOf = (stack: Stack, token: string) =>
  stack.fake.waitFor((r) => r.route.endsWith(`/${token}/callback`));

describe('edge cases (gateway mode, simulator, fake Discord)', () => {
  let stack: Stack;
  let gateway: GatewayHarness;

  async function start(options: StackOptions = {}) {
    stack = await startStack(options);
    gateway = gatewayMode(stack);
  }

  afterEach(async () => {
    await gateway.close();
    await stack.close();
  });

  it('cancel while QUEUED: the button answer shows it, and Runway never hears of the task', async () => {
    await start({ client: { concurrency: 1 }, simulator: { timing: { runMs: [60_000, 60_000] } } });
    const first = chatInput(stack.fake, alice, 'text-to-video', {
      prompt: 'first',
      ratio: '1280:720',
      duration: 5,
    });
    gateway.dispatch(first);
    await stack.fake.waitFor((r) => r.method === 'PATCH' && r.route.includes(first.token));
    const second = chatInput(stack.fake, alice, 'text-to-video', {
      prompt: 'second',
      ratio: '1280:720',
      duration: 5,
    });
    gateway.dispatch(second);
    await stack.fake.waitFor(
      (r) =>
        r.method === 'PATCH' &&
        r.route.includes(second.token) &&
        descriptionOf(r).includes('⏳ Queued: #1 in line'),
    );

    const press = buttonPress(
      stack.fake,
      alice,
      stack.fake.original(second.token) as object,
      firstButtonId(stack.fake.original(second.token)) as string,
    );
    gateway.dispatch(press);
    const update = await callbackOf(stack, press.token);
    expect(update.json).toMatchObject({ type: 7, data: { components: [] } });
    expect(descriptionOf({ ...update, json: (update.json as { data: unknown }).data })).toContain(
      `🚫 Cancelled by <@${alice.id}>`,
    );
    await stack.command.idle();

    const creates = stack.sim.requests().filter((r) => r.method === 'POST');
    expect(creates).toHaveLength(1);
    expect(stack.sim.tasks().map((task) => task.input.promptText)).toEqual(['first']);
    // The button's answer was the last word: no webhook edit repeats it.
    const secondEdits = edits(stack, second.token);
    expect(descriptionOf(secondEdits.at(-1) as RecordedRequest)).toContain('Queued');
    expect(stack.fake.original(second.token)?.components).toEqual([]);
  });

  it('cancel while running: DELETE at Runway, "Cancelling…" at once, then "Cancelled by"', async () => {
    await start({ simulator: { timing: { runMs: [100_000, 100_000] } } });
    const payload = chatInput(stack.fake, alice, 'text-to-video', {
      prompt: 'a comet',
      ratio: '720:1280',
      duration: 4,
    });
    gateway.dispatch(payload);
    await stack.fake.waitFor(
      (r) => r.method === 'PATCH' && r.route.includes(payload.token) && descriptionOf(r).includes('🎬'),
    );
    const message = stack.fake.original(payload.token);
    const press = buttonPress(stack.fake, alice, message as object, firstButtonId(message) as string);
    gateway.dispatch(press);
    const update = await callbackOf(stack, press.token);
    expect((update.json as { data: { embeds: Embed[] } }).data.embeds[0]?.description).toContain(
      `🛑 Cancelling (requested by <@${alice.id}>)…`,
    );
    await stack.command.idle();
    const task = stack.sim.tasks()[0];
    expect(task?.status).toBe('CANCELLED');
    expect(stack.sim.requests().some((r) => r.method === 'DELETE' && r.taskId === task?.id)).toBe(true);
    const final = stack.fake.original(payload.token);
    expect(final?.embeds[0]?.description).toContain(`🚫 Cancelled by <@${alice.id}>`);
    expect(final?.components).toEqual([]);
    // No ping for a cancellation the requester made.
    expect(
      stack.fake.requests.some((r) => r.method === 'POST' && r.route.endsWith(`/${payload.token}`)),
    ).toBe(false);
  });

  it('a cancel Runway refuses leaves the task running, with its Cancel button back', async () => {
    await start({
      client: { retry: { maxRetries: 0 } },
      simulator: { timing: { runMs: [100_000, 100_000] }, faults: { delete: { errorRate: 1, status: 500 } } },
    });
    const payload = chatInput(stack.fake, alice, 'text-to-video', {
      prompt: 'stubborn',
      ratio: '1280:720',
      duration: 5,
    });
    gateway.dispatch(payload);
    await stack.fake.waitFor(
      (r) => r.method === 'PATCH' && r.route.includes(payload.token) && descriptionOf(r).includes('🎬'),
    );
    const message = stack.fake.original(payload.token);
    gateway.dispatch(buttonPress(stack.fake, alice, message as object, firstButtonId(message) as string));
    await stack.command.idle();
    expect(stack.errors.map((e) => e.context)).toEqual([`cancelling task ${stack.sim.tasks()[0]?.id}`]);
    const after = edits(stack, payload.token).filter(
      (r) =>
        r.at >
        (stack.fake.requests.find(
          (q) => q.route.includes('/callback') && (q.json as { type: number }).type === 7,
        )?.at ?? 0),
    );
    // Back to progress with the button, then the result.
    expect(
      after.some((r) => descriptionOf(r).includes('🎬') && JSON.stringify(r.json).includes('runway:cancel:')),
    ).toBe(true);
    expect(stack.fake.original(payload.token)?.embeds[0]?.description).toContain('✅ Done');
  });

  it('a 429 on an edit is waited out, and no backlog of stale edits follows', async () => {
    await start({ simulator: { timing: { runMs: [200_000, 200_000] } } });
    stack.fake.rateLimit({ method: 'PATCH', route: /\/messages\/@original$/, retryAfter: 1 });
    const payload = chatInput(stack.fake, alice, 'text-to-video', {
      prompt: 'tides',
      ratio: '1280:720',
      duration: 6,
    });
    gateway.dispatch(payload);
    await stack.command.idle();

    const all = edits(stack, payload.token);
    const limited = all.filter((r) => r.status === 429);
    expect(limited).toHaveLength(1);
    const [refused] = limited as [RecordedRequest];
    const retry = all[all.indexOf(refused) + 1] as RecordedRequest;
    // @discordjs/rest waited for Retry-After (1 s) and sent the same edit again.
    expect(retry.at - refused.at).toBeGreaterThanOrEqual(950);
    expect(retry.json).toEqual(refused.json);
    // Nothing else was sent while waiting: the editor had one edit in flight and kept only the latest render.
    expect(all.filter((r) => r.at > refused.at && r.at < retry.at)).toEqual([]);
    const next = all[all.indexOf(retry) + 1];
    expect(next).toBeDefined();
    // Progress never goes backwards across the edits (a backlog would replay old states).
    const percents = all
      .map((r) => /(\d+)%/.exec(descriptionOf(r))?.[1])
      .filter((p) => p !== undefined)
      .map(Number);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    // Edits kept at least the interval apart (40 ms in these tests), measured between requests.
    const successful = all.filter((r) => r.status === 200);
    for (let i = 1; i < successful.length; i++) {
      expect(
        (successful[i] as RecordedRequest).at - (successful[i - 1] as RecordedRequest).at,
      ).toBeGreaterThanOrEqual(35);
    }
    expect(descriptionOf(all.at(-1) as RecordedRequest)).toContain('✅ Done');
  });

  it('a task that outlives the interaction token ends with a channel message through the bot token', async () => {
    await start({
      fake: { tokenTtlMs: 700 },
      command: { interactionTokenTtlMs: 500 },
      simulator: { timing: { runMs: [120_000, 120_000] } },
    });
    const payload = chatInput(stack.fake, alice, 'text-to-video', {
      prompt: 'a long night',
      ratio: '1280:720',
      duration: 8,
    });
    gateway.dispatch(payload);
    const posted = await stack.fake.waitFor(
      (r) => r.method === 'POST' && r.route === `/channels/${CHANNEL_ID}/messages`,
      10_000,
    );
    await stack.command.idle();

    expect(posted.headers.authorization).toBe(`Bot ${stack.fake.botToken}`);
    expect(posted.json).toMatchObject({
      content: `<@${alice.id}> your text-to-video is ready`,
      allowed_mentions: { parse: [], users: [alice.id] },
      components: [],
    });
    expect(descriptionOf(posted)).toContain('✅ Done');
    const file = posted.parts.find((part) => part.name === 'files[0]');
    expect(file?.data.byteLength).toBeGreaterThan(0);
    // Edits stopped before the token died: Discord never saw an invalid request.
    expect(stack.fake.requests.filter((r) => r.status === 401)).toEqual([]);
    const lastEdit = edits(stack, payload.token).at(-1) as RecordedRequest;
    expect(lastEdit.at).toBeLessThan(posted.at);
  });

  it('a token Discord refuses early (401 Invalid Webhook Token) also falls back to the channel', async () => {
    await start({ fake: { tokenTtlMs: 400 }, simulator: { timing: { runMs: [100_000, 100_000] } } });
    const payload = chatInput(stack.fake, alice, 'sound-effect', { prompt: 'thunder rolling [fail]' });
    gateway.dispatch(payload);
    const posted = await stack.fake.waitFor(
      (r) => r.method === 'POST' && r.route.startsWith('/channels/'),
      10_000,
    );
    await stack.command.idle();
    const refused = stack.fake.requests.filter((r) => r.status === 401);
    // One refused edit taught the job the token is dead; it did not keep trying.
    expect(refused).toHaveLength(1);
    expect(posted.json).toMatchObject({ content: `<@${alice.id}> your sound-effect failed` });
    // `[fail]` fails like a bad output would: a readable sentence, Runway's text, and the code.
    expect(descriptionOf(posted)).toContain(
      [
        '❌ Failed: The model produced an unusable result; trying again may work.',
        '> The model produced an unusable output. Retrying the task may succeed.',
        'Code: `INTERNAL.BAD_OUTPUT.CODE01`',
      ].join('\n'),
    );
  });

  it('an output over the upload limit is not uploaded, and no loopback link is posted', async () => {
    await start({ simulator: { outputBytes: 300_000 }, command: { maxUploadBytes: 100_000 } });
    const payload = chatInput(stack.fake, alice, 'text-to-video', {
      prompt: 'a big file',
      ratio: '1280:720',
      duration: 5,
    });
    gateway.dispatch(payload);
    await stack.command.idle();
    const final = edits(stack, payload.token).at(-1) as RecordedRequest;
    expect(final.parts).toEqual([]);
    expect(descriptionOf(final)).toContain(
      'The video is too large to upload here (293 KB; the limit is 98 KB).',
    );
    expect(JSON.stringify(final.json)).not.toMatch(/https?:\/\/127\.0\.0\.1/);
    expect(stack.fake.original(payload.token)?.attachments).toEqual([]);
  });

  it('a failed task shows a readable reason and its code, and pings the requester', async () => {
    await start();
    const payload = chatInput(stack.fake, alice, 'text-to-video', {
      prompt: 'a storm over the city [fail:SAFETY.INPUT.TEXT]',
      ratio: '1280:720',
      duration: 5,
    });
    gateway.dispatch(payload);
    await stack.command.idle();
    const message = stack.fake.original(payload.token);
    expect(message?.embeds[0]?.description).toContain(
      [
        '❌ Failed: The input was flagged by content moderation.',
        '> The prompt text was flagged by content moderation.',
        'Code: `SAFETY.INPUT.TEXT`',
      ].join('\n'),
    );
    expect(message?.components).toEqual([]);
    const followUp = stack.fake.requests.find(
      (r) => r.method === 'POST' && r.route.endsWith(`/${payload.token}`),
    );
    expect((followUp as RecordedRequest).json).toHaveProperty(
      'content',
      expect.stringMatching(
        new RegExp(`^<@${alice.id}> your text-to-video failed: https://discord.com/channels/`),
      ),
    );
    expect(followUp?.json).toMatchObject({ allowed_mentions: { parse: [], users: [alice.id] } });
  });

  it('limits tasks in flight per user and per guild, and enforces a cooldown', async () => {
    let clock = 1_700_000_000_000;
    await start({
      command: { limits: { perUser: 1, perGuild: 2, cooldownMs: 30_000 }, now: () => clock },
      simulator: { timing: { runMs: [60_000, 60_000] } },
    });
    const carol = { id: '1000000000000000003', username: 'carol' };
    const submit = (user: typeof alice, prompt: string) => {
      const payload = chatInput(stack.fake, user, 'text-to-video', {
        prompt,
        ratio: '1280:720',
        duration: 5,
      });
      gateway.dispatch(payload);
      return callbackOf(stack, payload.token);
    };
    expect(((await submit(alice, 'one')).json as { type: number }).type).toBe(5);
    expect((await submit(alice, 'two')).json).toMatchObject({
      type: 4,
      data: {
        content:
          'You already have 1 task in progress (the limit is 1). Wait for one to finish, or cancel one.',
        flags: 64,
      },
    });
    expect(((await submit(bob, 'three')).json as { type: number }).type).toBe(5);
    expect((await submit(carol, 'four')).json).toMatchObject({
      type: 4,
      data: {
        content: 'This server already has 2 tasks in progress (the limit is 2). Try again when one finishes.',
      },
    });
    await stack.command.idle();
    clock += 10_000;
    expect((await submit(alice, 'five')).json).toMatchObject({
      type: 4,
      data: { content: `Slow down: you can start another task <t:${Math.ceil((clock + 20_000) / 1000)}:R>.` },
    });
    clock += 20_000;
    expect(((await submit(alice, 'six')).json as { type: number }).type).toBe(5);
    await stack.command.idle();
    expect(stack.sim.tasks().map((task) => task.input.promptText)).toEqual(['one', 'three', 'six']);
  });

  it('passes attachments to the task as their CDN URLs, shaped for the model', async () => {
    await start();
    const image = chatInput(stack.fake, alice, 'image-to-video', {
      image: { file: { filename: 'cat.png', contentType: 'image/png' } },
      ratio: '960:960',
      prompt: 'the cat blinks',
    });
    gateway.dispatch(image);
    const performance = chatInput(stack.fake, bob, 'character-performance', {
      character: { file: { filename: 'me.mp4', contentType: 'video/mp4' } },
      reference: { file: { filename: 'dance.mp4', contentType: 'video/mp4' } },
    });
    gateway.dispatch(performance);
    await eventually(() => stack.sim.tasks().length === 2, 5000, 'two tasks');
    await stack.command.idle();
    const inputs = Object.fromEntries(stack.sim.tasks().map((task) => [task.taskType, task.input]));
    expect(inputs.image_to_video).toMatchObject({
      model: 'gen4',
      promptImage: expect.stringMatching(/^https:\/\/cdn\.discordapp\.com\/attachments\/.+\/cat\.png$/),
      ratio: '960:960',
      promptText: 'the cat blinks',
    });
    expect(inputs.character_performance).toMatchObject({
      model: 'act_two',
      character: { type: 'video', uri: expect.stringMatching(/\/me\.mp4$/) },
      reference: { type: 'video', uri: expect.stringMatching(/\/dance\.mp4$/) },
    });

    const wrong = chatInput(stack.fake, alice, 'image-to-video', {
      image: { file: { filename: 'clip.mp4', contentType: 'video/mp4' } },
      ratio: '960:960',
    });
    gateway.dispatch(wrong);
    expect((await callbackOf(stack, wrong.token)).json).toMatchObject({
      type: 4,
      data: {
        content: "**Can't start image-to-video:**\n• `image` must be an image file (got video/mp4)",
        flags: 64,
      },
    });
  });
});
