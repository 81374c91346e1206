import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for Discord's HTTP API (`/api/v10/...`) on 127.0.0.1. It records every request
 * (method, path, headers, JSON body, multipart parts with their bytes), keeps the messages it was
 * asked to create and edit (so a test can read what a person would see), expires interaction
 * tokens after `tokenTtlMs` the way Discord does after 15 minutes, and can answer 429 with
 * `retry_after` and the `X-RateLimit-*` headers Discord sends.
 */

export interface RecordedPart {
  readonly name: string;
  readonly filename: string | undefined;
  readonly contentType: string | undefined;
  readonly data: Buffer;
}

export interface RecordedRequest {
  /** ms since the server started */
  readonly at: number;
  readonly method: string;
  /** Path after `/api/v10`, e.g. `/webhooks/1/abc/messages/@original`. */
  readonly route: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** The JSON body (or `payload_json` of a multipart body). */
  readonly json: unknown;
  readonly parts: readonly RecordedPart[];
  readonly status: number;
}

export interface FakeAttachment {
  readonly id: string;
  readonly filename: string;
  readonly size: number;
  readonly url: string;
  readonly proxy_url: string;
  readonly content_type?: string;
}

/** A message as Discord would store and return it (enough for discord.js's `Message`). */
export interface FakeMessage {
  id: string;
  type: number;
  channel_id: string;
  author: { id: string; username: string; discriminator: string; avatar: null; bot: true; global_name: null };
  content: string;
  timestamp: string;
  edited_timestamp: string | null;
  tts: false;
  mention_everyone: false;
  mentions: unknown[];
  mention_roles: unknown[];
  attachments: FakeAttachment[];
  embeds: Record<string, unknown>[];
  components: Record<string, unknown>[];
  pinned: false;
  flags: number;
  webhook_id?: string;
  application_id: string;
  allowed_mentions?: unknown;
}

export interface RateLimitRule {
  readonly method?: string;
  /** Matches the route (after `/api/v10`). */
  readonly route: RegExp;
  /** How many matching requests get a 429. Default 1. */
  readonly times?: number;
  /** Seconds, as in Discord's `retry_after`. */
  readonly retryAfter: number;
  readonly global?: boolean;
}

interface InteractionRecord {
  readonly token: string;
  readonly channelId: string;
  readonly bornAt: number;
  /** The message a component interaction was on (what an UPDATE_MESSAGE response edits). */
  readonly messageId: string | undefined;
  originalId: string | undefined;
}

export interface FakeDiscordOptions {
  readonly applicationId?: string;
  readonly botToken?: string;
  /** Interaction tokens stop working this long after the interaction. Default 15 min. */
  readonly tokenTtlMs?: number;
}

