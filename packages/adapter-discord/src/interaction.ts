import type { MessageBody } from './message.js';

/**
 * The transport-neutral view of Discord interactions the command works on. The gateway binding
 * (discord.js) and the HTTP-interactions handler (raw payloads + REST) each implement it, so the
 * flow (defer, edits, cancel, result) is written once.
 */

/** A file the user attached to an attachment option. */
export interface AttachmentRef {
  /** Discord's CDN URL of the file (what is passed to the task). */
  readonly url: string;
  readonly filename: string;
  readonly contentType?: string;
  readonly size?: number;
}

/** The value of one option: strings, numbers, booleans, or an attachment. */
export type OptionValue = string | number | boolean | AttachmentRef;

export interface InteractionUser {
  readonly id: string;
  /** Display or user name, for logs; messages mention users by id. */
  readonly name?: string;
}

/** A message Discord stored, as far as the flow needs it. */
export interface SentMessage {
  readonly id: string;
  readonly channelId?: string;
}

/** A slash-command invocation, from receipt until its interaction token expires. */
export interface ChatInputInvocation {
  readonly commandName: string;
  readonly subcommand: string | undefined;
  /** The subcommand's options by name; attachments resolved. */
  readonly options: ReadonlyMap<string, OptionValue>;
  readonly user: InteractionUser;
  readonly guildId: string | undefined;
  readonly channelId: string | undefined;
  /** The first answer: an ephemeral message (response type 4 with the ephemeral flag). */
  replyEphemeral(message: MessageBody): Promise<void>;
  /** The first answer: "thinking…", to be edited later (response type 5). */
  defer(): Promise<void>;
  /** Edits the original response through the interaction token (15 min). */
  editOriginal(message: MessageBody): Promise<SentMessage | undefined>;
  /** Sends a follow-up message through the interaction token. */
  followUp(message: MessageBody): Promise<SentMessage | undefined>;
  /** Posts in the invocation's channel with the bot token (after the interaction token expired). */
  sendToChannel(message: MessageBody): Promise<SentMessage | undefined>;
}

/** An autocomplete request for one focused option. */
export interface AutocompleteInvocation {
  readonly commandName: string;
  readonly subcommand: string | undefined;
  readonly focused: { readonly name: string; readonly value: string };
  /** The other options filled in so far. */
  readonly options: ReadonlyMap<string, OptionValue>;
  readonly user: InteractionUser;
  /** Answers with up to 25 choices (response type 8). */
  respond(choices: readonly { readonly name: string; readonly value: string }[]): Promise<void>;
}

/** A press on one of the command's buttons. */
export interface ButtonInvocation {
  readonly customId: string;
  readonly user: InteractionUser;
  readonly guildId: string | undefined;
  /** Replaces the message the button is on (response type 7). */
  update(message: MessageBody): Promise<void>;
  /** Answers only the presser (response type 4, ephemeral). */
  replyEphemeral(message: MessageBody): Promise<void>;
}
