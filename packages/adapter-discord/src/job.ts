import {
  isAbortError,
  isAuthenticationError,
  isNetworkError,
  isRateLimitError,
  isTimeoutError,
  isValidationError,
  type RunwayClient,
  type TaskEvent,
  type TaskSnapshot,
  type TaskType,
} from '@runway-rx/core';
import type { Dispatcher } from 'undici';
import { downloadOutput, isPublicUrl } from './download.js';
import { MessageEditor } from './editor.js';
import type { ButtonInvocation, ChatInputInvocation, SentMessage } from './interaction.js';
import type { MessageBody } from './message.js';
import { type Delivery, type JobPhase, type JobView, renderFollowUp, renderJob } from './render.js';

/** What every job of one command shares. */
export interface JobContext {
  readonly client: RunwayClient;
  readonly editIntervalMs: number;
  readonly maxUploadBytes: number;
  readonly tokenTtlMs: number;
  readonly dispatcher: Dispatcher | undefined;
  readonly now: () => number;
  readonly onError: (error: unknown, context: string) => void;
}

export interface JobInit {
  readonly handle: string;
  readonly invocation: ChatInputInvocation;
  readonly taskType: TaskType;
  readonly input: Record<string, unknown>;
  /** When the interaction arrived: its token lives `tokenTtlMs` from then. */
  readonly receivedAt: number;
  readonly view: Omit<JobView, 'phase' | 'taskId' | 'credits'>;
  /** Maps a field path of a server-side validation issue to the option it came from. */
  readonly optionOf: (path: string) => string;
}

/** The most outputs attached to one message (Discord allows 10 attachments). */
const MAX_ATTACHMENTS = 10;

/** Errors that mean the interaction token no longer works (Invalid Webhook Token, Unknown Webhook). */
function isDeadToken(error: unknown): boolean {
  const { status, code } = (error ?? {}) as { status?: unknown; code?: unknown };
  return status === 401 || code === 50027 || code === 10015;
}

class TokenExpiredError extends Error {
  override readonly name = 'TokenExpiredError';
}

/**
 * One task started from Discord: it follows the task stream, renders every state into the one
 * message (through the throttled editor), handles Cancel, and delivers the result, falling back to
 * a channel message with the bot token once the interaction token has expired.
 */
export class RunwayJob {
  readonly handle: string;
  readonly requesterId: string;
  readonly guildId: string | undefined;
  /** Resolves when the job has delivered its last message (or given up). */
  readonly done: Promise<void>;
  readonly #ctx: JobContext;
  readonly #init: JobInit;
  readonly #editor: MessageEditor;
  readonly #controller = new AbortController();
  readonly #tokenExpiresAt: number;
  #tokenDead = false;
  #phase: JobPhase = { kind: 'submitting' };
  #taskId: string | undefined;
  #credits: JobView['credits'];
  #cancelledBy: string | undefined;
  #message: SentMessage | undefined;
  /** A terminal state (or a stream error) arrived: later events are ignored. */
  #terminal = false;
  #finished = false;
  #unsubscribe: (() => void) | undefined;
  #resolveDone!: () => void;

