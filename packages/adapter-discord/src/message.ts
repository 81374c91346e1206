import { randomBytes } from 'node:crypto';
import type { RawFile, RequestData } from '@discordjs/rest';
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

/** A `multipart/form-data` body, encoded to bytes. */
export interface MultipartBody {
  readonly body: Uint8Array;
  readonly contentType: string;
}

const quoted = (value: string) => value.replace(/["\\\r\n]/g, (c) => encodeURIComponent(c));

/**
 * Encodes `payload_json` and `files[n]` parts the way Discord expects them. Done here, as bytes,
 * rather than with a `FormData` handed to `@discordjs/rest`: that FormData belongs to Node's
 * bundled undici, and when undici 7 (which `@runway-rx/core` uses) is imported first it installs
 * itself as undici's global dispatcher, which cannot send such a FormData (discord.js#11525).
 * Bytes travel through any dispatcher.
 */
export function encodeMultipart(json: unknown, files: readonly RawFile[]): MultipartBody {
  const boundary = `runway-rx-${randomBytes(16).toString('hex')}`;
  const chunks: Buffer[] = [];
  const part = (headers: string[], data: Uint8Array | string) => {
    chunks.push(Buffer.from(`--${boundary}\r\n${headers.join('\r\n')}\r\n\r\n`));
    chunks.push(
      typeof data === 'string'
        ? Buffer.from(data)
        : Buffer.from(data.buffer, data.byteOffset, data.byteLength),
    );
    chunks.push(Buffer.from('\r\n'));
  };
  part(
    ['Content-Disposition: form-data; name="payload_json"', 'Content-Type: application/json'],
    JSON.stringify(json),
  );
  files.forEach((file, index) => {
    const data = typeof file.data === 'object' ? file.data : String(file.data);
    part(
      [
        `Content-Disposition: form-data; name="${quoted(file.key ?? `files[${index}]`)}"; filename="${quoted(file.name)}"`,
        `Content-Type: ${file.contentType ?? 'application/octet-stream'}`,
      ],
      data,
    );
  });
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/**
 * The `@discordjs/rest` request data for a message: JSON, or (with files) a multipart body of
 * bytes passed through as is.
 */
export function toRestRequest(
  message: MessageBody,
): Pick<RequestData, 'body' | 'headers' | 'passThroughBody'> {
  const { body, files } = toRestPayload(message);
  if (!files || files.length === 0) return { body };
  const multipart = encodeMultipart(body, files);
  return { body: multipart.body, passThroughBody: true, headers: { 'Content-Type': multipart.contentType } };
}
