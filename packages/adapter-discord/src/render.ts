import type { ValidationIssue } from '@runway-rx/core';
import {
  type APIActionRowComponent,
  type APIComponentInMessageActionRow,
  type APIEmbed,
  type APIEmbedField,
  ButtonStyle,
  ComponentType,
} from 'discord-api-types/v10';
import type { MessageBody, MessageFile } from './message.js';

/**
 * Turns a task's state into the one message a person watches: an embed with the prompt and the
 * parameters, a status line (place in line, a progress bar, the result or the reason it failed)
 * and a Cancel button while it runs. Pure functions: the same state always renders the same body,
 * which is what lets the editor skip edits that would change nothing.
 */

/** Prefix of every button the command owns: `runway:cancel:<handle>`. */
export const CUSTOM_ID_PREFIX = 'runway:';
export const cancelCustomId = (handle: string) => `${CUSTOM_ID_PREFIX}cancel:${handle}`;

const COLORS = {
  waiting: 0x99aab5,
  running: 0x5865f2,
  succeeded: 0x57f287,
  failed: 0xed4245,
  cancelled: 0x747f8d,
} as const;

const EMBED_LIMITS = { title: 256, description: 4096, fieldName: 256, fieldValue: 1024, fields: 25 } as const;
const PROMPT_PREVIEW = 400;

/** How one output reached the message. */
export type Delivery =
  | { readonly kind: 'attached'; readonly file: MessageFile }
  /** Larger than the upload limit; `link` only when the URL is public (never a loopback one). */
  | {
      readonly kind: 'too_large';
      readonly size: number | undefined;
      readonly limit: number;
      readonly link?: string;
    }
  /** The download failed; `link` only when public. */
  | { readonly kind: 'unavailable'; readonly link?: string };

/** Where a task is in its life, as the message shows it. */
export type JobPhase =
  | { readonly kind: 'submitting' }
  | { readonly kind: 'queued'; readonly position: number }
  | { readonly kind: 'pending'; readonly throttled: boolean }
  | { readonly kind: 'processing'; readonly progress: number }
  | { readonly kind: 'cancelling'; readonly by: string }
  | { readonly kind: 'succeeded'; readonly elapsedMs: number; readonly deliveries: readonly Delivery[] }
  | { readonly kind: 'failed'; readonly failure: string | undefined; readonly code: string | undefined }
  | { readonly kind: 'cancelled'; readonly by: string | undefined }
  /** Something went wrong on this side of the wire (the message is safe to show). */
  | { readonly kind: 'error'; readonly message: string; readonly details?: readonly string[] };

export interface JobView {
  readonly handle: string;
  /** `text-to-video` */
  readonly subcommand: string;
  /** `Text to Video` */
  readonly title: string;
  readonly model: string;
  readonly requesterId: string;
  readonly prompt: string | undefined;
  /** Parameters worth showing (ratio, duration, seed, input files…), as label and value. */
  readonly params: readonly (readonly [string, string])[];
  readonly output: string;
  readonly taskId: string | undefined;
  /** Credits: the estimate while the task runs, the cost once Runway charged it. */
  readonly credits: { readonly amount: number; readonly final: boolean } | undefined;
  readonly phase: JobPhase;
}

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** `▰▰▰▰▱▱▱▱▱▱ 42%`: a text progress bar that renders the same on every client. */
export function progressBar(fraction: number, width = 10): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.floor(clamped * width);
  return `${'▰'.repeat(filled)}${'▱'.repeat(width - filled)} ${Math.floor(clamped * 100)}%`;
}

/** `23.4 MB` */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 10 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${seconds % 60} s`;
}

/** A sentence a person understands for a Runway failure code, when the code is a known family. */
export function explainFailureCode(code: string | undefined): string | undefined {
  if (!code) return undefined;
  if (code.startsWith('SAFETY.INPUT')) return 'The input was flagged by content moderation.';
  if (code.startsWith('SAFETY.OUTPUT')) return 'The result was flagged by content moderation.';
  if (code.startsWith('INTERNAL.BAD_OUTPUT'))
    return 'The model produced an unusable result; trying again may work.';
  if (code.startsWith('INPUT_PREPROCESSING'))
    return 'An input could not be processed (check its format and size).';
  if (code.startsWith('ASSET.INVALID')) return 'An input file is invalid or could not be read.';
  if (code.startsWith('INTERNAL')) return 'Runway had an internal error; trying again may work.';
  return undefined;
}

function deliveryLine(delivery: Delivery, output: string): string | undefined {
  const download = (link: string) => ` Download it: ${link} (the link expires in 24–48 h)`;
  if (delivery.kind === 'too_large') {
    const limit = formatBytes(delivery.limit);
    const size =
      delivery.size === undefined
        ? `over the ${limit} limit`
        : `${formatBytes(delivery.size)}; the limit is ${limit}`;
    return `The ${output} is too large to upload here (${size}).${delivery.link ? download(delivery.link) : ''}`;
  }
  if (delivery.kind === 'unavailable') {
    return `The ${output} could not be fetched for upload.${delivery.link ? download(delivery.link) : ''}`;
  }
  return undefined;
}

function deliveryLines(deliveries: readonly Delivery[], output: string): string[] {
  return deliveries.flatMap((delivery) => deliveryLine(delivery, output) ?? []);
}

function statusLines(view: JobView): string[] {
  const { phase } = view;
  switch (phase.kind) {
    case 'submitting':
      return ['⏳ Sending to Runway…'];
    case 'queued':
      return [`⏳ Queued: #${phase.position} in line`];
    case 'pending':
      return [phase.throttled ? '🕒 Waiting for a free slot at Runway…' : '🕒 Starting…'];
    case 'processing':
      return [`🎬 ${progressBar(phase.progress)}`];
    case 'cancelling':
      return [`🛑 Cancelling (requested by <@${phase.by}>)…`];
    case 'succeeded':
      return [
        `✅ Done in ${formatDuration(phase.elapsedMs)}`,
        ...deliveryLines(phase.deliveries, view.output),
      ];
    case 'failed': {
      const explained = explainFailureCode(phase.code);
      const lines = [`❌ Failed: ${explained ?? phase.failure ?? 'no reason given'}`];
      if (explained && phase.failure) lines.push(`> ${clip(phase.failure.replace(/\s+/g, ' '), 300)}`);
      if (phase.code) lines.push(`Code: \`${phase.code}\``);
      return lines;
    }
    case 'cancelled':
      return [phase.by ? `🚫 Cancelled by <@${phase.by}>` : '🚫 Cancelled'];
    case 'error':
      return [`⚠️ ${phase.message}`, ...(phase.details ?? []).map((line) => `• ${line}`)];
  }
}

