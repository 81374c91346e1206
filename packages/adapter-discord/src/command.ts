import { randomBytes } from 'node:crypto';
import { type RunwayClient, safeValidateTaskInput } from '@runway-rx/core';
import type { RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord-api-types/v10';
import { Agent, type Dispatcher } from 'undici';
import {
  buildInput,
  type CommandPlan,
  DISCORD_COMMAND_LIMITS,
  type OptionPlan,
  planCommand,
  type SubcommandPlan,
} from './command-data.js';
import type {
  AutocompleteInvocation,
  ButtonInvocation,
  ChatInputInvocation,
  OptionValue,
} from './interaction.js';
import { RunwayJob } from './job.js';
import { type CommandLimits, describeRefusal, UsageLimiter } from './limits.js';
import { CUSTOM_ID_PREFIX, notice, renderValidation } from './render.js';

/** Discord's default upload limit without boosts: 10 MiB. */
export const DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
/** Progress edits at most this often. */
export const DEFAULT_EDIT_INTERVAL_MS = 1500;
/**
 * How long the command treats an interaction token as usable. Discord's tokens live 15 minutes;
 * the default keeps a 30 s margin so the last edit cannot race the expiry.
 */
export const DEFAULT_INTERACTION_TOKEN_TTL_MS = 15 * 60_000 - 30_000;

const CANCEL_PREFIX = `${CUSTOM_ID_PREFIX}cancel:`;

export interface RunwayCommandOptions {
  /** The runway-rx client tasks are submitted through (its scheduler queues them fairly per user). */
  readonly client: RunwayClient;
  /** The slash command's name. Default `runway`. */
  readonly name?: string;
  /** The slash command's description. */
  readonly description?: string;
  /** Tasks in flight per user and per guild, and a cooldown between a user's submissions. */
  readonly limits?: CommandLimits;
  /** Minimum time between two edits of a progress message. Default 1500 ms. */
  readonly editIntervalMs?: number;
  /** Results larger than this are linked (when the link is public) instead of uploaded. Default 10 MiB. */
  readonly maxUploadBytes?: number;
  /** How long an interaction token is used before falling back to the bot token. Default 14.5 min. */
  readonly interactionTokenTtlMs?: number;
  /**
   * The undici dispatcher results are downloaded with. Default: an Agent of the command's own,
   * closed by `close()`. (Undici's global dispatcher is left alone on purpose: `@discordjs/rest`
   * sends files through it, and an undici 7 Agent installed there breaks those uploads.)
   */
  readonly download?: Dispatcher;
  /** The clock (cooldowns, token life, elapsed time). Default `Date.now`. */
  readonly now?: () => number;
  /** Told about errors the flow recovers from (failed edits, downloads). Default: `console.warn`. */
  readonly onError?: (error: unknown, context: string) => void;
}

/** A task the command is following. */
export interface ActiveTask {
  readonly handle: string;
  readonly userId: string;
  readonly guildId: string | undefined;
  readonly taskId: string | undefined;
  readonly status: string;
}

/** The `/runway` command: its registration JSON and transport-neutral handlers. */
export interface RunwayCommand {
  readonly name: string;
  /** The JSON to register (`PUT /applications/{id}/commands`). */
  readonly data: RESTPostAPIChatInputApplicationCommandsJSONBody;
  /** Validates, applies the limits, defers, submits and follows the task. Resolves once answered. */
  handleChatInput(invocation: ChatInputInvocation): Promise<void>;
  /** Suggests values (the ratios of the chosen model) for the focused option. */
  handleAutocomplete(invocation: AutocompleteInvocation): Promise<void>;
  /** Handles a press on one of the command's buttons; `false` when the button is not its own. */
  handleButton(invocation: ButtonInvocation): Promise<boolean>;
  /** Whether a component's `custom_id` belongs to the command. */
  ownsCustomId(customId: string): boolean;
  /** The tasks currently followed. */
  readonly active: readonly ActiveTask[];
  /** Resolves when no task is being followed. */
  idle(): Promise<void>;
  /** Stops following tasks and editing messages; tasks keep running at Runway. */
  close(): Promise<void>;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new RangeError(`${name} must be a non-negative number, got ${String(value)}`);
  }
  return value;
}

