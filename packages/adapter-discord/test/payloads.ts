import { randomBytes } from 'node:crypto';
import {
  type APIApplicationCommandAutocompleteInteraction,
  type APIApplicationCommandInteractionDataBasicOption,
  type APIAttachment,
  type APIChatInputApplicationCommandInteraction,
  type APIMessage,
  type APIMessageComponentButtonInteraction,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ChannelType,
  ComponentType,
  InteractionType,
} from 'discord-api-types/v10';
import { type FakeDiscord, snowflake } from './fake-discord.js';

/**
 * Raw interaction payloads as Discord sends them (over the gateway or to an HTTP endpoint), built
 * for the fake Discord server: each one is registered with it so its token ages like a real one.
 */

export const GUILD_ID = '1100000000000000001';
export const CHANNEL_ID = '1100000000000000002';

export interface TestUser {
  readonly id: string;
  readonly username: string;
}

export const alice: TestUser = { id: '1000000000000000001', username: 'alice' };
export const bob: TestUser = { id: '1000000000000000002', username: 'bob' };

export type TestOption =
  | string
  | number
  | boolean
  | { readonly file: { readonly filename: string; readonly contentType: string; readonly size?: number } };

const member = (user: TestUser) => ({
  user: {
    id: user.id,
    username: user.username,
    discriminator: '0',
    avatar: null,
    global_name: user.username,
  },
  roles: [],
  joined_at: '2024-01-01T00:00:00.000Z',
  deaf: false,
  mute: false,
  flags: 0,
  permissions: '0',
});

const common = (fake: FakeDiscord, user: TestUser, token: string) => ({
  id: snowflake(),
  application_id: fake.applicationId,
  token,
  version: 1 as const,
  guild_id: GUILD_ID,
  channel_id: CHANNEL_ID,
  channel: { id: CHANNEL_ID, type: ChannelType.GuildText, guild_id: GUILD_ID, name: 'generate' },
  member: member(user),
  app_permissions: '0',
  locale: 'en-US' as const,
  guild_locale: 'en-US' as const,
  entitlements: [],
  authorizing_integration_owners: {},
  context: 0 as const,
  attachment_size_limit: 10 * 1024 * 1024,
});

function optionsOf(values: Readonly<Record<string, TestOption>>, attachments: Record<string, APIAttachment>) {
  return Object.entries(values).map(([name, value]): APIApplicationCommandInteractionDataBasicOption => {
    if (typeof value === 'object') {
      const id = snowflake();
      attachments[id] = {
        id,
        filename: value.file.filename,
        size: value.file.size ?? 1024,
        url: `https://cdn.discordapp.com/attachments/${CHANNEL_ID}/${id}/${value.file.filename}`,
        proxy_url: `https://media.discordapp.net/attachments/${CHANNEL_ID}/${id}/${value.file.filename}`,
        content_type: value.file.contentType,
      };
      return { name, type: ApplicationCommandOptionType.Attachment, value: id };
    }
    if (typeof value === 'boolean') return { name, type: ApplicationCommandOptionType.Boolean, value };
    if (typeof value === 'number') {
      return {
        name,
        type: Number.isInteger(value)
          ? ApplicationCommandOptionType.Integer
          : ApplicationCommandOptionType.Number,
        value,
      };
    }
    return { name, type: ApplicationCommandOptionType.String, value };
  });
}

/** `/runway <subcommand> …options` by `user`. */
export function chatInput(
  fake: FakeDiscord,
  user: TestUser,
  subcommand: string,
  values: Readonly<Record<string, TestOption>>,
  command = 'runway',
): APIChatInputApplicationCommandInteraction {
  const token = `itoken-${randomBytes(12).toString('hex')}`;
  fake.registerInteraction({ token, channelId: CHANNEL_ID });
  const attachments: Record<string, APIAttachment> = {};
  const options = optionsOf(values, attachments);
  return {
    ...common(fake, user, token),
    type: InteractionType.ApplicationCommand,
    data: {
      id: '1300000000000000001',
      name: command,
      type: ApplicationCommandType.ChatInput,
      options: [{ type: ApplicationCommandOptionType.Subcommand, name: subcommand, options }],
      ...(Object.keys(attachments).length > 0 ? { resolved: { attachments } } : {}),
    },
  } as APIChatInputApplicationCommandInteraction;
}

/** Autocomplete of `focused` while typing `/runway <subcommand>`. */
export function autocomplete(
  fake: FakeDiscord,
  user: TestUser,
  subcommand: string,
  focused: { name: string; value: string },
  values: Readonly<Record<string, string>> = {},
): APIApplicationCommandAutocompleteInteraction {
  const token = `itoken-${randomBytes(12).toString('hex')}`;
  fake.registerInteraction({ token, channelId: CHANNEL_ID });
  return {
    ...common(fake, user, token),
    type: InteractionType.ApplicationCommandAutocomplete,
    data: {
      id: '1300000000000000001',
      name: 'runway',
      type: ApplicationCommandType.ChatInput,
      options: [
        {
          type: ApplicationCommandOptionType.Subcommand,
          name: subcommand,
          options: [
            ...Object.entries(values).map(([name, value]) => ({
              name,
              type: ApplicationCommandOptionType.String as const,
              value,
            })),
            {
              name: focused.name,
              type: ApplicationCommandOptionType.String,
              value: focused.value,
              focused: true,
            },
          ],
        },
      ],
    },
  } as APIApplicationCommandAutocompleteInteraction;
}

/** `user` presses the button `customId` on `message`. */
export function buttonPress(
  fake: FakeDiscord,
  user: TestUser,
  message: APIMessage | object,
  customId: string,
): APIMessageComponentButtonInteraction {
  const token = `itoken-${randomBytes(12).toString('hex')}`;
  fake.registerInteraction({ token, channelId: CHANNEL_ID, messageId: (message as APIMessage).id });
  return {
    ...common(fake, user, token),
    type: InteractionType.MessageComponent,
    message: message as APIMessage,
    data: { component_type: ComponentType.Button, custom_id: customId },
  } as APIMessageComponentButtonInteraction;
}

/** The `custom_id` of the first button of a stored message. */
export function firstButtonId(
  message: { components: Record<string, unknown>[] } | undefined,
): string | undefined {
  const row = message?.components[0] as { components?: { custom_id?: string }[] } | undefined;
  return row?.components?.[0]?.custom_id;
}
