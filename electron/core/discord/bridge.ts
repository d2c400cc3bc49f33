import { randomUUID } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { join } from 'node:path';
import type { DiscordFile } from '../../../shared/config.ts';
import { agentNames } from '../../../shared/index.ts';
import { type LoopDriver, noLoop } from '../api.ts';
import { errorMessage } from '../errors.ts';
import type { OpenedProject } from '../host.ts';
import type { KeySource } from '../secrets/keys.ts';
import { Redactor } from '../secrets/redact.ts';
import { startBot } from './bot.ts';
import { DEFAULT_API, discordToken, loadDiscordFile, webhookTargets } from './config.ts';
import { enqueueDailyIfDue } from './daily.ts';
import { createDeliverer } from './deliverer.ts';
import { createInteractionHandler } from './interactions.ts';
import { refusalLine } from '../../../shared/refusal-line.ts';
import { refusals } from './refusals.ts';
import { createLinks } from './links.ts';
import { projectTag } from './custom-id.ts';
import { projectKeyOf } from './project-key.ts';
import { createLease } from './lease.ts';
import { createOutbox } from './outbox.ts';
import { recordConcernMessage } from './posted.ts';
import { botSender, createRest, type Sender, webhookSender } from './sender.ts';
import { createSerial } from './serial.ts';

export interface BridgeOptions {
  extraKeys?: KeySource;
  env?: NodeJS.ProcessEnv;
  /**
   * The loop a decision or command made in Discord wakes (the host's runner); without one, the decision is
   * recorded and `governor run` or a host acts on it. Exports follow every change either way.
   */
  loop?: LoopDriver;
  log?: (line: string) => void;
  /** Faster retries for tests and benches; 0.5 s doubling to 30 s by default. */
  backoff?: { initialMs: number; maxMs: number };
  /** Bot mode: also connect to the gateway for slash commands, buttons and modals (default true). */
  inbound?: boolean;
  /** The wall clock the daily status is scheduled by (tests pin it; the real one otherwise). */
  clock?: () => Date;
  /** The user's Governor folder, where linked projects find each other (tests use a temp one). */
  home?: string;
  /** How long a wrong-project answer waits for the right project's own (tests shorten it). */
  lateMs?: number;
}

export interface DiscordBridge {
  mode: 'bot' | 'webhook';
  /** Look at the outbox now. */
  poke(): void;
  stop(): Promise<void>;
}

export type BridgeStart = { started: true; bridge: DiscordBridge } | { started: false; reason: string };

/** The project's identity in nonces and custom ids: its first event id never changes. */
export function projectKey(p: OpenedProject): string {
  return projectKeyOf(p.ledger.db, p.dir);
}

/**
 * Start the Discord link of an opened project: the outbox deliverer (one per project, by lease), the daily
 * status timer, and in bot mode the gateway client for slash commands, buttons and modals. Returns why not
 * when there is no discord.yaml or no token / webhook URL, so `governor serve` can say so and carry on.
 */
