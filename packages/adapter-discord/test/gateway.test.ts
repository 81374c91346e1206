import { Agent, setGlobalDispatcher } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecordedRequest } from './fake-discord.js';
import { type GatewayHarness, gatewayMode, type Stack, startStack } from './harness.js';
import { alice, autocomplete, CHANNEL_ID, chatInput, GUILD_ID } from './payloads.js';

const isCallback = (token: string) => (r: RecordedRequest) => r.route.endsWith(`/${token}/callback`);
const isEdit = (token: string) => (r: RecordedRequest) =>
  r.method === 'PATCH' && r.route.includes(`/${token}/messages/@original`);
const isFollowUp = (token: string) => (r: RecordedRequest) =>
  r.method === 'POST' && r.route.endsWith(`/webhooks/${r.route.split('/')[2]}/${token}`);

type Embed = { title?: string; description?: string; fields?: { name: string; value: string }[] };
const embedOf = (request: RecordedRequest) => ((request.json as { embeds?: Embed[] }).embeds ?? [])[0];

// An app that uses undici 7 (as @runway-rx/core does) may leave an undici 7 Agent as undici's global
// dispatcher; uploads must still work then (discord.js#11525: FormData bodies break through it).
setGlobalDispatcher(new Agent());

describe('gateway mode (discord.js v14 client, raw interaction payloads)', () => {
  let stack: Stack;
  let gateway: GatewayHarness;

  beforeEach(async () => {
    stack = await startStack();
    gateway = gatewayMode(stack);
  });

  afterEach(async () => {
    await gateway.close();
    await stack.close();
  });

  it('defers, edits one message through the lifecycle and ends with the file and a ping', async () => {
    const { fake, sim } = stack;
    const payload = chatInput(fake, alice, 'text-to-video', {
      prompt: 'a lighthouse at dusk, waves rolling in',
      ratio: '1280:720',
      duration: 5,
      seed: 42,
    });
    gateway.dispatch(payload);

    const callback = await fake.waitFor(isCallback(payload.token));
    // Deferred, and public: ephemerality is fixed at the defer.
    expect(callback.json).toEqual({ type: 5, data: { flags: 0 } });

    const followUp = await fake.waitFor(isFollowUp(payload.token), 10_000);
    await stack.command.idle();
    const edits = fake.requests.filter(isEdit(payload.token));
    expect(edits.length).toBeGreaterThanOrEqual(2);

    // Every edit shows the prompt, the parameters and who asked.
    for (const edit of edits) {
      const embed = embedOf(edit);
      expect(embed?.title).toBe('Text to Video · gen4.5');
      expect(embed?.description).toContain('> a lighthouse at dusk, waves rolling in');
      expect(embed?.description).toContain(`Requested by <@${alice.id}>`);
      expect(embed?.fields).toEqual([
        { name: 'Ratio', value: '1280:720', inline: true },
        { name: 'Duration', value: '5 s', inline: true },
        { name: 'Seed', value: '42', inline: true },
      ]);
      expect((edit.json as { allowed_mentions: unknown }).allowed_mentions).toEqual({ parse: [], users: [] });
    }
    // While running: the Cancel button; a progress bar appears on the way.
    const running = edits.slice(0, -1);
    for (const edit of running) {
      const row = (edit.json as { components: { components: { custom_id: string; label: string }[] }[] })
        .components[0];
      expect(row?.components[0]?.label).toBe('Cancel');
      expect(row?.components[0]?.custom_id).toMatch(/^runway:cancel:[0-9a-f]{12}$/);
    }
    const descriptions = edits.map((edit) => embedOf(edit)?.description ?? '');
    expect(descriptions.some((d) => /🎬 [▰▱]{10} \d{1,3}%/.test(d))).toBe(true);

    // The final edit: multipart with the real bytes from the simulator, no components.
    const final = edits.at(-1) as RecordedRequest;
    expect(final.headers['content-type']).toMatch(/^multipart\/form-data/);
    const file = final.parts.find((part) => part.name === 'files[0]');
    expect(file?.filename).toMatch(/^runway-[0-9a-f]{8}\.mp4$/);
    const finalJson = final.json as { components: unknown[]; attachments: unknown[] };
    expect(finalJson.components).toEqual([]);
    expect(finalJson.attachments).toEqual([{ id: 0, filename: file?.filename }]);
    expect(embedOf(final)?.description).toMatch(/✅ Done in \d+ s/);

    const task = sim.tasks()[0];
    const snapshot = await stack.runway.retrieve(task?.id as string);
    const output = await fetch(snapshot.output?.[0] as string);
    const bytes = Buffer.from(await output.arrayBuffer());
    expect(bytes.byteLength).toBeGreaterThan(0);
    expect(file?.data.equals(bytes)).toBe(true);

    // The ping: edits notify nobody, so a follow-up mentions the requester (and only them).
    const message = fake.original(payload.token);
    expect(followUp.json).toMatchObject({
      content: `<@${alice.id}> your text-to-video is ready: https://discord.com/channels/${GUILD_ID}/${CHANNEL_ID}/${message?.id}`,
      allowed_mentions: { parse: [], users: [alice.id] },
    });

    // What a person sees at the end.
    expect(message?.components).toEqual([]);
    expect(message?.attachments).toHaveLength(1);
    expect(fake.attachmentData(message?.attachments[0]?.id as string)?.equals(bytes)).toBe(true);

    // Nothing internal leaked into any message.
    for (const recorded of fake.requests) {
      const text = JSON.stringify(recorded.json ?? '');
      expect(text).not.toContain('127.0.0.1');
      expect(text).not.toContain(sim.apiKey);
    }
    expect(stack.errors).toEqual([]);
  });

  it('suggests the ratios of the chosen model', async () => {
    const { fake } = stack;
    const payload = autocomplete(
      fake,
      alice,
      'text-to-video',
      { name: 'ratio', value: '19' },
      { model: 'veo3.1' },
    );
    gateway.dispatch(payload);
    const callback = await fake.waitFor(isCallback(payload.token));
    expect(callback.json).toEqual({
      type: 8,
      data: {
        choices: [
          { name: '1080:1920 (portrait)', value: '1080:1920' },
          { name: '1920:1080 (landscape)', value: '1920:1080' },
        ],
      },
    });
  });
});
