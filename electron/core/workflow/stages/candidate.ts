import type { Engine } from '../engine.ts';
import type { PendingGitAction } from '../git-steps.ts';
import { phaseBranch } from '../git-steps.ts';

/** Agent branches of a phase that carry work not yet on develop, in pipeline order. */
export async function phaseBranches(e: Engine, phase: number): Promise<string[]> {
  return (await phaseBranchTips(e, phase)).map((b) => b.branch);
}

/** The same branches with the commit each points at, for callers that need both (one ref read per branch). */
export async function phaseBranchTips(e: Engine, phase: number): Promise<Array<{ branch: string; tip: string }>> {
  const out: Array<{ branch: string; tip: string }> = [];
  for (const a of e.read.agents()) {
    const branch = phaseBranch(phase, a.name);
    const tip = await e.git.resolveRef(branch);
    if (tip) out.push({ branch, tip });
  }
  return out;
}

/**
 * Build the candidate: develop plus a no-ff merge of each agent branch, chained, without moving develop.
 * Conflicts stop the chain and are reported, never half-applied.
 */
export async function buildCandidate(
  e: Engine,
  phase: number,
  branches: string[],
): Promise<{ oid: string; merges: PendingGitAction[] } | { conflicts: string[]; branch: string }> {
  const base = await e.git.resolveRef('develop');
  if (!base) throw new Error('the repository has no develop branch');
  let ours = base;
  const merges: PendingGitAction[] = [];
  for (const theirs of branches) {
    const auditId = e.ledger.newEventId();
    const res = await e.git.mergeNoFF({
      ours,
      theirs,
      actor: 'System',
      action: 'gate_merge',
      subject: `merge(phase${phase}): ${theirs} into develop`,
      auditId,
      timestamp: Math.floor(e.clock().getTime() / 1000),
      updateRef: false,
    });
    if (!res.ok) return { conflicts: res.conflicts, branch: theirs };
    merges.push({
      id: auditId,
      action: 'merge',
      source: theirs,
      target: 'develop',
      trigger: 'qa_gate',
      actor: 'System',
      commit: res.oid,
      previous: ours,
      message: `merge(phase${phase}): ${theirs} into develop`,
      files: [],
    });
    ours = res.oid;
  }
  return { oid: ours, merges };
}

/** Recover the merges of a candidate from its first-parent chain: each second parent is an agent branch tip. */
export async function candidateMerges(
  e: Engine,
  phase: number,
  candidate: string,
  develop: string | null,
): Promise<PendingGitAction[]> {
  const tips = new Map<string, string>();
  for (const { branch, tip } of await phaseBranchTips(e, phase)) tips.set(tip, branch);
  const out: PendingGitAction[] = [];
  let cur: string | null = candidate;
  while (cur && cur !== develop) {
    const [c] = await e.git.logBranch(cur, 1);
    if (!c || c.parents.length < 2 || !c.auditId) break;
    out.unshift({
      id: c.auditId,
      action: 'merge',
      source: tips.get(c.parents[1] ?? '') ?? c.parents[1] ?? '',
      target: 'develop',
      trigger: 'qa_gate',
      actor: 'System',
      commit: c.oid,
      previous: c.parents[0] ?? null,
      message: c.subject,
      files: [],
    });
    cur = c.parents[0] ?? null;
  }
  return out;
}
