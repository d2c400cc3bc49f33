import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Review } from '../../../../shared/index.ts';
import type { Engine } from '../engine.ts';
import type { PendingGitAction } from '../git-steps.ts';
import { agentCommit, phaseBranch, recordGitActions } from '../git-steps.ts';
import { ATOMIC_TEMP } from '../../artifacts/exporter.ts';
import { clearUntrackedExports } from '../../git/governed-exports.ts';
import { raiseConcern, recordHandoff } from '../records.ts';

/** Exports owned by another agent's branch; the PM's records commit leaves them alone so merges never collide. */
export function ownedElsewhere(path: string): boolean {
  return path.startsWith('design/') || path === 'tests/TEST_PLAN.md';
}

/** The PM commits the project records (docs, audit trail, reports) to its own branch. */
export async function recordsCommit(e: Engine, phase: number, why: string): Promise<PendingGitAction | null> {
  const files = new Map<string, string | null>();
  for (const [path, content] of e.exporter.expected()) if (!ownedElsewhere(path)) files.set(path, content);
  return agentCommit(e, { agent: 'ProjectManager', actor: 'ProjectManager', branch: phaseBranch(phase, 'ProjectManager'), changes: files, subject: `docs(pm): ${why}`, trigger: why });
}

/**
 * The human approved promotion: records land on develop through the gate, develop is merged into main
 * (no-ff) and tagged. Nothing else ever writes main.
 */
export async function promote(e: Engine, review: Review): Promise<void> {
  const phase = review.phase;
  if (await blockedByDirtyCheckout(e, review)) return;
  const ts0 = Math.floor(e.clock().getTime() / 1000);
  const tag = `${e.policies.git.release_tag_prefix}0.${phase}.0`;
  const actions: PendingGitAction[] = [];
  const records = await recordsCommit(e, phase, `record phase ${phase} for ${tag}`);
  if (records) actions.push(records);

  const pmBranch = phaseBranch(phase, 'ProjectManager');
  if (await e.git.resolveRef(pmBranch)) {
    const auditId = e.ledger.newEventId();
    const previous = await e.git.resolveRef('develop');
    const res = await e.git.mergeNoFF({ ours: 'develop', theirs: pmBranch, actor: 'System', action: 'gate_merge', subject: `merge(phase${phase}): ${pmBranch} into develop`, auditId, timestamp: ts0, updateRef: true });
    if (!res.ok) throw new Error(`records merge conflicts: ${res.conflicts.join(', ')}`);
    actions.push({ id: auditId, action: 'merge', source: pmBranch, target: 'develop', trigger: 'promotion', actor: 'System', commit: res.oid, previous, message: `merge(phase${phase}): ${pmBranch} into develop`, files: [] });
  }
  const mainBefore = await e.git.resolveRef('main');
  const mergeId = e.ledger.newEventId();
  if ((await e.git.headBranch()) === 'main') await clearUntrackedExports(e.dir, [...e.exporter.expected().keys()]);
  const merged = await e.git.mergeNoFF({ ours: 'main', theirs: 'develop', actor: 'Human', action: 'promote', subject: `release(phase${phase}): promote develop to main as ${tag}`, auditId: mergeId, timestamp: ts0, updateRef: true, syncCheckout: true });
  if (!merged.ok) throw new Error(`promotion merge conflicts: ${merged.conflicts.join(', ')}`);
  const checkout = merged.checkout;
  const leftBehind = checkout === 'skipped_dirty' || checkout === 'skipped_conflict' ? await usersOwnEdits(e, 'main') : [];
  actions.push({ id: mergeId, action: 'merge', source: 'develop', target: 'main', trigger: `human_approval ${review.id}`, actor: 'Human', commit: merged.oid, previous: mainBefore, message: `release(phase${phase}): promote develop to main as ${tag}`, files: [] });
  const tagId = e.ledger.newEventId();
  const decision = review.decision;
  await e.git.tagAnnotated({ name: tag, oid: merged.oid, message: `Phase ${phase} promoted by Human (${review.id})${decision?.comment ? `: ${decision.comment}` : ''}\n\nAudit-ID: ${tagId}`, tagger: 'Human', timestamp: ts0, actor: 'Human' });
  actions.push({ id: tagId, action: 'tag', source: 'main', target: tag, trigger: `human_approval ${review.id}`, actor: 'Human', commit: merged.oid, previous: null, message: `Phase ${phase} promoted`, files: [] });

  const roadmap = e.read.project()?.roadmap ?? [];
  const next = roadmap.find((p) => p.number === phase + 1)?.number ?? null;
  e.ledger.transact((tx) => {
    const ts = e.clock().toISOString();
    recordGitActions(tx, actions, ts);
    // A task that changed nothing stays "No Change": promotion closes open tasks, it does not rewrite outcomes.
    for (const t of e.read.tasks()) if (t.phase === phase && t.status !== 'Done' && t.status !== 'No Change') tx.append({ type: 'task.updated', actor: 'ProjectManager', ts, payload: { task_id: t.id, status: 'Done', commentary: null, links: [tag] } });
    tx.append({ type: 'phase.promoted', actor: 'Human', ts, payload: { phase, tag, commit: merged.oid, next_phase: next } });
    recordHandoff(tx, e.read, { phase, from: 'ProjectManager', to: 'Human', purpose: `Phase ${phase} promoted as ${tag}`, inputs: ['QA_REPORT.md'], outputs: ['docs/PROJECT_OVERVIEW.md', 'CHANGELOG.md'], summary: `main is at ${merged.oid.slice(0, 7)}, tagged ${tag}.`, status: 'approved' }, ts);
    tx.append({ type: 'review.followed_up', actor: 'ProjectManager', ts, payload: { review_id: review.id, outcome: `promoted as ${tag}` } });
    if ((checkout === 'skipped_dirty' || checkout === 'skipped_conflict') && leftBehind.length > 0) {
      // Never overwrite the human's edits: say so instead.
      raiseConcern(tx, { phase, from: 'ProjectManager', to: 'Human', severity: 'warning', category: 'dirty_working_tree', summary: `main moved to ${tag} but your checkout was left as it was`, details: `Your working tree has uncommitted changes, so Governor did not update it. Commit or stash them, then run \`git checkout main\` (or \`git reset --keep main\`) to see ${tag}.` }, ts);
    }
  });
  e.progress({ kind: 'git', text: `develop → main, tagged ${tag} (${merged.oid.slice(0, 7)})` });
}

