import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { parseDocument } from 'yaml';
import { EventPayloads } from '../../shared/index.ts';
import { createApi, createLoopRunner, dispatch } from '../../electron/core/api.ts';
import { type OpenedProject, openProject } from '../../electron/core/host.ts';
import { initProject } from '../../electron/core/project.ts';
import { decideReview } from '../../electron/core/workflow/decisions.ts';
import { runLoop } from '../../electron/core/workflow/loop.ts';
import { agentWorkspaceDir } from '../../electron/core/agents/workers/git-workspace.ts';
import type { FakeAnthropic, MessagesRequest, Turn } from './fake-anthropic.ts';
import { git, tempDir } from './tmp.ts';

const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'governor.mjs');

/** A key that must never show up anywhere Governor writes. */
export const TEST_KEY = 'sk-ant-api03-governor-test-key-0123456789abcdef';

/**
 * The environment the real Claude Code binary runs in for a test: a throwaway home and config folder (its
 * sessions live there), the test key, and nothing reaching beyond loopback.
 */
export function claudeEnv(): void {
  const home = tempDir('governor-claude-home-');
  mkdirSync(join(home, '.claude'), { recursive: true });
  process.env.HOME = home;
  process.env.CLAUDE_CONFIG_DIR = join(home, '.claude');
  process.env.ANTHROPIC_API_KEY = TEST_KEY;
}

/**
 * The sample project with its first Implementer played by Claude Code against the fake Anthropic API,
 * taken through the plan and design reviews, so the next run is the build.
 */
export async function claudeProject(
  fake: FakeAnthropic,
  o: ProjectOptions = {},
): Promise<{ dir: string; open(): Promise<OpenedProject> }> {
  claudeEnv();
  return agentProject({ runtime: 'claude-code:claude-sonnet-4-5', base_url: fake.url }, o);
}

/** The Claude Code ACP adapter from npm (`claude-agent-acp`), which runs the real Claude Code binary. */
export const ACP_ADAPTER = resolve(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'claude-agent-acp');

/**
 * The sample project with its Implementers played by an ACP agent (`command` and `args`; the Claude Code ACP
 * adapter unless a test names another) against the fake Anthropic API, taken through the plan and design reviews.
 */
export async function acpProject(
  fake: FakeAnthropic,
  o: ProjectOptions & { command?: string; args?: string[] } = {},
): Promise<{ dir: string; open(): Promise<OpenedProject> }> {
  claudeEnv();
  process.env.ANTHROPIC_BASE_URL = fake.url;
  process.env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = '1';
  return agentProject({ runtime: 'acp', command: o.command ?? ACP_ADAPTER, args: o.args ?? [] }, o);
}

export interface ProjectOptions {
  permissions?: string;
  budgets?: string;
  limits?: string;
}

/**
 * The sample project with its Implementers played by a coding agent (`agent` is merged into their
 * agents.yaml entry), taken through the plan and design reviews, so the next run is the build.
 */
export async function agentProject(
  agent: Record<string, unknown>,
  o: ProjectOptions = {},
): Promise<{ dir: string; open(): Promise<OpenedProject> }> {
  const dir = join(tempDir(), 'backtester');
  await initProject(dir, { sample: true });
  const agentsPath = join(dir, 'agents.yaml');
  const doc = parseDocument(readFileSync(agentsPath, 'utf8'));
  for (const [k, v] of Object.entries(agent)) doc.setIn(['agents', 'Implementer', k], v);
  writeFileSync(agentsPath, doc.toString());
  const extra = [o.permissions ?? 'agent_permissions:\n  timeout_s: 600\n', o.budgets ?? '', o.limits ?? ''].join('\n');
  writeFileSync(
    join(dir, '.project_policies.yaml'),
    `${readFileSync(join(dir, '.project_policies.yaml'), 'utf8')}\n${extra}\n`,
  );
  const p = await openProject(dir);
  try {
    for (const kind of ['plan', 'design'] as const) {
      await runLoop(p);
      const review = p.read.pendingReviews().find((r) => r.kind === kind);
      if (!review) throw new Error(`expected a pending ${kind} review`);
      decideReview(p.ledger, p.read, { reviewId: review.id, decision: 'approve', comment: '', source: 'cli' });
    }
  } finally {
    p.close();
  }
  return { dir, open: () => openProject(dir) };
}

