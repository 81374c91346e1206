import { REST } from '@discordjs/rest';
import {
  type APIApplicationCommandInteractionDataOption,
  type APIAttachment,
  type APIInteraction,
  type APIInteractionResponse,
  type APIMessage,
  type APIUser,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ComponentType,
  InteractionResponseType,
  InteractionType,
  MessageFlags,
  Routes,
} from 'discord-api-types/v10';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { RunwayCommand } from './command.js';
import type {
  AutocompleteInvocation,
  ButtonInvocation,
  ChatInputInvocation,
  OptionValue,
  SentMessage,
} from './interaction.js';
import { type MessageBody, toRestPayload, toRestRequest } from './message.js';
import { discordPublicKey, verifyDiscordRequest } from './signature.js';

/**
 * HTTP-interactions mode: Discord POSTs each interaction to your endpoint, signed with Ed25519.
 * The first answer is the HTTP response itself (PONG, deferred, ephemeral reply, update,
 * autocomplete choices); everything after it (progress edits, the result, follow-ups) goes through
 * Discord's REST API with the interaction token, or the bot token once that token has expired.
 */

export interface DiscordInteractionsHandlerOptions {
  readonly command: RunwayCommand;
  /** The application's public key (hex), from the Developer Portal's General Information page. */
  readonly publicKey: string;
  readonly applicationId: string;
  /**
   * The REST client for edits, follow-ups and channel messages. Give it the bot token
   * (`new REST().setToken(token)`) so results of tasks that outlive the 15-minute interaction
   * token can still be posted. Default: a REST client without a token.
   */
  readonly rest?: REST;
  /** Signed requests older (or newer) than this are refused. Default 5 min. */
  readonly maxTimestampAgeMs?: number;
  /** If the command has not answered within this, a deferred answer is sent for it. Default 2500 ms. */
  readonly answerWithinMs?: number;
  readonly now?: () => number;
  readonly onError?: (error: unknown, context: string) => void;
}

type Options = readonly APIApplicationCommandInteractionDataOption[] | undefined;

/** The first answer to an interaction, sent as the HTTP response. */
class InitialResponse {
  readonly #res: Response;
  #answered = false;
  readonly answeredOnce: Promise<void>;
  #markAnswered!: () => void;

  constructor(res: Response) {
    this.#res = res;
    this.answeredOnce = new Promise((resolve) => {
      this.#markAnswered = resolve;
    });
  }

  get answered(): boolean {
    return this.#answered;
  }