export interface FakeDiscord {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** What `@discordjs/rest`'s `api` option takes: `http://127.0.0.1:PORT/api`. */
  readonly api: string;
  readonly applicationId: string;
  readonly botToken: string;
  readonly requests: readonly RecordedRequest[];
  /** Tells the fake about an interaction Discord "sent" (its token starts ageing now). */
  registerInteraction(interaction: { token: string; channelId: string; messageId?: string }): void;
  /** Applies an interaction response (the callback body, or the HTTP-interactions response). */
  respond(
    token: string,
    response: { type: number; data?: Record<string, unknown> },
    parts?: RecordedPart[],
  ): void;
  /** The message the interaction's original response is, as a person sees it now. */
  original(token: string): FakeMessage | undefined;
  message(id: string): FakeMessage | undefined;
  messages(filter?: (message: FakeMessage) => boolean): FakeMessage[];
  /** The bytes of an uploaded attachment. */
  attachmentData(id: string): Buffer | undefined;
  rateLimit(rule: RateLimitRule): void;
  /** Resolves with the first recorded request (past or future) that matches. */
  waitFor(predicate: (request: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest>;
  close(): Promise<void>;
}

let sequence = 0n;
/** Snowflake-like ids (increasing, 18+ digits). */
export const snowflake = (): string => String(1_200_000_000_000_000_000n + ++sequence);

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function parseBody(
  headers: IncomingHttpHeaders,
  raw: Buffer,
): Promise<{ json: unknown; parts: RecordedPart[] }> {
  const type = headers['content-type'] ?? '';
  if (raw.length === 0) return { json: undefined, parts: [] };
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': type } }).formData();
    const entries: [string, FormDataEntryValue][] = [];
    form.forEach((value, name) => {
      entries.push([name, value]);
    });
    const parts: RecordedPart[] = [];
    let json: unknown;
    for (const [name, value] of entries) {
      if (typeof value === 'string') {
        if (name === 'payload_json') json = JSON.parse(value);
        parts.push({ name, filename: undefined, contentType: undefined, data: Buffer.from(value) });
      } else {
        parts.push({
          name,
          filename: value.name,
          contentType: value.type || undefined,
          data: Buffer.from(await value.arrayBuffer()),
        });
      }
    }
    return { json, parts };
  }
  return { json: JSON.parse(raw.toString('utf8')), parts: [] };
}

export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const applicationId = options.applicationId ?? snowflake();
  const botToken = options.botToken ?? 'fake-bot-token';
  const tokenTtlMs = options.tokenTtlMs ?? 15 * 60_000;
  const started = Date.now();
  const requests: RecordedRequest[] = [];
  const events = new EventEmitter();
  const interactions = new Map<string, InteractionRecord>();
  const messages = new Map<string, FakeMessage>();
  const files = new Map<string, Buffer>();
  const rules: { rule: RateLimitRule; left: number }[] = [];

  const newMessage = (channelId: string, webhook: boolean): FakeMessage => ({
    id: snowflake(),
    type: webhook ? 20 : 0,
    channel_id: channelId,
    author: {
      id: applicationId,
      username: 'Runway',
      discriminator: '0000',
      avatar: null,
      bot: true,
      global_name: null,
    },
    content: '',
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: [],
    components: [],
    pinned: false,
    flags: 0,
    ...(webhook ? { webhook_id: applicationId } : {}),
    application_id: applicationId,
  });

  /** Applies a create/edit body (JSON + uploaded parts) to a message, with Discord's PATCH semantics. */
  function apply(
    message: FakeMessage,
    body: Record<string, unknown> | undefined,
    parts: readonly RecordedPart[],
  ) {
    if (!body) return;
    const uploads = parts.filter((part) => part.filename !== undefined);
    const uploaded = (index: number): FakeAttachment | undefined => {
      const part = uploads.find((p) => p.name === `files[${index}]`) ?? uploads[index];
      if (!part?.filename) return undefined;
      const id = snowflake();
      files.set(id, part.data);
      return {
        id,
        filename: part.filename,
        size: part.data.byteLength,
        url: `https://cdn.discordapp.com/attachments/${message.channel_id}/${id}/${part.filename}`,
        proxy_url: `https://media.discordapp.net/attachments/${message.channel_id}/${id}/${part.filename}`,
        ...(part.contentType ? { content_type: part.contentType } : {}),
      };
    };
    if (typeof body.content === 'string') message.content = body.content;
    if (Array.isArray(body.embeds)) message.embeds = body.embeds as Record<string, unknown>[];
    if (Array.isArray(body.components)) message.components = body.components as Record<string, unknown>[];
    if (typeof body.flags === 'number') message.flags = body.flags;
    if (body.allowed_mentions !== undefined) message.allowed_mentions = body.allowed_mentions;
    if (Array.isArray(body.attachments)) {
      message.attachments = (body.attachments as { id: string | number }[]).flatMap((ref) => {
        const kept = message.attachments.find((a) => a.id === String(ref.id));
        if (kept) return [kept];
        const fresh = uploaded(Number(ref.id));
        return fresh ? [fresh] : [];
      });
    } else if (uploads.length > 0) {
      message.attachments.push(...uploads.map((_, index) => uploaded(index)).filter((a) => a !== undefined));
    }
  }