/** Run the real CLI without blocking this process (the loop under test keeps running meanwhile). */
export function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => res({ code, stdout, stderr }));
  });
}

export function cliProcess(args: string[]): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Poll until `fn` returns a value (the loop runs meanwhile); fails after `ms`. */
export async function until<T>(fn: () => T | null | undefined | false, what: string, ms = 60_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The pending permission requests, read by a second process as a user's terminal would. */
function pendingRequests(dir: string): Array<{ id: string; digest: string }> {
  const db = new Database(join(dir, '.governor', 'governor.db'), { readonly: true });
  try {
    db.pragma('busy_timeout = 2000');
    return db
      .prepare<[], { id: string; digest: string }>(
        "SELECT id, digest FROM permission_requests WHERE status = 'pending' ORDER BY seq",
      )
      .all();
  } catch {
    return [];
  } finally {
    db.close();
  }
}

/** The real CLI's `governor run`, with what it said kept for the error that names why a wait failed. */
function runInBackground(dir: string) {
  const child = cliProcess(['run', '--dir', dir, '--no-prompt']);
  let said = '';
  child.stdout?.on('data', (d: Buffer) => (said += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (said += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  return {
    exited,
    said: () => said,
    /** Waits for `fn`; failing, kills the run and says what it printed last. */
    async until<T>(fn: () => T | null | undefined | false, what: string, ms: number): Promise<T> {
      return until(fn, what, ms).catch((err: unknown) => {
        child.kill('SIGKILL');
        throw new Error(`${String(err)}; the run said: ${said.slice(-3000)}`);
      });
    },
    kill: () => child.kill('SIGKILL'),
  };
}

/**
 * `kill -9` of Governor while its coding agent waits on the human, then the next `governor run`: run 1 asks
 * for a command (the test's fake model makes it) and is killed while it waits; run 2 resumes the same session,
 * the agent asks again (`resumed` says when the fake model saw that) and finds the request it already made
 * (nobody is asked twice), the human allows it from the CLI, and the run ends. Returns that one request.
 */
export async function killAndResume(dir: string, resumed: () => unknown): Promise<{ id: string; digest: string }> {
  const run1 = runInBackground(dir);
  const asked = await run1.until(() => pendingRequests(dir)[0], 'the first run to ask', 180_000);
  run1.kill();
  await run1.exited;

  const run2 = runInBackground(dir);
  await run2.until(resumed, 'the resumed session to ask again', 180_000);
  await run2.until(() => run2.said().includes(asked.id), 'the second run to wait on the same request', 60_000);
  expect(pendingRequests(dir)).toEqual([asked]);
  const ok = await cli(['decide', asked.id, 'allow', '--dir', dir, '--digest', asked.digest.slice(0, 12)]);
  expect(ok.code, ok.stderr).toBe(0);
  expect([2, 3], run2.said()).toContain(await run2.exited);
  return asked;
}

/**
 * After `killAndResume` of a task T4 that writes src/resume.js and hands off as `feat(resume): survive a
 * restart`: two sessions of `worker`, the second the first resumed, whose `conversation` (the resumed model
 * request) still holds the first run's write; one Bash request, allowed from the CLI; the task Done with one
 * commit; and the ledger, the git repository and the audit trail all sound.
 */
export async function expectFinishedOnce(
  dir: string,
  worker: string,
  asked: { id: string },
  conversation: string,
): Promise<void> {
  const p = await openProject(dir);
  try {
    const sessions = p.ledger
      .readTypes(['worker.session_started'])
      .map((e) => EventPayloads['worker.session_started'].parse(e.payload))
      .filter((s) => s.task_id === 'T4');
    expect(sessions).toHaveLength(2);
    expect(sessions[0]).toMatchObject({ worker, resumed: false });
    expect(sessions[1]).toMatchObject({ worker, session_id: sessions[0]?.session_id, resumed: true });
    // The conversation came back: the resumed request still holds the write the first run made.
    expect(conversation).toContain('src/resume.js');
    expect(p.read.permissionRequests().filter((r) => r.tool === 'Bash')).toHaveLength(1);
    expect(p.read.permissionRequest(asked.id)).toMatchObject({ status: 'allowed', decision: { source: 'cli' } });
    const ended = p.ledger.readTypes(['worker.session_ended']).map((e) => e.payload);
    expect(p.read.task('T4')?.status, JSON.stringify(ended)).toBe('Done');
    expect(git(dir, 'show', 'phase1/implementer:src/resume.js')).toContain('resumed = true');
    expect(
      git(dir, 'log', '--format=%s', 'phase1/implementer')
        .split('\n')
        .filter((s) => s === 'feat(resume): survive a restart'),
    ).toHaveLength(1);
    expect(p.ledger.verify().ok).toBe(true);
  } finally {
    p.close();
  }
  git(dir, 'fsck', '--full');
  const verify = await cli(['audit', 'verify', '--dir', dir, '--git']);
  expect(verify.code, verify.stdout + verify.stderr).toBe(0);
}

/**
 * Runs the loop while the human answers the agent's two asks through the contract call Discord's buttons
 * make: the request for `allowed` is allowed once, the one for `denied` denied with `message`, which the agent
 * is to read. Returns when the loop ends.
 */
export async function loopDecidingAsks(
  p: OpenedProject,
  asks: { allowed: string; denied: string; message: string },
): Promise<void> {
  const api = createApi(
    p,
    createLoopRunner(p, () => {}),
    { user: 'Human', source: 'discord' },
  );
  const loop = runLoop(p);
  const asking = (command: string) => () =>
    p.read.permissionRequests('pending').find((r) => JSON.stringify(r.input).includes(command));
  const allowed = await until(asking(asks.allowed), `${asks.allowed} to be asked`, 180_000);
  await dispatch(api, 'permissions.decide', {
    requestId: allowed.id,
    decision: 'allow_once',
    digest: allowed.input_digest,
  });
  const denied = await until(asking(asks.denied), `${asks.denied} to be asked`, 180_000);
  await dispatch(api, 'permissions.decide', {
    requestId: denied.id,
    decision: 'deny',
    digest: denied.input_digest,
    message: asks.message,
  });
  await loop;
}

/**
 * The Anthropic-speaking agent's side of `killAndResume` (Claude Code, or the Claude Code ACP adapter): on T4 it
 * writes src/resume.js and asks for `uname -s`; after the restart it asks again, then hands off. Returns the
 * model request the resumed session made, once it has made it (it carries the conversation so far).
 */
export function scriptResumedTask(fake: FakeAnthropic, dir: string): () => MessagesRequest | null {
  const ws = agentWorkspaceDir(dir, 'phase1/implementer');
  let resumed: MessagesRequest | null = null;
  const uname = (id: string): Turn => ({
    tools: [{ id, name: 'Bash', input: { command: 'uname -s', description: 'which OS' } }],
  });
  // Each answer follows from the request, not from how many came before: a retried request, or one more from
  // the first run's agent after the kill (its Bash request failed), would otherwise take the turn meant for
  // the resumed session, which then handed off without asking again.
  fake.answerFor('T4', (req) => {
    const last = req.messages.at(-1)?.content;
    const text = JSON.stringify(last ?? '');
    const result = (id: string) =>
      Array.isArray(last) &&
      (last as Array<Record<string, unknown>>).some(
        (b) => b.type === 'tool_result' && b.tool_use_id === id && b.is_error !== true,
      );
    if (text.includes('Governor restarted')) {
      resumed = req;
      return uname('toolu_t4_uname_again');
    }
    if (!req.messages.some((m) => m.role === 'assistant')) {
      const content = 'export const resumed = true;\n';
      return {
        tools: [{ id: 'toolu_t4_write', name: 'Write', input: { file_path: join(ws, 'src/resume.js'), content } }],
      };
    }
    if (result('toolu_t4_write')) return uname('toolu_t4_uname');
    if (result('toolu_t4_uname_again'))
      return {
        tools: [
          {
            id: 'toolu_t4_handoff',
            name: 'mcp__governor__handoff',
            input: {
              summary: 'Added src/resume.js after a restart.',
              commit_subject: 'feat(resume): survive a restart',
              tested: 'uname -s',
            },
          },
        ],
      };
    if (result('toolu_t4_handoff')) return { text: 'Handed off.' };
    return null;
  });
  return () => resumed;
}
