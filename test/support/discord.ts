import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach } from 'vitest';
import type { PermissionRequest, Review, Severity } from '../../shared/index.ts';
import { inputDigest, recordRequest } from '../../electron/core/permissions/requests.ts';
import {
  type BridgeStart,
  type DiscordBridge,
  projectKey,
  startDiscordBridge,
} from '../../electron/core/discord/bridge.ts';
import {
  type ButtonAction,
  type ModalAction,
  customId,
  modalId,
  projectTag,
} from '../../electron/core/discord/custom-id.ts';
import { type OpenedProject, openProject } from '../../electron/core/host.ts';
import { initProject } from '../../electron/core/project.ts';
import { raiseConcern, requestReview } from '../../electron/core/workflow/records.ts';
import type { LoopRunner } from '../../electron/core/api.ts';
import { type FakeDiscord, type RecordedMessage, startFakeDiscord } from './fake-discord/index.ts';
import { tempDir } from './tmp.ts';

const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'governor.mjs');

/** The concern summaries posted in a channel (by the bot or a webhook), in the order Discord recorded them. */
export function summaries(messages: RecordedMessage[]): string[] {
  return messages
    .flatMap((m) =>
      m.embeds.map((e) => /Summary: (.*)/.exec((e as { description?: string }).description ?? '')?.[1] ?? ''),
    )
    .filter(Boolean);
}

/** For contract calls in tests that have no loop to run: a decision is recorded, and nothing moves on. */
export const NO_LOOP: LoopRunner = {
  running: false,
  waiting: [],
  start: () => ({ started: false, reason: 'no loop in this test' }),
  idle: async () => {},
  stop: async () => {},
};

export const REVIEWER = '300000000000000003';
export const STRANGER = '399999999999999999';
export const REVIEWER_ROLE = '500000000000000005';

/** discord.yaml for the fake: bot mode, the four default channels by name, one reviewer user and one role. */
export function botYaml(fake: FakeDiscord, extra = ''): string {
  return [
    'mode: bot',
    `guild_id: "${fake.guildId}"`,
    'reviewers:',
    `  users: ["${REVIEWER}"]`,
    `  roles: ["${REVIEWER_ROLE}"]`,
    `api: ${fake.api}`,
    extra,
  ].join('\n');
}

/**
 * A real sample project (temp dir, git, SQLite) with discord.yaml written before it is opened.
 * `implementers`: how many Implementers its team has (the sample's 2 otherwise), for projects with different agents.
 */
export async function discordProject(
  yaml: string,
  name = 'backtester',
  implementers?: number,
): Promise<{ dir: string; p: OpenedProject }> {
  const dir = join(tempDir(), name);
  await initProject(dir, { sample: true });
  // The sample names itself; a test with two projects tells them apart by name.
  if (name !== 'backtester' || implementers !== undefined)
    writeFileSync(
      join(dir, 'agents.yaml'),
      readFileSync(join(dir, 'agents.yaml'), 'utf8')
        .replace(/^project: .*$/m, `project: ${name}`)
        .replace(/^( {4}count:) 2$/m, `$1 ${implementers ?? 2}`),
    );
  writeFileSync(join(dir, 'discord.yaml'), `${yaml}\n`);
  return { dir, p: await openProject(dir) };
}

/** The bridges tests start see a clock pinned before any `daily_status` time, so only a test's own enqueue posts one. */
const BEFORE_DAILY = () => new Date('2026-11-25T00:01:00Z');

/** Where the bridges of one test file find each other (links.ts): never the user's own folder. */
export const LINKS_HOME = tempDir('governor-home-');

export async function bridge(
  p: OpenedProject,
  env: NodeJS.ProcessEnv,
  logs: string[] = [],
  clock: () => Date = BEFORE_DAILY,
): Promise<DiscordBridge> {
  const r: BridgeStart = await startDiscordBridge(p, {
    env,
    backoff: { initialMs: 50, maxMs: 400 },
    log: (l) => logs.push(l),
    clock,
    home: LINKS_HOME,
    lateMs: 300,
  });
  if (!r.started) throw new Error(`bridge did not start: ${r.reason}`);
  return r.bridge;
}

/**
 * What one Discord test starts, each stopped after the test, latest first (its bridges, then its projects, then
 * the fake Discord), so a failed test leaves no bridge posting from a closed project into the next test. Call
 * it in a describe block; a bridge the test stops itself is not stopped twice.
 */
