import { agentNames } from '../../shared/index.ts';
import type { OpenedProject } from '../../electron/core/host.ts';
import { handleCommand } from '../../electron/core/workflow/commands.ts';
import { decideReview } from '../../electron/core/workflow/decisions.ts';
import { runLoop } from '../../electron/core/workflow/loop.ts';

/**
 * Take an opened sample project through the engine to its first green QA gate, as a human on the CLI
 * would: plan, design and test plan approved, the variation rejected, the implementer's concern resolved
 * with `resolution`. For e2e tests that need a project with history before the browser opens.
 */
export async function driveSampleThroughGate(
  p: OpenedProject,
  resolution: string,
): Promise<{ concernId: string | null }> {
  const r = await driveSampleToGate(p, resolution);
  await runLoop(p);
  return r;
}

/** The same, stopped just before the loop run that builds, tests and evaluates the gate (the benches time it). */
export async function driveSampleToGate(p: OpenedProject, resolution: string): Promise<{ concernId: string | null }> {
  const decide = (kind: string, decision: 'approve' | 'reject', comment: string) => {
    const review = p.read.pendingReviews().find((r) => r.kind === kind);
    if (!review) throw new Error(`no pending ${kind} review; stage ${p.read.project()?.stage}`);
    decideReview(p.ledger, p.read, { reviewId: review.id, decision, comment, inline: [], source: 'cli' });
  };
  await runLoop(p);
  decide('plan', 'approve', 'plan ok');
  await runLoop(p);
  decide('design', 'approve', 'design ok');
  await runLoop(p);
  await runLoop(p);
  decide('test_plan', 'approve', 'ok');
  decide('variation', 'reject', 'No runtime dependencies in Phase 1');
  const concern = p.read.openConcerns().find((c) => c.to === 'Human');
  if (concern)
    await handleCommand(
      { ledger: p.ledger, read: p.read, agents: agentNames(p.agentsFile), gitStatus: async () => '' },
      `/resolve ${concern.id} ${resolution}`,
      { user: 'Human', source: 'cli' },
    );
  return { concernId: concern?.id ?? null };
}