function color(phase: JobPhase): number {
  switch (phase.kind) {
    case 'submitting':
    case 'queued':
    case 'pending':
      return COLORS.waiting;
    case 'processing':
    case 'cancelling':
      return COLORS.running;
    case 'succeeded':
      return COLORS.succeeded;
    case 'failed':
    case 'error':
      return COLORS.failed;
    case 'cancelled':
      return COLORS.cancelled;
  }
}

/** Whether the task can still be cancelled from the message. */
const cancellable = (phase: JobPhase) =>
  phase.kind === 'submitting' ||
  phase.kind === 'queued' ||
  phase.kind === 'pending' ||
  phase.kind === 'processing';

/** The action row with the Cancel button. */
export function cancelRow(handle: string): APIActionRowComponent<APIComponentInMessageActionRow> {
  return {
    type: ComponentType.ActionRow,
    components: [
      {
        type: ComponentType.Button,
        style: ButtonStyle.Danger,
        label: 'Cancel',
        custom_id: cancelCustomId(handle),
      },
    ],
  };
}

/** The message of a task at one point of its life. */
export function renderJob(view: JobView): MessageBody {
  const { phase } = view;
  const description = [
    ...(view.prompt ? [`> ${clip(view.prompt.replace(/\s*\n\s*/g, ' '), PROMPT_PREVIEW)}`, ''] : []),
    ...statusLines(view),
    '',
    `Requested by <@${view.requesterId}>`,
  ].join('\n');
  const fields: APIEmbedField[] = view.params.slice(0, EMBED_LIMITS.fields).map(([name, value]) => ({
    name: clip(name, EMBED_LIMITS.fieldName),
    value: clip(value, EMBED_LIMITS.fieldValue),
    inline: true,
  }));
  const footer = [
    view.taskId ? `Task ${view.taskId}` : undefined,
    view.credits ? `${view.credits.final ? '' : '~'}${view.credits.amount} credits` : undefined,
  ]
    .filter(Boolean)
    .join(' · ');
  const files =
    phase.kind === 'succeeded'
      ? phase.deliveries.flatMap((d) => (d.kind === 'attached' ? [d.file] : []))
      : [];
  const image = view.output === 'image' ? files[0] : undefined;
  const embed: APIEmbed = {
    title: clip(`${view.title} · ${view.model}`, EMBED_LIMITS.title),
    description: clip(description, EMBED_LIMITS.description),
    color: color(phase),
    ...(fields.length > 0 ? { fields } : {}),
    ...(footer ? { footer: { text: footer } } : {}),
    ...(image ? { image: { url: `attachment://${image.name}` } } : {}),
  };
  return {
    content: '',
    embeds: [embed],
    components: cancellable(phase) ? [cancelRow(view.handle)] : [],
    ...(files.length > 0 ? { files } : {}),
  };
}

/** The follow-up that pings the requester when the task ends (edits notify no one). */
export function renderFollowUp(view: JobView, link: string | undefined): MessageBody | undefined {
  const where = link ? `: ${link}` : '';
  const who = `<@${view.requesterId}>`;
  switch (view.phase.kind) {
    case 'succeeded':
      return { content: `${who} your ${view.subcommand} is ready${where}`, mentionUsers: [view.requesterId] };
    case 'failed':
      return { content: `${who} your ${view.subcommand} failed${where}`, mentionUsers: [view.requesterId] };
    default:
      return undefined;
  }
}

/** The ephemeral answer to input that breaks a rule: one line per rule, named by option. */
export function renderValidation(
  subcommand: string,
  issues: readonly ValidationIssue[],
  optionOf: (path: string) => string,
): MessageBody {
  const lines = issues.map((issue) => {
    const option = issue.path ? optionOf(issue.path) : undefined;
    return option ? `• \`${option}\` ${issue.message}` : `• ${issue.message}`;
  });
  return {
    content: clip([`**Can't start ${subcommand}:**`, ...lines].join('\n'), 2000),
    ephemeral: true,
  };
}

/** A short ephemeral notice. */
export const notice = (content: string): MessageBody => ({ content: clip(content, 2000), ephemeral: true });
