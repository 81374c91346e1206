/**
 * The Discord bot of the playground: the `/runway` command on the same client (and so the same
 * scheduler and simulator) as the web page. It starts only when configured:
 *
 * - `DISCORD_TOKEN` + `DISCORD_APPLICATION_ID`: gateway mode (discord.js logs in, no public URL
 *   needed);
 * - plus `DISCORD_PUBLIC_KEY` and `DISCORD_MODE=http`: HTTP-interactions mode, the handler mounted
 *   on the playground at `/discord/interactions` (Discord must reach it over https: put a tunnel
 *   or a reverse proxy in front and set it as the Interactions Endpoint URL);
 * - `DISCORD_GUILD_ID` (optional): register the command in that guild only (visible at once).
 */
import {
  bindRunwayCommand,
  createRunwayCommand,
  discordInteractionsHandler,
  registerCommands,
} from '@runway-rx/adapter-discord';
import type { RunwayClient } from '@runway-rx/core';
import { Client, GatewayIntentBits, REST } from 'discord.js';
import type { Express } from 'express';

export const INTERACTIONS_PATH = '/discord/interactions';

export interface DiscordBotOptions {
  /** The playground's Express app, where HTTP-interactions mode mounts its handler. */
  readonly app?: Express;
  /** Where the settings come from. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Discord's API base URL (a local fake in tests). Default `https://discord.com/api`. */
  readonly api?: string;
  readonly log?: (line: string) => void;
}

export interface DiscordBot {
  readonly mode: 'gateway' | 'http';
  close(): Promise<void>;
}

const value = (env: DiscordBotOptions['env'], name: string) => {
  const raw = env?.[name]?.trim();
  return raw ? raw : undefined;
};

/** Starts the bot when the environment configures one; `undefined` when it does not. */
export async function startDiscordBot(
  client: RunwayClient,
  options: DiscordBotOptions = {},
): Promise<DiscordBot | undefined> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => console.log(line));
  const token = value(env, 'DISCORD_TOKEN');
  const applicationId = value(env, 'DISCORD_APPLICATION_ID');
  if (!token && !applicationId) return undefined;
  if (!token || !applicationId) {
    log('  discord: set both DISCORD_TOKEN and DISCORD_APPLICATION_ID to run the bot; not starting it');
    return undefined;
  }
  const guildId = value(env, 'DISCORD_GUILD_ID');
  const publicKey = value(env, 'DISCORD_PUBLIC_KEY');
  const mode = value(env, 'DISCORD_MODE') === 'http' ? 'http' : 'gateway';
  if (mode === 'http' && (!publicKey || !options.app)) {
    log(
      '  discord: DISCORD_MODE=http needs DISCORD_PUBLIC_KEY (and the playground app); not starting the bot',
    );
    return undefined;
  }

  const command = createRunwayCommand({
    client,
    limits: { perUser: 2, perGuild: 10, cooldownMs: 5_000 },
    onError: (error, context) => log(`  discord: ${context}: ${(error as Error)?.message ?? String(error)}`),
  });
  try {
    await registerCommands({
      token,
      applicationId,
      commands: [command.data],
      ...(guildId ? { guildId } : {}),
      ...(options.api ? { api: options.api } : {}),
    });
  } catch (error) {
    await command.close();
    throw error;
  }
  const where = guildId ? `guild ${guildId}` : 'all guilds (global commands can take a while to appear)';

  if (mode === 'http') {
    const rest = new REST(options.api ? { api: options.api } : {}).setToken(token);
    options.app?.post(
      INTERACTIONS_PATH,
      discordInteractionsHandler({ command, publicKey: publicKey as string, applicationId, rest }),
    );
    log(`  discord: /${command.name} registered in ${where}; HTTP interactions at ${INTERACTIONS_PATH}`);
    return {
      mode,
      async close() {
        await command.close();
      },
    };
  }

  const discord = new Client({
    intents: [GatewayIntentBits.Guilds],
    ...(options.api ? { rest: { api: options.api } } : {}),
  });
  const unbind = bindRunwayCommand(discord, command);
  try {
    await discord.login(token);
  } catch (error) {
    unbind();
    await command.close();
    await discord.destroy();
    throw error;
  }
  log(`  discord: /${command.name} registered in ${where}; connected to the gateway`);
  return {
    mode,
    async close() {
      unbind();
      await command.close();
      await discord.destroy();
    },
  };
}