export async function startDiscordBridge(p: OpenedProject, o: BridgeOptions = {}): Promise<BridgeStart> {
  const file: DiscordFile | null = p.discord ?? (await loadDiscordFile(p.dir));
  if (!file) return { started: false, reason: 'no discord.yaml in the project' };
  const redactor = new Redactor();
  // The bot token and webhook tokens (this redactor) and the model keys (the project's): every line this
  // bridge logs, stores or sends about an error passes through both, whoever composed it (us, discord.js).
  const redact = (text: string) => {
    const t = redactor.redact(text);
    return p.redactor ? p.redactor.redact(t) : t;
  };
  const log = (line: string) => o.log?.(redact(line));
  let sender: Sender;
  let token: string | null = null;
  if (file.mode === 'bot') {
    token = await discordToken(file, o.extraKeys, o.env);
    if (!token)
      return {
        started: false,
        reason: `no bot token: set ${file.token_env} (or store a "discord" key in the app's settings)`,
      };
    redactor.add(token);
    // The project's redactor too: a test printing the token (from a keychain, not the environment) is masked.
    p.redactor?.add(token);
    sender = botSender(file, createRest(file, token));
  } else {
    const { targets, missing } = webhookTargets(file, o.env);
    for (const t of Object.values(targets)) {
      redactor.add(t.token);
      p.redactor?.add(t.token);
    }
    if (Object.keys(targets).length === 0) return { started: false, reason: `no webhook URL: ${missing.join('; ')}` };
    for (const m of missing) log(`discord: ${m}; that channel's messages go to another webhook`);
    sender = webhookSender(createRest(file, null), targets);
  }

  const outbox = createOutbox(p.ledger.db);
  const lease = createLease(p.ledger.db, randomUUID());
  // Exports change when a concern's message id is recorded; syncs from this bridge never overlap.
  const serial = createSerial((err) => log(`discord: ${errorMessage(err)}`));
  const deliverer = createDeliverer({
    db: p.ledger.db,
    outbox,
    sender,
    lease,
    projectKey: projectKey(p),
    redact,
    log,
    recordSent: (row, messageId, channelId, write) => {
      if (recordConcernMessage(p, row, messageId, channelId, write))
        void serial.once('exports', () => p.exporter.sync());
    },
    ...(o.backoff ? { backoff: o.backoff } : {}),
  });
  deliverer.start();
  if (file.mode === 'webhook') lease.noteConnected(true);

  const offAppend = p.ledger.onAppend(() => deliverer.poke());
  // Other processes (the loop, a CLI decide) enqueue too: their commits touch the database files.
  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(join(p.dir, '.governor'), (_e, name) => {
      if (name && String(name).startsWith('governor.db')) deliverer.poke();
    });
  } catch (err) {
    log(`discord: cannot watch the database (${errorMessage(err)}); polling instead`);
  }

  const daily = file.daily_status;
  const dailyTick = () => {
    if (!daily) return;
    try {
      const now = (o.clock ?? (() => new Date()))();
      if (enqueueDailyIfDue(outbox, p.read, daily.at, daily.timezone, now, refusalLine(refusals(p.ledger.db, now))))
        deliverer.poke();
    } catch (err) {
      log(`discord: daily status: ${errorMessage(err)}`);
    }
  };
  dailyTick();
  const dailyTimer = daily ? setInterval(dailyTick, 30_000) : null;
  dailyTimer?.unref();

  let bot: Awaited<ReturnType<typeof startBot>> | null = null;
  const tag = projectTag(projectKey(p));
  const name = p.agentsFile.project;
  const links = file.guild_id ? createLinks(file.api ?? DEFAULT_API, file.guild_id, o.home) : null;
  let channelIds: string[] = [];
  const threads = p.ledger.db.prepare<[string], { n: number }>(
    'SELECT COUNT(*) AS n FROM discord_threads WHERE thread_id = ?',
  );
  if (file.mode === 'bot' && token && o.inbound !== false) {
    // Other projects on this bot learn of this one (routing.ts); its channels once they are resolved.
    const announce = () => links?.announce({ tag, name, channels: channelIds, agents: agentNames(p.agentsFile) });
    announce();
    void sender
      .channels()
      .then((ids) => {
        channelIds = Object.values(ids).filter((x): x is string => typeof x === 'string');
        announce();
      })
      .catch((err: unknown) =>
        log(`discord: cannot resolve the channels yet (${errorMessage(err)}); commands there need the project option`),
      );
    const me = () => ({
      tag,
      name,
      links: links?.all() ?? [],
      ownsChannel: (id: string) => channelIds.includes(id) || (threads.get(id)?.n ?? 0) > 0,
      ownsMessage: (id: string) => outbox.owns(id),
    });
    const loop = o.loop ?? noLoop(p, 'no loop runs beside this Discord link; the app or the host acts on it');
    const handle = createInteractionHandler({
      p,
      file,
      log,
      redact,
      me,
      loop,
      ...(o.lateMs === undefined ? {} : { lateMs: o.lateMs }),
    });
    try {
      bot = await startBot({
        file,
        token,
        onInteraction: handle,
        onConnection: (up) => lease.noteConnected(up),
        log,
      });
      lease.noteConnected(true);
    } catch (err) {
      // Outbound still works without the gateway; say why inbound does not.
      log(`discord: the bot could not connect: ${errorMessage(err)}`);
      lease.noteError(redact(`gateway: ${errorMessage(err)}`));
    }
  }

  return {
    started: true,
    bridge: {
      mode: file.mode,
      poke: () => deliverer.poke(),
      async stop() {
        offAppend();
        watcher?.close();
        if (dailyTimer) clearInterval(dailyTimer);
        await bot?.stop();
        links?.withdraw(tag);
        lease.noteConnected(false);
        await deliverer.stop();
        await serial.idle();
      },
    },
  };
}
