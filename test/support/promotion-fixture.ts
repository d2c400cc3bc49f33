import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Concern, ReviewKind } from '../../shared/index.ts';
import type { OpenedProject } from '../../electron/core/host.ts';
import { runLoop } from '../../electron/core/workflow/loop.ts';
import { type SampleProject, openSample, sampleProject, tempDir } from './project.ts';

/**
 * Approve every review and resolve every concern that reaches the human until a review of `kind` is
 * pending (that one is left for the test to decide).
 */
export async function driveTo(
  sp: SampleProject,
  kind: ReviewKind,
  opts: { keep?: (c: Concern) => boolean } = {},
): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const out = await runLoop(sp.p);
    if (sp.p.read.pendingReviews().some((r) => r.kind === kind)) return;
    for (const r of sp.p.read.pendingReviews()) sp.human.decide(r.kind, 'approve', { comment: 'ok' });
    const settle = sp.p.read.openConcerns().filter((x) => x.to === 'Human' && !(opts.keep?.(x) ?? false));
    for (const c of settle) await sp.human.command(`/resolve ${c.id} ok`);
    if (out.state === 'done') throw new Error(`the project finished before a ${kind} review`);
  }
  throw new Error(`no ${kind} review came up`);
}

/**
 * The sample project driven once (scripted runtime, real tests) to its pending promotion review, closed,
 * so each test starts from its own copy (`cp -a`: the repository, the ledger and the exports as they are).
 */
export async function pendingPromotionFixture(): Promise<{
  copy(name: string): Promise<SampleProject>;
  copyDir(name: string): string;
}> {
  const sp = await sampleProject();
  await driveTo(sp, 'promotion');
  sp.close();
  const root = tempDir('governor-promotion-');
  const copyDir = (name: string): string => {
    const dir = join(root, name);
    execFileSync('cp', ['-a', sp.dir, dir]);
    return dir;
  };
  return { copyDir, copy: (name) => openSample(copyDir(name)) };
}

/**
 * Act on a decided promotion and stop right after it: at most one loop step (the promotion itself; none
 * when a killed run already recorded its effects and only the release's tail was left), so what a test
 * sees is the project the moment the promotion ends, whatever the loop would do next.
 */
export async function promoteNow(p: OpenedProject): Promise<void> {
  const decided = p.read.unhandledDecisions().some((r) => r.kind === 'promotion');
  await runLoop(p, { maxSteps: decided ? 1 : 0 });
  if (p.ledger.readTypes(['promotion.finished']).length === 0) {
    throw new Error(
      `the promotion did not finish; waiting on: ${p.read
        .openConcerns()
        .map((c) => c.summary)
        .join('; ')}`,
    );
  }
}
