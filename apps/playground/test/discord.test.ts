import { generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeDiscord, startFakeDiscord } from '../../../packages/adapter-discord/test/fake-discord.js';
import { alice, chatInput } from '../../../packages/adapter-discord/test/payloads.js';
import { type DiscordBot, INTERACTIONS_PATH, startDiscordBot } from '../src/discord.js';
import { type Playground, startPlayground } from '../src/playground.js';

describe('startDiscordBot', () => {
  it('stays off unless configured, and says what is missing', async () => {
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    const client = {} as Parameters<typeof startDiscordBot>[0];
    expect(await startDiscordBot(client, { env: {}, log })).toBeUndefined();
    expect(await startDiscordBot(client, { env: { DISCORD_TOKEN: 'x' }, log })).toBeUndefined();
    expect(
      await startDiscordBot(client, {
        env: { DISCORD_TOKEN: 'x', DISCORD_APPLICATION_ID: '1', DISCORD_MODE: 'http' },
        log,
      }),
    ).toBeUndefined();
    expect(lines).toEqual([
      '  discord: set both DISCORD_TOKEN and DISCORD_APPLICATION_ID to run the bot; not starting it',
      '  discord: DISCORD_MODE=http needs DISCORD_PUBLIC_KEY (and the playground app); not starting the bot',
    ]);
  });

  describe('in HTTP-interactions mode on the playground', () => {
    let playground: Playground;
    let fake: FakeDiscord;
    let bot: DiscordBot | undefined;
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const publicKeyHex = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url').toString(
      'hex',
    );
    const lines: string[] = [];

    const deliver = async (payload: object) => {
      const body = JSON.stringify(payload);
      const timestamp = String(Math.floor(Date.now() / 1000));
      const response = await fetch(`${playground.url}${INTERACTIONS_PATH}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-signature-ed25519': sign(null, Buffer.from(timestamp + body), privateKey).toString('hex'),
          'x-signature-timestamp': timestamp,
        },
        body,
      });
      const answer = (await response.json()) as { type: number; data?: Record<string, unknown> };
      // Discord applies the interaction response to the message it shows.
      if ([4, 5, 7].includes(answer.type)) fake.respond((payload as { token: string }).token, answer);
      return { status: response.status, body: answer };
    };

    beforeAll(async () => {
      fake = await startFakeDiscord();
      playground = await startPlayground({ port: 0, timeScale: 0.01, simulator: { seed: 5 } });
      bot = await startDiscordBot(playground.client, {
        app: playground.app,
        api: fake.api,
        log: (line) => lines.push(line),
        env: {
          DISCORD_TOKEN: fake.botToken,
          DISCORD_APPLICATION_ID: fake.applicationId,
          DISCORD_PUBLIC_KEY: publicKeyHex,
          DISCORD_GUILD_ID: '1100000000000000001',
          DISCORD_MODE: 'http',
        },
      });
    });

    afterAll(async () => {
      await bot?.close();
      await playground.close();
      await fake.close();
    });

    it('registers the command in the guild and mounts the endpoint', async () => {
      expect(bot?.mode).toBe('http');
      const put = fake.requests.find((r) => r.method === 'PUT');
      expect(put?.route).toBe(`/applications/${fake.applicationId}/guilds/1100000000000000001/commands`);
      expect(put?.json).toMatchObject([{ name: 'runway' }]);
      expect(lines).toEqual([
        `  discord: /runway registered in guild 1100000000000000001; HTTP interactions at ${INTERACTIONS_PATH}`,
      ]);
      expect(
        await deliver({ type: 1, id: '1', application_id: fake.applicationId, token: 't', version: 1 }),
      ).toEqual({
        status: 200,
        body: { type: 1 },
      });
    });

    it('runs /runway on the playground’s simulator and delivers the image', async () => {
      const payload = chatInput(fake, alice, 'text-to-image', { prompt: 'a paper boat', ratio: '1024:1024' });
      const answer = await deliver(payload);
      expect(answer.body).toEqual({ type: 5 });
      const followUp = await fake.waitFor(
        (r) => r.method === 'POST' && r.route.endsWith(`/${payload.token}`),
      );
      expect(followUp.json).toMatchObject({
        content: expect.stringContaining('your text-to-image is ready'),
      });
      const message = fake.original(payload.token);
      expect(message?.attachments[0]?.filename).toMatch(/\.png$/);
    });
  });
});
