import type {
  AutocompleteInteraction,
  ButtonInteraction,
  ChatInputCommandInteraction,
  Client,
  CommandInteractionOption,
  Interaction,
  InteractionEditReplyOptions,
  InteractionReplyOptions,
  InteractionUpdateOptions,
  Message,
} from 'discord.js';
import { type APIMessage, MessageFlags, Routes } from 'discord-api-types/v10';
import type { RunwayCommand } from './command.js';
import type {
  AutocompleteInvocation,
  ButtonInvocation,
  ChatInputInvocation,
  OptionValue,
  SentMessage,
} from './interaction.js';
import { allowedMentions, type MessageBody, toRestRequest } from './message.js';

/**
 * Gateway mode: the command driven by a discord.js v14 `Client`. Interactions arrive over the
 * gateway; answers use discord.js's own interaction methods (deferReply, editReply, followUp,
 * reply, update, respond), which go through the client's REST manager.
 */

export interface BindRunwayCommandOptions {
  /** Told about interactions that could not be handled. Default: `console.warn`. */
  readonly onError?: (error: unknown, context: string) => void;
}

/** The parts of a message every discord.js send/edit method takes alike. */
function common(message: MessageBody) {
  return {
    allowedMentions: allowedMentions(message),
    ...(message.content !== undefined ? { content: message.content } : {}),
    ...(message.embeds !== undefined ? { embeds: [...message.embeds] } : {}),
    ...(message.components !== undefined ? { components: [...message.components] } : {}),
    ...(message.files !== undefined
      ? { files: message.files.map((file) => ({ attachment: Buffer.from(file.data), name: file.name })) }
      : {}),
  };
}

/** Options for editReply and update (whose flags cannot make a message ephemeral). */
const toEdit = (message: MessageBody): InteractionEditReplyOptions & InteractionUpdateOptions =>
  common(message);

/** Options for reply and followUp. */
const toReply = (message: MessageBody): InteractionReplyOptions => ({
  ...common(message),
  ...(message.ephemeral ? { flags: MessageFlags.Ephemeral as const } : {}),
});

const sent = (message: Message): SentMessage => ({ id: message.id, channelId: message.channelId });

function optionValues(options: readonly CommandInteractionOption[] | undefined): Map<string, OptionValue> {
  const values = new Map<string, OptionValue>();
  for (const option of options ?? []) {
    if (option.attachment) {
      const { url, name, contentType, size } = option.attachment;
      values.set(option.name, {
        url,
        filename: name,
        ...(contentType ? { contentType } : {}),
        size,
      });
    } else if (option.value !== undefined && option.value !== null) {
      values.set(option.name, option.value);
    }
  }
  return values;
}

/** The options of the invoked subcommand (or of the command itself when it has none). */
function subcommandOptions(data: readonly CommandInteractionOption[]): readonly CommandInteractionOption[] {
  const first = data[0];
  return first?.options !== undefined && (first.type === 1 || first.type === 2)
    ? ((first.type === 2 ? first.options[0]?.options : first.options) ?? [])
    : data;
}

const userOf = (interaction: Interaction) => ({
  id: interaction.user.id,
  name: interaction.user.globalName ?? interaction.user.username,
});

function chatInput(interaction: ChatInputCommandInteraction): ChatInputInvocation {
  return {
    commandName: interaction.commandName,
    subcommand: interaction.options.getSubcommand(false) ?? undefined,
    options: optionValues(subcommandOptions(interaction.options.data)),
    user: userOf(interaction),
    guildId: interaction.guildId ?? undefined,
    channelId: interaction.channelId ?? undefined,
    async replyEphemeral(message) {
      await interaction.reply(toReply({ ...message, ephemeral: true }));
    },
    async defer() {
      await interaction.deferReply();
    },
    async editOriginal(message) {
      if (!message.files?.length) return sent(await interaction.editReply(toEdit(message)));
      // Files go as a multipart body of bytes (see encodeMultipart), on the route editReply uses.
      const route = Routes.webhookMessage(interaction.applicationId, interaction.token, '@original');
      const edited = (await interaction.client.rest.patch(route, {
        ...toRestRequest(message),
        auth: false,
      })) as APIMessage;
      return { id: edited.id, channelId: edited.channel_id };
    },
    followUp: async (message) => sent(await interaction.followUp(toReply(message))),
    async sendToChannel(message) {
      if (!interaction.channelId) throw new Error('The interaction has no channel to post in');
      const posted = (await interaction.client.rest.post(
        Routes.channelMessages(interaction.channelId),
        toRestRequest(message),
      )) as APIMessage;
      return { id: posted.id, channelId: posted.channel_id };
    },
  };
}

function autocomplete(interaction: AutocompleteInteraction): AutocompleteInvocation {
  const focused = interaction.options.getFocused(true);
  return {
    commandName: interaction.commandName,
    subcommand: interaction.options.getSubcommand(false) ?? undefined,
    focused: { name: focused.name, value: String(focused.value) },
    options: optionValues(subcommandOptions(interaction.options.data)),
    user: userOf(interaction),
    async respond(choices) {
      await interaction.respond(choices.map((choice) => ({ name: choice.name, value: choice.value })));
    },
  };
}

function button(interaction: ButtonInteraction): ButtonInvocation {
  return {
    customId: interaction.customId,
    user: userOf(interaction),
    guildId: interaction.guildId ?? undefined,
    async update(message) {
      await interaction.update(toEdit(message));
    },
    async replyEphemeral(message) {
      await interaction.reply(toReply({ ...message, ephemeral: true }));
    },
  };
}

/**
 * Routes a discord.js client's interactions to the command: its chat input commands, the
 * autocomplete of their options, and its buttons. Returns a function that unbinds it.
 *
 * ```ts
 * const discord = new Client({ intents: [GatewayIntentBits.Guilds] });
 * bindRunwayCommand(discord, createRunwayCommand({ client: runway }));
 * await discord.login(process.env.DISCORD_TOKEN);
 * ```
 */
export function bindRunwayCommand(
  client: Client,
  command: RunwayCommand,
  options: BindRunwayCommandOptions = {},
): () => void {
  const onError =
    options.onError ??
    ((error: unknown, context: string) => {
      console.warn(`[runway-rx/discord] ${context}: ${(error as Error)?.message ?? String(error)}`);
    });
  const dispatch = async (interaction: Interaction): Promise<void> => {
    if (interaction.isChatInputCommand()) {
      if (interaction.commandName === command.name) await command.handleChatInput(chatInput(interaction));
    } else if (interaction.isAutocomplete()) {
      if (interaction.commandName === command.name)
        await command.handleAutocomplete(autocomplete(interaction));
    } else if (interaction.isButton()) {
      if (command.ownsCustomId(interaction.customId)) await command.handleButton(button(interaction));
    }
  };
  const listener = (interaction: Interaction) => {
    dispatch(interaction).catch((error: unknown) => onError(error, `handling interaction ${interaction.id}`));
  };
  client.on('interactionCreate', listener);
  return () => {
    client.off('interactionCreate', listener);
  };
}