const humanize = (name: string) => {
  const words = name.replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** `1280:720` → `1280:720 (landscape)`. */
function suggestionLabel(value: string): string {
  const match = /^(\d+):(\d+)$/.exec(value);
  if (!match) return value;
  const width = Number(match[1]);
  const height = Number(match[2]);
  const shape = width > height ? 'landscape' : width < height ? 'portrait' : 'square';
  return `${value} (${shape})`;
}

function formatParam(option: OptionPlan, value: OptionValue): string {
  if (typeof value === 'object') return value.filename;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (option.name === 'duration' && typeof value === 'number') return `${value} s`;
  return String(value);
}

function paramsOf(plan: SubcommandPlan, options: ReadonlyMap<string, OptionValue>): [string, string][] {
  return plan.options.flatMap((option): [string, string][] => {
    const value = options.get(option.name);
    if (value === undefined || option.name === 'model' || option.name === 'prompt') return [];
    return [[humanize(option.name), formatParam(option, value)]];
  });
}

/**
 * Creates the `/runway` slash command: one subcommand per task type of the registry, and handlers
 * for chat input, autocomplete and the Cancel button that work on any transport (see
 * `bindRunwayCommand` for discord.js and `discordInteractionsHandler` for HTTP interactions).
 *
 * ```ts
 * const command = createRunwayCommand({ client: runway, limits: { perUser: 2, cooldownMs: 10_000 } });
 * await registerCommands({ token, applicationId, commands: [command.data] });
 * bindRunwayCommand(discordClient, command);
 * ```
 */
export function createRunwayCommand(options: RunwayCommandOptions): RunwayCommand {
  const name = options.name ?? 'runway';
  const plan: CommandPlan = planCommand(name, options.description);
  const now = options.now ?? Date.now;
  const limiter = new UsageLimiter(options.limits);
  const onError =
    options.onError ??
    ((error: unknown, context: string) => {
      console.warn(`[runway-rx/discord] ${context}: ${(error as Error)?.message ?? String(error)}`);
    });
  const ownDispatcher = options.download ? undefined : new Agent({ connections: 8 });
  const context = {
    client: options.client,
    editIntervalMs: nonNegative('editIntervalMs', options.editIntervalMs, DEFAULT_EDIT_INTERVAL_MS),
    maxUploadBytes: nonNegative('maxUploadBytes', options.maxUploadBytes, DEFAULT_MAX_UPLOAD_BYTES),
    tokenTtlMs: nonNegative(
      'interactionTokenTtlMs',
      options.interactionTokenTtlMs,
      DEFAULT_INTERACTION_TOKEN_TTL_MS,
    ),
    dispatcher: options.download ?? ownDispatcher,
    now,
    onError,
  };
  const jobs = new Map<string, RunwayJob>();
  const idleWaiters: (() => void)[] = [];
  let closed = false;

  const settleIdle = () => {
    if (jobs.size > 0) return;
    for (const resolve of idleWaiters.splice(0)) resolve();
  };

  async function handleChatInput(invocation: ChatInputInvocation): Promise<void> {
    const receivedAt = now();
    const subcommand = plan.subcommand(invocation.subcommand);
    if (invocation.commandName !== name || !subcommand) {
      await invocation.replyEphemeral(
        notice(`Unknown command: /${invocation.commandName} ${invocation.subcommand ?? ''}`),
      );
      return;
    }
    if (closed) {
      await invocation.replyEphemeral(notice('The bot is shutting down; try again in a moment.'));
      return;
    }
    const built = buildInput(subcommand, invocation.options);
    if (built.issues.length > 0) {
      await invocation.replyEphemeral(renderValidation(subcommand.name, built.issues, built.optionOf));
      return;
    }
    const checked = safeValidateTaskInput(subcommand.taskType, built.input);
    if (!checked.success) {
      await invocation.replyEphemeral(
        renderValidation(subcommand.name, checked.error.issues, built.optionOf),
      );
      return;
    }
    const { user, guildId } = invocation;
    const refusal = limiter.check(user.id, guildId, receivedAt);
    if (refusal) {
      await invocation.replyEphemeral(notice(describeRefusal(refusal)));
      return;
    }
    const release = limiter.acquire(user.id, guildId, receivedAt);
    const handle = randomBytes(6).toString('hex');
    const prompt = invocation.options.get('prompt');
    const job = new RunwayJob(context, {
      handle,
      invocation,
      taskType: subcommand.taskType,
      input: built.input,
      receivedAt,
      optionOf: built.optionOf,
      view: {
        handle,
        subcommand: subcommand.name,
        title: subcommand.title,
        model: built.model,
        requesterId: user.id,
        prompt: typeof prompt === 'string' ? prompt : undefined,
        params: paramsOf(subcommand, invocation.options),
        output: subcommand.output,
      },
    });
    jobs.set(handle, job);
    void job.done.then(() => {
      jobs.delete(handle);
      release();
      settleIdle();
    });
    try {
      await invocation.defer();
    } catch (error) {
      onError(error, 'deferring the reply');
      job.stop();
      return;
    }
    job.start();
  }

  async function handleAutocomplete(invocation: AutocompleteInvocation): Promise<void> {
    const subcommand = plan.subcommand(invocation.subcommand);
    const option = subcommand?.option(invocation.focused.name);
    if (!subcommand || !option) {
      await invocation.respond([]);
      return;
    }
    const chosen = invocation.options.get('model');
    const model =
      typeof chosen === 'string' && subcommand.models.includes(chosen) ? chosen : subcommand.defaultModel;
    const typed = invocation.focused.value.trim().toLowerCase();
    const choices = option
      .suggestions(model)
      .filter((value) => value.toLowerCase().includes(typed))
      .slice(0, DISCORD_COMMAND_LIMITS.autocompleteChoices)
      .map((value) => ({ name: suggestionLabel(value), value }));
    await invocation.respond(choices);
  }

  async function handleButton(invocation: ButtonInvocation): Promise<boolean> {
    if (!invocation.customId.startsWith(CANCEL_PREFIX)) return false;
    const job = jobs.get(invocation.customId.slice(CANCEL_PREFIX.length));
    if (!job) {
      await invocation.replyEphemeral(notice('This task has already finished.'));
    } else if (invocation.user.id !== job.requesterId) {
      await invocation.replyEphemeral(notice(`Only <@${job.requesterId}> can cancel this.`));
    } else {
      await job.cancel(invocation);
    }
    return true;
  }

  return {
    name,
    data: plan.json,
    handleChatInput,
    handleAutocomplete,
    handleButton,
    ownsCustomId: (customId) => customId.startsWith(CUSTOM_ID_PREFIX),
    get active() {
      return [...jobs.values()].map((job) => ({
        handle: job.handle,
        userId: job.requesterId,
        guildId: job.guildId,
        taskId: job.taskId,
        status: job.status,
      }));
    },
    idle: () =>
      jobs.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve)),
    async close() {
      closed = true;
      for (const job of jobs.values()) job.stop();
      await Promise.all([...jobs.values()].map((job) => job.done));
      await ownDispatcher?.close();
    },
  };
}