export function stoppedAfterEach() {
  const stops: Array<() => unknown> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });
  return {
    async fake(...args: Parameters<typeof startFakeDiscord>): Promise<FakeDiscord> {
      const f = await startFakeDiscord(...args);
      stops.push(() => f.close());
      return f;
    },
    async project(...args: Parameters<typeof discordProject>): Promise<{ dir: string; p: OpenedProject }> {
      const made = await discordProject(...args);
      stops.push(() => made.p.close());
      return made;
    },
    async bridge(...args: Parameters<typeof bridge>): Promise<DiscordBridge> {
      const b = await bridge(...args);
      let stopped: Promise<void> | null = null;
      const stop = () => {
        stopped ??= b.stop();
        return stopped;
      };
      stops.push(stop);
      return { ...b, stop };
    },
  };
}

export function raise(p: OpenedProject, severity: Severity, summary: string, details = 'details'): string {
  return p.ledger.transact((tx) =>
    raiseConcern(
      tx,
      { phase: 1, from: 'Tester', to: 'ProjectManager', severity, category: 'test_failure', summary, details },
      new Date().toISOString(),
    ),
  );
}

export function askReview(
  p: OpenedProject,
  title = 'Project plan for phase 1',
  summary = 'Five tasks over two weeks.',
  path = 'docs/PROJECT_PLAN.md',
): Review {
  return p.ledger.transact((tx) =>
    requestReview(
      tx,
      {
        kind: 'plan',
        phase: 1,
        title,
        requested_by: 'ProjectManager',
        impact: 'high',
        subject: { path, revision: 1 },
        context: [],
        handoff_id: null,
        summary,
      },
      new Date().toISOString(),
    ),
  );
}

/** Wait until nothing is pending in the outbox. */
export async function drained(fake: FakeDiscord, p: OpenedProject, timeoutMs = 20_000): Promise<void> {
  await fake.waitFor(
    () =>
      p.ledger.db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM discord_outbox WHERE state = 'pending'").get()
        ?.n === 0,
    timeoutMs,
    'the outbox to drain',
  );
}

/**
 * The real `governor` CLI, asynchronously: the fake Discord lives in this process, so a synchronous spawn
 * would block the very server the CLI talks to.
 */
export function governorCli(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The slash commands Governor registers, by name, sorted: what a guild offers once setup or the bridge ran. */
export const REGISTERED_COMMANDS = [
  'ack',
  'approve',
  'assign',
  'clarify',
  'help',
  'pause',
  'phase',
  'reject',
  'resolve',
  'resume',
  'status',
];

/** What an interaction was finally answered with (a reply, or a deferred reply once edited), and its flags. */
export function interactionAnswer(fake: FakeDiscord, id: string): Promise<{ text: string; ephemeral: boolean }> {
  return fake.waitFor(() => {
    const m = fake.messages().find((x) => x.interaction_id === id && x.content !== '');
    if (m) return { text: m.content, ephemeral: ((m.flags ?? 0) & 64) !== 0 };
    const r = fake.interactionResponses().find((x) => x.interaction_id === id && x.type === 4);
    const data = r?.data as { content?: string; flags?: number } | undefined;
    return r ? { text: data?.content ?? '', ephemeral: ((data?.flags ?? 0) & 64) !== 0 } : undefined;
  }, 8000);
}

/** The outbox rows, oldest first, as the deliverer sees them. */
export function outboxRows(p: OpenedProject): Array<{
  id: number;
  key: string;
  channel: string;
  state: string;
  attempts: number;
  last_error: string | null;
  message_id: string | null;
}> {
  return p.ledger.db
    .prepare<
      [],
      {
        id: number;
        key: string;
        channel: string;
        state: string;
        attempts: number;
        last_error: string | null;
        message_id: string | null;
      }
    >('SELECT id, key, channel, state, attempts, last_error, message_id FROM discord_outbox ORDER BY id')
    .all();
}

/** A review button's custom id, as this project's messages carry it. */
export function buttonId(p: OpenedProject, action: ButtonAction, reviewId: string): string {
  return customId(projectTag(projectKey(p)), action, reviewId);
}

/** A review form's custom id, as this project's buttons open it. */
export function formId(p: OpenedProject, action: ModalAction, reviewId: string): string {
  return modalId(projectTag(projectKey(p)), action, reviewId);
}

/** A coding agent's permission request, as the gate records it. */
export function askPermission(p: OpenedProject, command = 'rm -rf build/ && npm run build'): PermissionRequest {
  const input = { command, description: 'clean rebuild' };
  const ts = new Date();
  return p.ledger.transact((tx) =>
    recordRequest(
      tx,
      {
        phase: 1,
        agent: 'Implementer',
        worker: 'claude-code',
        session_id: 's1',
        task_id: null,
        tool: 'Bash',
        input,
        input_digest: inputDigest('Bash', input),
        summary: command,
        reason: 'Bash commands ask by default',
        suggested_rule: 'Bash(npm run build:*)',
        timeout_at: new Date(ts.getTime() + 600_000).toISOString(),
      },
      ts.toISOString(),
    ),
  );
}
