/**
 * A fake Discord for tests, faked at the protocol level on 127.0.0.1 so the REAL discord.js client (and
 * `@discordjs/rest`) talk to it unchanged: REST under `${api}/v10` and a JSON gateway over WebSocket.
 *
 *   const fake = await startFakeDiscord();
 *   const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.api } });
 *   await client.login(fake.token);
 *   await fake.slash({ name: 'status', userId: '400000000000000004' });
 *
 * discord.js appends `/v10` to `rest.api` itself; pass `rest: { retries: 0 }` to see 5xx failures at
 * once instead of after its three immediate retries (see ratelimit.ts for the queue's behaviour, and for
 * `violations()`: requests that did not wait for an announced retry_after or reset). faults.ts injects
 * Discord errors on any route and holds requests to line them up.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Faults, type FaultSpec, type Gate } from './faults.ts';
import { FakeGateway } from './gateway.ts';
import {
  autocompleteInteraction,
  clickInteraction,
  modalInteraction,
  slashInteraction,
  type AutocompleteInput,
  type ClickInput,
  type ModalInput,
  type SlashInput,
} from './interactions.ts';
import { discordToken } from './payloads.ts';
import { RateLimiter, type Violation } from './ratelimit.ts';
import { createRestHandler, type RequestRecord } from './rest.ts';
import { botRoutes } from './rest-bot.ts';
import { interactionRoutes } from './rest-interactions.ts';
import { DiscordState, type RecordedMessage, type StoredInteraction } from './state.ts';

export type { RecordedMessage } from './state.ts';
export type { FaultSpec, Gate } from './faults.ts';
export type { Violation } from './ratelimit.ts';
export type { AutocompleteInput, ClickInput, ModalInput, SlashInput } from './interactions.ts';

export interface FakeDiscordOptions {
  /** accepted as `Authorization: Bot <token>` and in IDENTIFY/RESUME; default 'fake-bot-token' */
  token?: string;
  /** default '100000000000000001' */
  guildId?: string;
  /** default '200000000000000002'; also the bot user's id */
  applicationId?: string;
  /** text channels (type 0) and categories (type 4) present at start; default project-updates, agent-concerns, approvals, system-health */
  channels?: { name: string; type?: 0 | 4; parent?: string }[];
  roles?: { id: string; name: string }[];
  /** a per-channel bucket on message-creating POSTs, with X-RateLimit-* headers and real 429s when exceeded */
  rateLimit?: { limit: number; windowMs: number };
  botName?: string;
  guildName?: string;
  /** Discord's `enforce_nonce` check on message creates; default true. */
  enforceNonce?: boolean;
}

export interface FakeDiscord {
  /** REST base for discord.js (`rest: { api }`) or `new REST({ api })`, e.g. http://127.0.0.1:PORT/api */
  readonly api: string;
  /** ws://127.0.0.1:PORT/gateway, as returned by GET /gateway/bot */
  readonly gatewayUrl: string;
  readonly guildId: string;
  readonly applicationId: string;
  readonly token: string;
  /** channels, categories and threads (type 11/12), in creation order */
  channels(): { id: string; name: string; type: number; parent_id: string | null }[];
  /** the id of the channel with that name; throws naming the channels there are */
  channelId(name: string): string;
  /** messages in creation order (threads are their own channel ids); edits update entries in place */
  messages(channelId?: string): RecordedMessage[];
  /** the thread started from that message (Discord gives it the message's id), if any */
  threadOf(messageId: string): string | null;
  /** interaction callbacks: type 4 reply, 5 defer, 6 deferUpdate, 7 update, 9 modal */
  interactionResponses(): { interaction_id: string; type: number; data: unknown }[];
  commands(): { name: string; description: string; options?: unknown[]; guild_id: string | null }[];
  /** every REST request; `path` is after `/api/v10`, `query` includes the leading '?' */
  requests(): RequestRecord[];
  /** the next `count` message-creating POSTs (channel messages, webhook executes, follow-ups) fail */
  failNext(count: number, status: 500 | 502 | 429, opts?: { retryAfterMs?: number; afterCommit?: boolean }): void;
  /** the next `count` requests matching `path` (and `method`) get this Discord error, on any route */
  failRequests(f: FaultSpec): void;
  /** park requests matching `path` (and `method`) until `release()`: lines up concurrent requests */
  holdRequests(path: RegExp, method?: string): Gate;
  /**
   * requests that arrived on a rate-limit bucket before the time its last answer announced (429 retry_after,
   * or remaining 0 until reset)
   */
  violations(): Violation[];
  /** cut the bot's gateway connection (client sees 1006 and resumes); `resumable: false` also forgets the session */
  dropGateway(opts?: { resumable?: boolean }): void;
  /** successful IDENTIFY + RESUME count */
  gatewayConnections(): number;
  slash(p: SlashInput): Promise<{ id: string; token: string }>;
  click(p: ClickInput): Promise<{ id: string; token: string }>;
  submitModal(p: ModalInput): Promise<{ id: string; token: string }>;
  /** an APPLICATION_COMMAND_AUTOCOMPLETE for a registered command, the `focused` option being typed */
  autocomplete(p: AutocompleteInput): Promise<{ id: string; token: string }>;
  /** switch Discord's nonce de-duplication of message creates on or off */
  setNonceCheck(on: boolean): void;
  /** dispatch the same INTERACTION_CREATE again (duplicate delivery; same id and token) */
  resendInteraction(id: string): void;
  createWebhook(channelName: string): { id: string; token: string; url: string };
  waitFor<T>(probe: () => T | undefined | null | false, timeoutMs?: number, what?: string): Promise<T>;
  close(): Promise<void>;
}

