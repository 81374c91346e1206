import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { REST } from '@discordjs/rest';
import { createRunwayClient, type RunwayClient, type RunwayClientOptions } from '@runway-rx/core';
import { type Simulator, type SimulatorOptions, startSimulator } from '@runway-rx/simulator';
import { Client } from 'discord.js';
import type { APIInteraction } from 'discord-api-types/v10';
import express from 'express';
import {
  bindRunwayCommand,
  createRunwayCommand,
  discordInteractionsHandler,
  type RunwayCommand,
  type RunwayCommandOptions,
} from '../src/index.js';
import { type FakeDiscord, type FakeDiscordOptions, startFakeDiscord } from './fake-discord.js';

/** The simulator, a client on it, the fake Discord API, and the command under test. */
export interface Stack {
  readonly sim: Simulator;
  readonly runway: RunwayClient;
  readonly fake: FakeDiscord;
  readonly command: RunwayCommand;
  /** Errors the command recovered from, with their context. */
  readonly errors: { error: unknown; context: string }[];
  close(): Promise<void>;
}

export interface StackOptions {
  readonly simulator?: SimulatorOptions;
  readonly client?: Partial<RunwayClientOptions>;
  readonly command?: Partial<RunwayCommandOptions>;
  readonly fake?: FakeDiscordOptions;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const sim = await startSimulator({
    timeScale: 0.01,
    seed: 7,
    timing: { queueMs: [200, 400] },
    ...options.simulator,
  });
  const runway = createRunwayClient({
    apiKey: sim.apiKey,
    baseUrl: sim.url,
    polling: { minIntervalMs: 20, maxIntervalMs: 60, graceMs: 0 },
    requestsPerSecond: 200,
    ...options.client,
  });
  const fake = await startFakeDiscord(options.fake);
  const errors: { error: unknown; context: string }[] = [];
  const command = createRunwayCommand({
    client: runway,
    editIntervalMs: 40,
    onError: (error, context) => errors.push({ error, context }),
    ...options.command,
  });
  return {
    sim,
    runway,
    fake,
    command,
    errors,
    async close() {
      await command.close();
      await runway.close();
      await Promise.all([sim.close(), fake.close()]);
    },
  };
}

/** Gateway mode: a discord.js client whose REST goes to the fake, fed raw interaction payloads. */
export interface GatewayHarness {
  readonly discord: Client;
  /** Delivers an interaction as the gateway would (INTERACTION_CREATE). */
  dispatch(payload: APIInteraction): void;
  close(): Promise<void>;
}

export function gatewayMode(stack: Stack): GatewayHarness {
  const discord = new Client({ intents: [], rest: { api: stack.fake.api, offset: 0 } });
  discord.rest.setToken(stack.fake.botToken);
  const unbind = bindRunwayCommand(discord, stack.command, {
    onError: (error, context) => stack.errors.push({ error, context }),
  });
  const actions = (
    discord as unknown as { actions: { InteractionCreate: { handle(data: APIInteraction): void } } }
  ).actions;
  return {
    discord,
    dispatch: (payload) => actions.InteractionCreate.handle(payload),
    async close() {
      unbind();
      await discord.destroy();
    },
  };
}

/** HTTP-interactions mode: an Express app with the handler, and a signer playing Discord. */
export interface HttpHarness {
  readonly url: string;
  readonly publicKeyHex: string;
  readonly privateKey: KeyObject;
  /**
   * Signs and POSTs `payload` like Discord; the interaction response (the HTTP answer) is applied
   * to the fake's messages like Discord would.
   */
  deliver(
    payload: APIInteraction | string,
    options?: { timestamp?: number; signWith?: KeyObject; signature?: string },
  ): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

export async function httpMode(
  stack: Stack,
  options: { command?: RunwayCommand; answerWithinMs?: number } = {},
): Promise<HttpHarness> {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  const publicKeyHex = Buffer.from(jwk.x as string, 'base64url').toString('hex');
  const app = express();
  const handler = discordInteractionsHandler({
    command: options.command ?? stack.command,
    ...(options.answerWithinMs !== undefined ? { answerWithinMs: options.answerWithinMs } : {}),
    publicKey: publicKeyHex,
    applicationId: stack.fake.applicationId,
    rest: new REST({ api: stack.fake.api, offset: 0 }).setToken(stack.fake.botToken),
    onError: (error, context) => stack.errors.push({ error, context }),
  });
  app.post('/discord/interactions', handler);
  // The same handler mounted for every method, as `app.use` would.
  app.use('/discord/any-method', handler);
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/discord/interactions`;
  return {
    url,
    publicKeyHex,
    privateKey,
    async deliver(payload, options = {}) {
      const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
      const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
      const signature =
        options.signature ??
        sign(null, Buffer.from(timestamp + body), options.signWith ?? privateKey).toString('hex');
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-signature-ed25519': signature,
          'x-signature-timestamp': timestamp,
        },
        body,
      });
      const text = await response.text();
      const json: unknown = text ? JSON.parse(text) : undefined;
      if (response.status === 200 && typeof payload !== 'string') {
        stack.fake.respond(payload.token, json as { type: number; data?: Record<string, unknown> });
      }
      return { status: response.status, body: json };
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** Polls `check` until it returns a value (not undefined/false) or `timeoutMs` passes. */
export async function eventually<T>(
  check: () => T | undefined | false,
  timeoutMs = 5000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
