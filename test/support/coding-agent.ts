import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { type OpenedProject, openProject } from '../../electron/core/host.ts';
import { initProject } from '../../electron/core/project.ts';
import { decideReview } from '../../electron/core/workflow/decisions.ts';
import { runLoop } from '../../electron/core/workflow/loop.ts';
import type { FakeAnthropic } from './fake-anthropic.ts';
import { tempDir } from './tmp.ts';

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