const DEFAULT_CHANNELS: NonNullable<FakeDiscordOptions['channels']> = [
  'project-updates',
  'agent-concerns',
  'approvals',
  'system-health',
].map((name) => ({ name }));

export async function startFakeDiscord(opts: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const state = new DiscordState({
    token: opts.token ?? 'fake-bot-token',
    guildId: opts.guildId ?? '100000000000000001',
    applicationId: opts.applicationId ?? '200000000000000002',
    botName: opts.botName ?? 'Governor',
    guildName: opts.guildName ?? 'Governor Test Guild',
    channels: (opts.channels ?? DEFAULT_CHANNELS).map((c) => ({
      name: c.name,
      type: c.type ?? 0,
      ...(c.parent === undefined ? {} : { parent: c.parent }),
    })),
    roles: opts.roles ?? [],
  });
  state.nonceCheck = opts.enforceNonce ?? true;
  const limiter = new RateLimiter(opts.rateLimit);
  const faults = new Faults();
  const log: RequestRecord[] = [];
  let origin = '';
  const gateway = new FakeGateway(state, () => `${origin.replace('http', 'ws')}/gateway/resume`);
  const dispatch = (t: string, d: unknown, intent: number): void => gateway.dispatch(t, d, intent);
  const routes = [
    ...botRoutes(state, () => `${origin.replace('http', 'ws')}/gateway`, dispatch),
    ...interactionRoutes(state, dispatch),
  ];
  const server = createServer(createRestHandler({ state, limiter, faults, routes, log }));
  server.on('upgrade', (req, socket, head: Buffer) => gateway.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const api = `${origin}/api`;
  state.baseUrl = origin;

  const waitFor = async <T>(probe: () => T | undefined | null | false, timeoutMs = 5000, what?: string): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = probe();
      if (v !== undefined && v !== null && v !== false) return v;
      if (Date.now() >= deadline) {
        const described = what ?? probe.toString().replace(/\s+/g, ' ').slice(0, 200);
        throw new Error(`fake-discord: waited ${timeoutMs} ms for ${described}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  /** Interactions need a gateway session to travel on; a test may fire one while the bot is still logging in. */
  const deliver = async (i: StoredInteraction): Promise<{ id: string; token: string }> => {
    await waitFor(
      () => gateway.hasSession(),
      5000,
      'a bot to IDENTIFY on the fake gateway before dispatching an interaction',
    );
    gateway.dispatch('INTERACTION_CREATE', i.payload, 0);
    return { id: i.id, token: i.token };
  };

  const channelId = (name: string): string => {
    const c = state.channelByName(name);
    if (!c)
      throw new Error(
        `fake-discord: no channel named "${name}" (channels: ${[...state.channels.values()].map((x) => x.name).join(', ')})`,
      );
    return c.id;
  };

  return {
    api,
    gatewayUrl: `${origin.replace('http', 'ws')}/gateway`,
    guildId: state.guildId,
    applicationId: state.opts.applicationId,
    token: state.opts.token,
    channels: () =>
      [...state.channels.values()].map((c) => ({ id: c.id, name: c.name, type: c.type, parent_id: c.parent_id })),
    channelId,
    messages: (channelId) =>
      state.messages
        .filter((m) => channelId === undefined || m.api.channel_id === channelId)
        .map((m) => state.recorded(m)),
    threadOf: (messageId) => state.threadByMessage.get(messageId) ?? null,
    interactionResponses: () => state.callbacks.map((c) => ({ ...c })),
    commands: () =>
      state.commands.map((c) => ({
        name: c.name,
        description: c.description,
        guild_id: c.guild_id,
        ...(c.options === undefined ? {} : { options: c.options }),
      })),
    requests: () => log.map((r) => ({ ...r })),
    failNext: (count, status, o) => limiter.failNext(count, status, o),
    failRequests: (f) => faults.add(f),
    holdRequests: (path, method) => faults.hold(path, method),
    violations: () => limiter.violations.map((v) => ({ ...v })),
    dropGateway: (o) => gateway.drop({ resumable: o?.resumable ?? true }),
    gatewayConnections: () => gateway.connectionCount,
    slash: async (p) => deliver(slashInteraction(state, p)),
    click: async (p) => deliver(clickInteraction(state, p)),
    submitModal: async (p) => deliver(modalInteraction(state, p)),
    autocomplete: async (p) => deliver(autocompleteInteraction(state, p)),
    setNonceCheck: (on) => {
      state.nonceCheck = on;
    },
    resendInteraction(id) {
      const i = state.interactions.get(id);
      if (!i) throw new Error(`fake-discord: no interaction ${id} to resend`);
      gateway.dispatch('INTERACTION_CREATE', i.payload, 0);
    },
    createWebhook(channelName) {
      const hook = {
        id: state.nextId(),
        token: discordToken(),
        channelId: channelId(channelName),
        name: `${channelName} hook`,
      };
      state.webhooks.set(hook.id, hook);
      return { id: hook.id, token: hook.token, url: `${api}/webhooks/${hook.id}/${hook.token}` };
    },
    waitFor,
    async close() {
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