export const DIRTY_CATEGORY = 'dirty_working_tree';

/**
 * Promotion moves `main`. If the human has `main` checked out with uncommitted edits, moving it under
 * them would mix their work with the release, so nothing is written: a concern names the files, and the
 * promotion waits until the human resolves that concern (after committing or stashing).
 */
async function blockedByDirtyCheckout(e: Engine, review: Review): Promise<boolean> {
  if ((await e.git.headBranch()) !== 'main') return false;
  const dirty = await usersOwnEdits(e, 'develop');
  if (dirty.length === 0) return false;
  e.ledger.transact((tx) => {
    const ts = e.clock().toISOString();
    const shown = dirty.slice(0, 10).join(', ') + (dirty.length > 10 ? ` and ${dirty.length - 10} more` : '');
    raiseConcern(tx, { phase: review.phase, from: 'ProjectManager', to: 'Human', severity: 'warning', category: DIRTY_CATEGORY, summary: `Promotion of phase ${review.phase} waits: your checkout of main has uncommitted changes`, details: `Governor will not move main under uncommitted work: ${shown}. Commit or stash them, then \`governor command "/resolve <this concern>"\` and \`governor run\`.` }, ts);
  });
  e.progress({ kind: 'warn', text: `promotion waits: uncommitted changes in your checkout (${dirty.length} file(s))` });
  return true;
}

/**
 * Paths in the user's checkout that differ from HEAD and are really theirs: not a ledger export, and not
 * already holding exactly what `target` holds (which is what an interrupted promotion leaves behind).
 */
async function usersOwnEdits(e: Engine, target: string): Promise<string[]> {
  const governed = new Set(e.exporter.expected().keys());
  const dirty = await e.git.isWorkingTreeDirty({ ignore: (p) => governed.has(p) || (ATOMIC_TEMP.test(p) && governed.has(p.replace(ATOMIC_TEMP, ''))) });
  const oid = await e.git.resolveRef(target);
  const out: string[] = [];
  for (const path of dirty) {
    const wanted = oid ? await e.git.readFileAt({ oid, path }) : null;
    let actual: string | null = null;
    try {
      actual = await readFile(join(e.dir, path), 'utf8');
    } catch {
      actual = null;
    }
    if (actual !== wanted) out.push(path);
  }
  return out;
}