  /** Sends `body` as the response; resolves once it has been handed to the socket. */
  send(body: APIInteractionResponse): Promise<void> {
    if (this.#answered) return Promise.reject(new Error('The interaction has already been answered'));
    this.#answered = true;
    this.#markAnswered();
    const res = this.#res;
    return new Promise((resolve) => {
      res.once('finish', () => resolve());
      res.once('close', () => resolve());
      res.status(200).json(body);
    });
  }
}

function optionValues(options: Options, attachments: Record<string, APIAttachment> | undefined) {
  const values = new Map<string, OptionValue>();
  for (const option of options ?? []) {
    if (option.type === ApplicationCommandOptionType.Attachment) {
      const file = attachments?.[option.value];
      if (file) {
        values.set(option.name, {
          url: file.url,
          filename: file.filename,
          size: file.size,
          ...(file.content_type ? { contentType: file.content_type } : {}),
        });
      }
    } else if ('value' in option && option.value !== undefined) {
      values.set(option.name, option.value);
    }
  }
  return values;
}

/** The invoked subcommand and its options (subcommand groups included). */
function invoked(options: Options): { subcommand: string | undefined; options: Options } {
  const first = options?.[0];
  if (first?.type === ApplicationCommandOptionType.SubcommandGroup) return invoked(first.options);
  if (first?.type === ApplicationCommandOptionType.Subcommand) {
    return { subcommand: first.name, options: first.options };
  }
  return { subcommand: undefined, options };
}

function userOf(interaction: APIInteraction): APIUser | undefined {
  return interaction.member?.user ?? interaction.user;
}

const messageRef = (message: APIMessage): SentMessage => ({ id: message.id, channelId: message.channel_id });

/**
 * An Express handler for Discord's Interactions Endpoint URL. Mount it before any JSON body
 * parser (it reads the raw body to check the signature):
 *
 * ```ts
 * app.post('/discord/interactions', discordInteractionsHandler({ command, publicKey, applicationId,
 *   rest: new REST().setToken(process.env.DISCORD_TOKEN!) }));
 * ```
 */
export function discordInteractionsHandler(options: DiscordInteractionsHandlerOptions): RequestHandler {
  const { command, applicationId } = options;
  const key = discordPublicKey(options.publicKey);
  const rest = options.rest ?? new REST();
  const answerWithinMs = options.answerWithinMs ?? 2500;
  const onError =
    options.onError ??
    ((error: unknown, context: string) => {
      console.warn(`[runway-rx/discord] ${context}: ${(error as Error)?.message ?? String(error)}`);
    });
  // express is an optional peer: loaded when HTTP mode is used, not by gateway-only bots.
  const rawParser: Promise<RequestHandler> = import('express').then((module) =>
    module.default.raw({ type: () => true, limit: '512kb' }),
  );

  const webhook = (token: string) => ({
    async edit(message: MessageBody): Promise<SentMessage> {
      const route = Routes.webhookMessage(applicationId, token, '@original');
      return messageRef((await rest.patch(route, { ...toRestRequest(message), auth: false })) as APIMessage);
    },
    async followUp(message: MessageBody): Promise<SentMessage> {
      const route = Routes.webhook(applicationId, token);
      return messageRef((await rest.post(route, { ...toRestRequest(message), auth: false })) as APIMessage);
    },
  });

  /** A message as the `data` of an interaction response (initial answers never carry files). */
  const responseData = (message: MessageBody) => {
    const { files: _, ...withoutFiles } = message;
    const { body } = toRestPayload(withoutFiles);
    return body as { content?: string; flags?: MessageFlags };
  };

  /** An ephemeral answer: the interaction's response when it has none yet, else a follow-up. */
  async function replyEphemeral(
    initial: InitialResponse,
    hook: ReturnType<typeof webhook>,
    message: MessageBody,
  ): Promise<void> {
    const ephemeral = { ...message, ephemeral: true };
    if (initial.answered) await hook.followUp(ephemeral);
    else {
      await initial.send({
        type: InteractionResponseType.ChannelMessageWithSource,
        data: responseData(ephemeral),
      });
    }
  }

  function chatInput(
    interaction: Extract<APIInteraction, { type: InteractionType.ApplicationCommand }>,
    initial: InitialResponse,
  ): ChatInputInvocation | undefined {
    const { data } = interaction;
    const user = userOf(interaction);
    if (data.type !== ApplicationCommandType.ChatInput || !user) return undefined;
    const { subcommand, options: subOptions } = invoked(data.options);
    const hook = webhook(interaction.token);
    const channelId = interaction.channel?.id ?? interaction.channel_id;
    return {
      commandName: data.name,
      subcommand,
      options: optionValues(subOptions, data.resolved?.attachments),
      user: { id: user.id, name: user.global_name ?? user.username },
      guildId: interaction.guild_id,
      channelId,
      replyEphemeral: (message) => replyEphemeral(initial, hook, message),
      async defer() {
        if (!initial.answered)
          await initial.send({ type: InteractionResponseType.DeferredChannelMessageWithSource });
      },
      editOriginal: (message) => hook.edit(message),
      followUp: (message) => hook.followUp(message),
      async sendToChannel(message) {
        if (!channelId) throw new Error('The interaction has no channel to post in');
        const { body, files } = toRestPayload(message);
        return messageRef(
          (await rest.post(Routes.channelMessages(channelId), { body, files })) as APIMessage,
        );
      },
    };
  }

  function autocomplete(
    interaction: Extract<APIInteraction, { type: InteractionType.ApplicationCommandAutocomplete }>,
    initial: InitialResponse,
  ): AutocompleteInvocation | undefined {
    const user = userOf(interaction);
    const { subcommand, options: subOptions } = invoked(interaction.data.options);
    const focused = subOptions?.find((option) => 'focused' in option && option.focused);
    if (!user || !focused || !('value' in focused)) return undefined;
    return {
      commandName: interaction.data.name,
      subcommand,
      focused: { name: focused.name, value: String(focused.value) },
      options: optionValues(subOptions, undefined),
      user: { id: user.id, name: user.global_name ?? user.username },
      async respond(choices) {
        if (initial.answered) return;
        await initial.send({
          type: InteractionResponseType.ApplicationCommandAutocompleteResult,
          data: { choices: choices.map((choice) => ({ name: choice.name, value: choice.value })) },
        });
      },
    };
  }

  function button(
    interaction: Extract<APIInteraction, { type: InteractionType.MessageComponent }>,
    initial: InitialResponse,
  ): ButtonInvocation | undefined {
    const user = userOf(interaction);
    if (interaction.data.component_type !== ComponentType.Button || !user) return undefined;
    const hook = webhook(interaction.token);
    return {
      customId: interaction.data.custom_id,
      user: { id: user.id, name: user.global_name ?? user.username },
      guildId: interaction.guild_id,
      async update(message) {
        if (initial.answered) await hook.edit(message);
        else await initial.send({ type: InteractionResponseType.UpdateMessage, data: responseData(message) });
      },
      replyEphemeral: (message) => replyEphemeral(initial, hook, message),
    };
  }

  /** An ephemeral message as an interaction response. */
  const ephemeralAnswer = (content: string): APIInteractionResponse => ({
    type: InteractionResponseType.ChannelMessageWithSource,
    data: { content, flags: MessageFlags.Ephemeral, allowed_mentions: { parse: [] } },
  });
  const failedAnswer = ephemeralAnswer('Something went wrong on the bot’s side; try again in a moment.');

  /**
   * Runs a handler and makes sure Discord gets an answer within its 3 s: `late` if the handler is
   * slow (it may still edit later), `failed` if it threw before answering.
   */
  async function answer(
    initial: InitialResponse,
    run: () => Promise<unknown>,
    fallbacks: { readonly late: APIInteractionResponse; readonly failed: APIInteractionResponse },
    context: string,
  ): Promise<void> {
    const handled = run().then(
      () => 'done' as const,
      (error: unknown) => {
        onError(error, context);
        return 'failed' as const;
      },
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), answerWithinMs);
    });
    const first = await Promise.race([initial.answeredOnce, handled, late]);
    clearTimeout(timer);
    if (initial.answered) return;
    if (first === 'late') onError(new Error(`No answer within ${answerWithinMs} ms`), context);
    await initial.send(first === 'failed' ? fallbacks.failed : fallbacks.late);
  }

  async function handle(req: Request, res: Response): Promise<void> {
    if (req.method !== 'POST') {
      res.status(405).set('Allow', 'POST').json({ error: 'method not allowed' });
      return;
    }
    if (!Buffer.isBuffer(req.body)) {
      onError(new Error('The request body was parsed before the interactions handler'), 'reading the body');
      res.status(500).json({ error: 'mount the interactions handler before any body parser' });
      return;
    }
    const raw: Buffer = req.body;
    const check = verifyDiscordRequest(
      key,
      req.get('x-signature-ed25519'),
      req.get('x-signature-timestamp'),
      raw,
      {
        ...(options.maxTimestampAgeMs !== undefined ? { maxAgeMs: options.maxTimestampAgeMs } : {}),
        ...(options.now ? { now: options.now } : {}),
      },
    );
    if (!check.ok) {
      res.status(401).json({ error: 'invalid request signature' });
      return;
    }
    let interaction: APIInteraction;
    try {
      interaction = JSON.parse(raw.toString('utf8')) as APIInteraction;
    } catch {
      res.status(400).json({ error: 'the body is not JSON' });
      return;
    }
    const initial = new InitialResponse(res);
    const ignore = () => res.status(400).json({ error: 'unsupported interaction' });
    switch (interaction.type) {
      case InteractionType.Ping:
        await initial.send({ type: InteractionResponseType.Pong });
        return;
      case InteractionType.ApplicationCommand: {
        const invocation = chatInput(interaction, initial);
        if (!invocation || invocation.commandName !== command.name) return void ignore();
        await answer(
          initial,
          () => command.handleChatInput(invocation),
          { late: { type: InteractionResponseType.DeferredChannelMessageWithSource }, failed: failedAnswer },
          `handling /${command.name}`,
        );
        return;
      }
      case InteractionType.ApplicationCommandAutocomplete: {
        const invocation = autocomplete(interaction, initial);
        if (!invocation || invocation.commandName !== command.name) return void ignore();
        await answer(
          initial,
          () => command.handleAutocomplete(invocation),
          {
            late: {
              type: InteractionResponseType.ApplicationCommandAutocompleteResult,
              data: { choices: [] },
            },
            failed: {
              type: InteractionResponseType.ApplicationCommandAutocompleteResult,
              data: { choices: [] },
            },
          },
          `autocomplete of /${command.name}`,
        );
        return;
      }
      case InteractionType.MessageComponent: {
        const invocation = button(interaction, initial);
        if (!invocation || !command.ownsCustomId(invocation.customId)) return void ignore();
        await answer(
          initial,
          () => command.handleButton(invocation),
          { late: { type: InteractionResponseType.DeferredMessageUpdate }, failed: failedAnswer },
          `button ${invocation.customId}`,
        );
        return;
      }
      default:
        ignore();
    }
  }

  return (req: Request, res: Response, next: NextFunction) => {
    rawParser
      .then(
        (parse) =>
          new Promise<void>((resolve, reject) => {
            parse(req, res, (error?: unknown) => (error ? reject(error) : resolve()));
          }),
      )
      .then(() => handle(req, res))
      .catch(next);
  };
}