  function tokenState(token: string): 'ok' | 'expired' | 'unknown' {
    const interaction = interactions.get(token);
    if (!interaction) return 'unknown';
    return Date.now() - interaction.bornAt > tokenTtlMs ? 'expired' : 'ok';
  }

  function respond(
    token: string,
    response: { type: number; data?: Record<string, unknown> },
    parts: RecordedPart[] = [],
  ) {
    const interaction = interactions.get(token);
    if (!interaction) throw new Error(`Unknown interaction token ${token}`);
    switch (response.type) {
      case 4:
      case 5: {
        const message = newMessage(interaction.channelId, true);
        if (response.type === 5) message.flags |= 128; // LOADING ("is thinking…")
        apply(message, response.data, parts);
        messages.set(message.id, message);
        interaction.originalId = message.id;
        events.emit(`responded:${token}`);
        return;
      }
      case 7: {
        const target = interaction.messageId ? messages.get(interaction.messageId) : undefined;
        if (target) {
          apply(target, response.data, parts);
          target.edited_timestamp = new Date().toISOString();
        }
        return;
      }
      default:
        return; // PONG (1), DEFERRED_UPDATE_MESSAGE (6), AUTOCOMPLETE_RESULT (8) change no message
    }
  }

  type Answer = { status: number; body?: unknown; headers?: Record<string, string> };
  const unauthorized: Answer = { status: 401, body: { message: '401: Unauthorized', code: 0 } };
  const invalidToken: Answer = { status: 401, body: { message: 'Invalid Webhook Token', code: 50027 } };
  const notFound: Answer = { status: 404, body: { message: '404: Not Found', code: 0 } };

  /**
   * Waits (briefly) until the interaction has an original response. In HTTP-interactions mode the
   * test applies the response after reading it, which can be a moment after the bot, having
   * written it, already sends its first edit; Discord itself would have the response by then.
   */
  async function originalOf(interaction: InteractionRecord): Promise<string | undefined> {
    if (interaction.originalId) return interaction.originalId;
    await once(events, `responded:${interaction.token}`, { signal: AbortSignal.timeout(1000) }).catch(
      () => {},
    );
    return interaction.originalId;
  }

  async function route(
    method: string,
    path: string,
    headers: IncomingHttpHeaders,
    json: unknown,
    parts: RecordedPart[],
  ): Promise<Answer> {
    const body = json as Record<string, unknown> | undefined;
    const botAuth = headers.authorization === `Bot ${botToken}`;
    const callback = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(path);
    if (method === 'POST' && callback) {
      const token = callback[2] as string;
      if (tokenState(token) !== 'ok')
        return { status: 404, body: { message: 'Unknown interaction', code: 10062 } };
      respond(token, body as { type: number; data?: Record<string, unknown> }, parts);
      return { status: 204 };
    }
    const webhook = /^\/webhooks\/(\d+)\/([^/]+)(?:\/messages\/([^/]+))?$/.exec(path);
    if (webhook) {
      const [, app, token, messageRef] = webhook as unknown as [string, string, string, string | undefined];
      if (app !== applicationId) return notFound;
      const state = tokenState(token);
      if (state === 'unknown') return { status: 404, body: { message: 'Unknown Webhook', code: 10015 } };
      if (state === 'expired') return invalidToken;
      const interaction = interactions.get(token) as InteractionRecord;
      if (method === 'POST' && messageRef === undefined) {
        const message = newMessage(interaction.channelId, true);
        apply(message, body, parts);
        messages.set(message.id, message);
        return { status: 200, body: message };
      }
      const id = messageRef === '@original' ? await originalOf(interaction) : messageRef;
      const message = id ? messages.get(id) : undefined;
      if (!message) return { status: 404, body: { message: 'Unknown Message', code: 10008 } };
      if (method === 'GET') return { status: 200, body: message };
      if (method === 'PATCH') {
        apply(message, body, parts);
        message.flags &= ~128;
        message.edited_timestamp = new Date().toISOString();
        return { status: 200, body: message };
      }
      if (method === 'DELETE') {
        messages.delete(message.id);
        return { status: 204 };
      }
      return notFound;
    }
    const channel = /^\/channels\/(\d+)\/messages$/.exec(path);
    if (method === 'POST' && channel) {
      if (!botAuth) return unauthorized;
      const message = newMessage(channel[1] as string, false);
      apply(message, body, parts);
      messages.set(message.id, message);
      return { status: 200, body: message };
    }
    const commands = /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/.exec(path);
    if (method === 'PUT' && commands) {
      if (!botAuth) return unauthorized;
      if (commands[1] !== applicationId)
        return { status: 403, body: { message: 'Missing Access', code: 50001 } };
      const guildId = commands[2];
      const registered = (json as Record<string, unknown>[]).map((command) => ({
        ...command,
        id: snowflake(),
        application_id: applicationId,
        ...(guildId ? { guild_id: guildId } : {}),
        version: snowflake(),
      }));
      return { status: 200, body: registered };
    }
    return notFound;
  }

