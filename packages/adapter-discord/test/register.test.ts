import { createRunwayClient } from '@runway-rx/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunwayCommand, type RunwayCommand, registerCommands } from '../src/index.js';
import { type FakeDiscord, startFakeDiscord } from './fake-discord.js';

describe('registerCommands', () => {
  let fake: FakeDiscord;
  let command: RunwayCommand;
  const runway = createRunwayClient({ apiKey: 'key_00', baseUrl: 'http://127.0.0.1:9' });

  beforeAll(async () => {
    fake = await startFakeDiscord();
    command = createRunwayCommand({ client: runway });
  });

  afterAll(async () => {
    await command.close();
    await runway.close();
    await fake.close();
  });

  it('overwrites the global commands with one PUT, authenticated with the bot token', async () => {
    const registered = await registerCommands({
      token: fake.botToken,
      applicationId: fake.applicationId,
      commands: [command.data],
      api: fake.api,
    });
    const put = fake.requests.at(-1);
    expect(put).toMatchObject({
      method: 'PUT',
      route: `/applications/${fake.applicationId}/commands`,
      status: 200,
    });
    expect(put?.headers.authorization).toBe(`Bot ${fake.botToken}`);
    expect(put?.json).toEqual([command.data]);
    expect(registered).toHaveLength(1);
    expect(registered[0]).toMatchObject({ name: 'runway', application_id: fake.applicationId });
  });

  it('registers in one guild when asked (visible at once while developing)', async () => {
    await registerCommands({
      token: fake.botToken,
      applicationId: fake.applicationId,
      guildId: '1100000000000000001',
      commands: [command.data],
      api: fake.api,
    });
    expect(fake.requests.at(-1)?.route).toBe(
      `/applications/${fake.applicationId}/guilds/1100000000000000001/commands`,
    );
  });

  it('surfaces Discord’s refusal', async () => {
    await expect(
      registerCommands({
        token: 'wrong',
        applicationId: fake.applicationId,
        commands: [command.data],
        api: fake.api,
      }),
    ).rejects.toMatchObject({ status: 401 });
  });
});
