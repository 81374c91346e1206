import type { RawFile } from '@discordjs/rest';
import {
  type APIActionRowComponent,
  type APIAllowedMentions,
  type APIComponentInMessageActionRow,
  type APIEmbed,
  MessageFlags,
} from 'discord-api-types/v10';

/** A file to attach to a message (multipart upload). */
export interface MessageFile {
  readonly name: string;
  readonly data: Uint8Array;
  readonly contentType?: string;
}

/**
 * A Discord message as the command renders it, independent of the transport: the gateway binding
 * turns it into discord.js options, the HTTP-interactions handler into a REST body.
 */
export interface MessageBody {
  readonly content?: string;
  readonly embeds?: readonly APIEmbed[];
  /** Action rows; an empty array removes the message's components. */
  readonly components?: readonly APIActionRowComponent<APIComponentInMessageActionRow>[];
  readonly files?: readonly MessageFile[];
  /** Users this message may ping. Nobody else is ever pinged (no roles, no @everyone). */
  readonly mentionUsers?: readonly string[];
  /** Only the invoking user sees it (initial replies and follow-ups). */
  readonly ephemeral?: boolean;
}

/** `allowed_mentions` for a body: only the listed users, never roles or @everyone. */
export function allowedMentions(message: MessageBody): APIAllowedMentions {
  return { parse: [], users: [...(message.mentionUsers ?? [])] };
}

/** The JSON body and files of a REST call that creates or edits a message. */
export interface RestMessagePayload {
  readonly body: Record<string, unknown>;
  readonly files: RawFile[] | undefined;
}

/** Converts a message into what `@discordjs/rest` sends: JSON (`payload_json`) plus `files[n]` parts. */
export function toRestPayload(message: MessageBody): RestMessagePayload {
  const body: Record<string, unknown> = { allowed_mentions: allowedMentions(message) };
  if (message.content !== undefined) body.content = message.content;
  if (message.embeds !== undefined) body.embeds = message.embeds;
  if (message.components !== undefined) body.components = message.components;
  if (message.ephemeral) body.flags = MessageFlags.Ephemeral;
  const files = message.files?.map(
    (file): RawFile => ({
      name: file.name,
      data: file.data,
      ...(file.contentType ? { contentType: file.contentType } : {}),
    }),
  );
  // New uploads must be listed in `attachments`; an edit with the list replaces earlier ones.
  if (files) body.attachments = files.map((file, index) => ({ id: index, filename: file.name }));
  return { body, files };
}

/**
 * A key for what a person sees: two bodies with the same key render the same message, so an edit
 * between them would be wasted (files count by name and size, not by their bytes).
 */
export function visibleKey(message: MessageBody): string {
  return JSON.stringify([
    message.content ?? null,
    message.embeds ?? null,
    message.components ?? null,
    message.files?.map((file) => [file.name, file.data.byteLength]) ?? null,
  ]);
}