  constructor(ctx: JobContext, init: JobInit) {
    this.#ctx = ctx;
    this.#init = init;
    this.handle = init.handle;
    this.requesterId = init.invocation.user.id;
    this.guildId = init.invocation.guildId;
    this.#tokenExpiresAt = init.receivedAt + ctx.tokenTtlMs;
    this.done = new Promise((resolve) => {
      this.#resolveDone = resolve;
    });
    this.#editor = new MessageEditor({
      intervalMs: ctx.editIntervalMs,
      now: ctx.now,
      send: (message) => this.#edit(message),
      onError: (error) => {
        if (!(error instanceof TokenExpiredError)) ctx.onError(error, 'editing the progress message');
      },
    });
  }

  /** The task's status as the message shows it. */
  get status(): JobPhase['kind'] {
    return this.#phase.kind;
  }

  get taskId(): string | undefined {
    return this.#taskId;
  }

  /** Submits the task and starts following it. */
  start(): void {
    const { invocation, taskType, input } = this.#init;
    this.#render();
    const stream = this.#ctx.client.submit(taskType, input as never, {
      queueKey: `user:${invocation.user.id}`,
      signal: this.#controller.signal,
    });
    const subscription = stream.subscribe({
      next: (event) => this.#onEvent(event),
      error: (error: unknown) => this.#onStreamError(error),
    });
    this.#unsubscribe = () => subscription.unsubscribe();
    if (this.#terminal) subscription.unsubscribe();
  }

  /**
   * The requester pressed Cancel. A task still in the client's queue is dropped without any
   * request and the button's own answer shows the result; a created task is cancelled at Runway
   * and the message follows it to CANCELLED.
   */
  async cancel(button: ButtonInvocation): Promise<void> {
    if (this.#terminal || this.#cancelledBy !== undefined) {
      await button.update(this.#body());
      return;
    }
    this.#cancelledBy = button.user.id;
    const taskId = this.#taskId;
    if (taskId === undefined) {
      this.#phase = { kind: 'cancelled', by: button.user.id };
      await this.#answerButton(button);
      // Leaves the scheduler's queue without a request (or cancels the task once its create returns).
      this.#controller.abort();
      return;
    }
    const before = this.#phase;
    this.#phase = { kind: 'cancelling', by: button.user.id };
    await this.#answerButton(button);
    try {
      await this.#ctx.client.cancel(taskId);
    } catch (error) {
      this.#ctx.onError(error, `cancelling task ${taskId}`);
      if (!this.#terminal) {
        // The task runs on: the message goes back to its progress, Cancel button included.
        this.#cancelledBy = undefined;
        this.#phase = before;
        this.#render();
      }
    }
  }

  /** Shows the current state as the button's own answer (the message it sits on). */
  async #answerButton(button: ButtonInvocation): Promise<void> {
    const body = this.#body();
    try {
      await button.update(body);
      this.#editor.markShown(body);
    } catch (error) {
      this.#ctx.onError(error, 'answering the Cancel button');
    }
  }

  /** Stops following the task and editing the message (the task itself is left alone). */
  stop(): void {
    this.#terminal = true;
    this.#finished = true;
    this.#unsubscribe?.();
    this.#editor.close();
    this.#resolveDone();
  }

  #view(): JobView {
    return { ...this.#init.view, phase: this.#phase, taskId: this.#taskId, credits: this.#credits };
  }

  #body(): MessageBody {
    return renderJob(this.#view());
  }

  #render(): void {
    if (!this.#tokenAlive()) return;
    this.#editor.push(this.#body());
  }

  #tokenAlive(): boolean {
    return !this.#tokenDead && this.#ctx.now() < this.#tokenExpiresAt;
  }

  async #edit(message: MessageBody): Promise<void> {
    if (!this.#tokenAlive()) throw new TokenExpiredError('The interaction token has expired');
    try {
      this.#message = (await this.#init.invocation.editOriginal(message)) ?? this.#message;
    } catch (error) {
      if (isDeadToken(error)) this.#tokenDead = true;
      throw error;
    }
  }

  #onEvent(event: TaskEvent): void {
    if (this.#terminal) return;
    if (event.status !== 'QUEUED') {
      this.#taskId = event.id;
      if (event.cost) this.#credits = { amount: event.cost.credits, final: true };
      else if (event.estimatedCost) this.#credits = { amount: event.estimatedCost.credits, final: false };
    }
    switch (event.status) {
      case 'QUEUED':
        if (this.#cancelledBy === undefined) this.#phase = { kind: 'queued', position: event.queuePosition };
        break;
      case 'PENDING':
        if (this.#cancelledBy === undefined) {
          this.#phase = { kind: 'pending', throttled: event.wireStatus === 'THROTTLED' };
        }
        break;
      case 'PROCESSING':
        if (this.#cancelledBy === undefined)
          this.#phase = { kind: 'processing', progress: event.progress ?? 0 };
        break;
      case 'SUCCEEDED':
        void this.#succeed(event);
        return;
      case 'FAILED':
        void this.#finish({ kind: 'failed', failure: event.failure, code: event.failureCode });
        return;
      case 'CANCELLED':
        void this.#finish({ kind: 'cancelled', by: this.#cancelledBy });
        return;
    }
    this.#render();
  }

  #onStreamError(error: unknown): void {
    if (this.#terminal) return;
    if (this.#cancelledBy !== undefined && isAbortError(error)) {
      void this.#finish({ kind: 'cancelled', by: this.#cancelledBy });
      return;
    }
    this.#ctx.onError(error, 'following the task');
    void this.#finish(this.#describeError(error));
  }

  /** A message about an error that is safe to show: never an internal URL, a key or a stack. */
  #describeError(error: unknown): JobPhase {
    if (isValidationError(error)) {
      return {
        kind: 'error',
        message: 'Runway refused the input:',
        details: error.issues.map((issue) =>
          issue.path ? `\`${this.#init.optionOf(issue.path)}\` ${issue.message}` : issue.message,
        ),
      };
    }
    if (isRateLimitError(error)) {
      const when = error.retryAt ? ` Try again <t:${Math.ceil(error.retryAt.getTime() / 1000)}:R>.` : '';
      return { kind: 'error', message: `Runway's generation limit is reached.${when}` };
    }
    if (isAuthenticationError(error)) {
      return { kind: 'error', message: "The bot's Runway API key was refused; tell the bot's owner." };
    }
    if (isTimeoutError(error)) return { kind: 'error', message: 'Runway took too long to answer.' };
    if (isNetworkError(error)) {
      return {
        kind: 'error',
        message: error.requestMayHaveReachedServer
          ? 'The connection to Runway broke while the task was being created; it may still run.'
          : 'Could not reach Runway. Try again in a moment.',
      };
    }
    if (isAbortError(error)) return { kind: 'error', message: 'The bot stopped before the task finished.' };
    return { kind: 'error', message: 'Something went wrong on the bot’s side.' };
  }

  async #succeed(task: TaskSnapshot): Promise<void> {
    if (this.#terminal) return;
    this.#terminal = true;
    const deliveries: Delivery[] = [];
    let budget = this.#ctx.maxUploadBytes;
    const outputs = task.output ?? [];
    for (const [index, url] of outputs.entries()) {
      const link = isPublicUrl(url) ? { link: url } : {};
      if (deliveries.filter((d) => d.kind === 'attached').length >= MAX_ATTACHMENTS || budget <= 0) {
        deliveries.push({ kind: 'too_large', size: undefined, limit: this.#ctx.maxUploadBytes, ...link });
        continue;
      }
      const suffix = outputs.length > 1 ? `-${index + 1}` : '';
      const result = await downloadOutput(url, {
        maxBytes: budget,
        baseName: `runway-${task.id.slice(0, 8)}${suffix}`,
        ...(this.#ctx.dispatcher ? { dispatcher: this.#ctx.dispatcher } : {}),
      });
      if (result.kind === 'file') {
        budget -= result.file.data.byteLength;
        deliveries.push({ kind: 'attached', file: result.file });
      } else if (result.kind === 'too_large') {
        deliveries.push({ kind: 'too_large', size: result.size, limit: this.#ctx.maxUploadBytes, ...link });
      } else {
        this.#ctx.onError(
          new Error(`Downloading output ${index + 1} of task ${task.id} failed: ${result.reason}`),
          'downloading the result',
        );
        deliveries.push({ kind: 'unavailable', ...link });
      }
    }
    const startedAt = this.#init.receivedAt;
    await this.#finish({ kind: 'succeeded', elapsedMs: this.#ctx.now() - startedAt, deliveries });
  }

  /** Shows the final state: an edit while the token lives, else a channel message; then the ping. */
  async #finish(phase: JobPhase): Promise<void> {
    if (this.#finished) return;
    this.#terminal = true;
    this.#finished = true;
    this.#unsubscribe?.();
    this.#phase = phase;
    const { invocation } = this.#init;
    const view = this.#view();
    try {
      const body = renderJob(view);
      // Already on screen (the Cancel button's answer showed it), or edited in now.
      const edited = this.#editor.shows(body) || (this.#tokenAlive() && (await this.#editor.show(body)));
      this.#editor.close();
      if (edited) {
        const followUp = renderFollowUp(view, this.#jumpLink());
        if (followUp && this.#tokenAlive()) await invocation.followUp(followUp);
      } else {
        // The token is gone (15 min) or refused: post the result in the channel with the bot token.
        const ping = renderFollowUp(view, undefined);
        await invocation.sendToChannel({
          ...body,
          components: [],
          ...(ping ? { content: ping.content ?? '', mentionUsers: ping.mentionUsers ?? [] } : {}),
        });
      }
    } catch (error) {
      this.#ctx.onError(error, 'delivering the result');
    } finally {
      this.#editor.close();
      this.#resolveDone();
    }
  }

  #jumpLink(): string | undefined {
    const message = this.#message;
    const channelId = message?.channelId ?? this.#init.invocation.channelId;
    if (!message || !channelId) return undefined;
    return `https://discord.com/channels/${this.#init.invocation.guildId ?? '@me'}/${channelId}/${message.id}`;
  }
}