  function rateLimited(method: string, path: string): Answer | undefined {
    const entry = rules.find(
      ({ rule, left }) =>
        left > 0 && (rule.method === undefined || rule.method === method) && rule.route.test(path),
    );
    if (!entry) return undefined;
    entry.left--;
    const { retryAfter, global = false } = entry.rule;
    return {
      status: 429,
      body: { message: 'You are being rate limited.', retry_after: retryAfter, global },
      headers: {
        'retry-after': String(Math.ceil(retryAfter)),
        'x-ratelimit-limit': '5',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String((Date.now() + retryAfter * 1000) / 1000),
        'x-ratelimit-reset-after': String(retryAfter),
        'x-ratelimit-bucket': 'fake-webhook-bucket',
        'x-ratelimit-scope': global ? 'global' : 'user',
        ...(global ? { 'x-ratelimit-global': 'true' } : {}),
      },
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    const { json, parts } = await parseBody(req.headers, raw);
    const path = decodeURIComponent(url.pathname).replace(/^\/api\/v10(?=\/)/, '');
    const answer = url.pathname.startsWith('/api/v10/')
      ? (rateLimited(method, path) ?? (await route(method, path, req.headers, json, parts)))
      : notFound;
    const record: RecordedRequest = {
      at: Date.now() - started,
      method,
      route: path,
      query: url.searchParams,
      headers: req.headers,
      json,
      parts,
      status: answer.status,
    };
    requests.push(record);
    const headers: Record<string, string> = {
      'x-ratelimit-limit': '50',
      'x-ratelimit-remaining': '49',
      'x-ratelimit-reset-after': '1',
      'x-ratelimit-bucket': 'fake-bucket',
      ...answer.headers,
    };
    if (answer.body === undefined) {
      res.writeHead(answer.status, headers).end();
    } else {
      res
        .writeHead(answer.status, { ...headers, 'content-type': 'application/json' })
        .end(JSON.stringify(answer.body));
    }
    events.emit('request', record);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res
        .writeHead(500, { 'content-type': 'application/json' })
        .end(JSON.stringify({ message: String(error) }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    api: `${url}/api`,
    applicationId,
    botToken,
    requests,
    registerInteraction({ token, channelId, messageId }) {
      interactions.set(token, { token, channelId, bornAt: Date.now(), messageId, originalId: undefined });
    },
    respond,
    original: (token) => {
      const id = interactions.get(token)?.originalId;
      return id ? messages.get(id) : undefined;
    },
    message: (id) => messages.get(id),
    messages: (filter) => [...messages.values()].filter((message) => (filter ? filter(message) : true)),
    attachmentData: (id) => files.get(id),
    rateLimit(rule) {
      rules.push({ rule, left: rule.times ?? 1 });
    },
    waitFor(predicate, timeoutMs = 10_000) {
      const found = requests.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          events.off('request', listener);
          reject(new Error(`No matching Discord request within ${timeoutMs} ms`));
        }, timeoutMs);
        const listener = (request: RecordedRequest) => {
          if (!predicate(request)) return;
          clearTimeout(timer);
          events.off('request', listener);
          resolve(request);
        };
        events.on('request', listener);
      });
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
