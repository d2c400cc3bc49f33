import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, tempDir } from './tmp.ts';
import type { DecisionKind, InlineComment, Review, ReviewKind } from '../../shared/index.ts';
import { agentNames } from '../../shared/index.ts';
import { gitStatusText } from '../../electron/core/git/status.ts';
import { type OpenedProject, openProject } from '../../electron/core/host.ts';
import { initProject } from '../../electron/core/project.ts';
import { handleCommand } from '../../electron/core/workflow/commands.ts';
import { decideReview } from '../../electron/core/workflow/decisions.ts';
import { type LoopOutcome, runLoop } from '../../electron/core/workflow/loop.ts';

export { git, tempDir };

export interface SampleProject {
  dir: string;
  p: OpenedProject;
  /** Run the loop until it stops; fails the test if the given review kind is not then pending. */
  runUntilGate(kind: ReviewKind): Promise<Review>;
  run(): Promise<LoopOutcome>;
  human: {
    decide(kind: ReviewKind, decision: DecisionKind, opts?: { comment?: string; inline?: InlineComment[] }): Review;
    command(text: string): Promise<{ ok: boolean; response: string; command_id: string | null }>;
  };
  file(path: string): string;
  git(...args: string[]): string;
  reopen(): Promise<void>;
  close(): void;
}

/** A real sample project: temp dir, real git repo, real SQLite ledger, the scripted runtime. */
export async function sampleProject(): Promise<SampleProject> {
  const dir = join(tempDir(), 'backtester');
  await initProject(dir, { sample: true });
  return openSample(dir);
}

/** The same DSL over a project folder that already exists (a copy of a fixture). */
export async function openSample(dir: string): Promise<SampleProject> {
  let p = await openProject(dir);
  const self: SampleProject = {
    dir,
    get p() {
      return p;
    },
    async run() {
      return runLoop(p);
    },
    async runUntilGate(kind) {
      const out = await runLoop(p);
      const review = p.read.pendingReviews().find((r) => r.kind === kind);
      if (!review)
        throw new Error(
          `expected a pending ${kind} review; loop ${out.state}, waiting on: ${out.waitingOn.join('; ')}`,
        );
      return review;
    },
    human: {
      decide(kind, decision, opts = {}) {
        const review = p.read.pendingReviews().find((r) => r.kind === kind);
        if (!review) throw new Error(`no pending ${kind} review`);
        return decideReview(p.ledger, p.read, {
          reviewId: review.id,
          decision,
          comment: opts.comment ?? '',
          inline: opts.inline ?? [],
          source: 'cli',
        });
      },
      async command(text) {
        const res = await handleCommand(
          { ledger: p.ledger, read: p.read, agents: agentNames(p.agentsFile), gitStatus: () => gitStatusText(p) },
          text,
          { user: 'Human', source: 'cli' },
        );
        await p.exporter.sync();
        return res;
      },
    },
    file: (path) => readFileSync(join(dir, path), 'utf8'),
    git: (...args) => git(dir, ...args),
    async reopen() {
      p.close();
      p = await openProject(dir);
    },
    close: () => p.close(),
  };
  return self;
}
