import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from './engine.ts';
import { type PendingGitAction, recordGitActions } from './git-steps.ts';

const DAY_S = 86_400;

/**
 * Whether any `experiments/*` branch can exist: a loose one has its folder under refs/heads, a packed one its
 * line in packed-refs. Synchronous on purpose: at the start of every run, where almost always there is none,
 * a stat and a small read cost microseconds; listing every branch went through the thread pool (milliseconds
 * on a busy machine). A .git file (a linked worktree) keeps its refs elsewhere: the branches are listed then.
 */
function mayHaveExperiments(dir: string): boolean {
  const gitdir = join(dir, '.git');
  if (!statSync(gitdir, { throwIfNoEntry: false })?.isDirectory()) return true;
  if (statSync(join(gitdir, 'refs', 'heads', 'experiments'), { throwIfNoEntry: false })) return true;
  try {
    return readFileSync(join(gitdir, 'packed-refs'), 'utf8').includes(' refs/heads/experiments/');
  } catch {
    return false;
  }
}

/**
 * Exploratory `experiments/*` branches that have been idle longer than the policy allows are archived:
 * an annotated `archived/<name>` tag keeps the work reachable, then the branch is deleted. Runs at the
 * start of each loop; each archive is an audited git action.
 */
export async function archiveIdleExperiments(e: Engine): Promise<string[]> {
  const maxIdle = e.policies.git.archive_experiments_after_days * DAY_S;
  const now = Math.floor(e.clock().getTime() / 1000);
  const archived: string[] = [];
  if (!mayHaveExperiments(e.dir)) return archived;
  for (const branch of await e.git.listBranches()) {
    if (!branch.startsWith('experiments/')) continue;
    const [tip] = await e.git.logBranch(branch, 1);
    if (!tip || now - tip.timestamp < maxIdle) continue;
    const name = branch.slice('experiments/'.length);
    const tag = `archived/${name}`;
    const days = Math.floor((now - tip.timestamp) / DAY_S);
    // Tag, record, then delete: a run killed in between finds the recorded tag and only deletes.
    const recorded = e.read.recordedRefs().some((r) => r.name === `refs/tags/${tag}` && r.oid === tip.oid);
    if (!recorded) {
      const auditId = e.ledger.newEventId();
      await e.git.tagAnnotated({
        name: tag,
        oid: tip.oid,
        message: `Archived ${branch}: idle for ${days} days`,
        actor: 'System',
        auditId,
        timestamp: now,
      });
      const action: PendingGitAction = {
        id: auditId,
        action: 'archive',
        source: branch,
        target: tag,
        trigger: `idle ${days} days > ${e.policies.git.archive_experiments_after_days}`,
        actor: 'System',
        commit: tip.oid,
        previous: tip.oid,
        message: `archived ${branch} to ${tag}`,
        files: [],
      };
      e.ledger.transact((tx) => recordGitActions(tx, [action], e.clock().toISOString()));
    }
    await e.git.deleteBranch({ name: branch, actor: 'System', action: 'archive' });
    e.progress({ kind: 'git', text: `archived idle ${branch} → tag ${tag} (${days} days idle)` });
    archived.push(branch);
  }
  return archived;
}
