/**
 * Carrying out a recorded promotion intent (see promotion-intent.ts). Every step first looks for its own
 * effect, by the Audit-ID the intent reserved for it, and adopts it when a killed run left it behind:
 * 1. the PM's records commit on `phaseN/pm`, merged into develop;
 * 2. develop merged into main (no-ff), as the human;
 * 3. those effects recorded in one ledger transaction (git actions, the tag, phase.promoted, the review
 *    followed up);
 * 4. the exports rendered from that ledger committed on main, and that commit tagged (annotated, as the human);
 * 5. the user's checkout of main brought along, then `promotion.finished`.
 */
import type { Concern, Review } from '../../../../shared/index.ts';
import { ATOMIC_TEMP, type SealedExport } from '../../artifacts/exporter.ts';
import { stepPoint } from '../../crash-points.ts';
import { hashObject } from '../../git/loose.ts';
import type { ConflictRule, LogEntry } from '../../git/types.ts';
import { describeUnmet } from '../conditions.ts';
import { CONFIG_FILES } from '../config-commit.ts';
import type { Engine } from '../engine.ts';
import type { PendingGitAction } from '../git-steps.ts';
import { phaseBranch, recordGitActions } from '../git-steps.ts';
import { raiseConcern, recordHandoff } from '../records.ts';
import { type PromotionIntent, effectsRecorded, isFinished } from './promotion-intent.ts';
import { RESUME_HINT, listed, waitOnHuman } from './promotion-waits.ts';

/** A boundary between two effects: where a stepped kill test stops the process (crash-points.ts). */
const boundary = (label: string) => stepPoint(`promotion: ${label}`);

/** Exports owned by another agent's branch; the PM's records commit leaves them alone so merges never collide. */
export function ownedElsewhere(path: string): boolean {
  return path.startsWith('design/') || path === 'tests/TEST_PLAN.md';
}

/** Paths that are Governor's exports: whatever else happened to them, the ledger's rendering is the truth. */
export function governedPaths(e: Engine): (path: string) => boolean {
  // The paths alone (as of the last sync): rendering every export to learn their names read the history.
  const governed = new Set(e.exporter.paths());
  return (p) => governed.has(p) || (ATOMIC_TEMP.test(p) && governed.has(p.replace(ATOMIC_TEMP, '')));
}

/**
 * Promoting develop into main: an export both sides changed (the human committed Governor's files with
 * `git add -A`, say) takes develop's, and the final exports land on top anyway; a configuration file keeps
 * the human's version on main. Any other path both changed is a real conflict for the human to settle.
 */
export function releaseRule(e: Engine, governed: (path: string) => boolean = governedPaths(e)): ConflictRule {
  return (p) => (CONFIG_FILES.includes(p) ? 'ours' : governed(p) ? 'theirs' : undefined);
}

/** The newest commit on `ref`'s first-parent line (a few deep) that carries `auditId`, if any. */
async function carrying(e: Engine, ref: string, auditId: string, depth = 5): Promise<LogEntry | null> {
  let cur = await e.git.resolveRef(ref);
  for (let i = 0; cur && i < depth; i++) {
    const [entry] = await e.git.logBranch(cur, 1);
    if (!entry) return null;
    if (entry.auditId === auditId) return entry;
    cur = entry.parents[0] ?? null;
  }
  return null;
}

/** Step 1: the PM's records on its own branch; null when they were already there. */
async function recordsStep(e: Engine, intent: PromotionIntent): Promise<PendingGitAction | null> {
  const { phase, tag, ids, timestamp } = intent;
  const branch = phaseBranch(phase, 'ProjectManager');
  const message = `docs(pm): record phase ${phase} for ${tag}`;
  const trigger = `record phase ${phase} for ${tag}`;
  const source = 'workspace:ProjectManager';
  const action = { id: ids.records, action: 'commit', source, target: branch, trigger, message } as const;
  const done = await carrying(e, branch, ids.records, 1);
  if (done) {
    const parent = done.parents[0] ?? null;
    // `previous` is the branch's tip before the commit: none if this commit created the branch (from develop).
    const existed = e.read.recordedRefs().some((r) => r.name === `refs/heads/${branch}`);
    const files = (await e.git.diff({ from: parent, to: done.oid, content: false })).files.map((f) => f.path);
    return { ...action, actor: 'ProjectManager', commit: done.oid, previous: existed ? parent : null, files };
  }
  // The exports as the files hold them after a sync: written incrementally, equal to a full render.
  const changes = [...(await e.exporter.committable())]
    .filter(([path]) => !ownedElsewhere(path))
    .map(([path, content]) => ({ path, content }));
  const previous = await e.git.resolveRef(branch);
  const res = await e.git.commitChanges({
    branch,
    actor: 'ProjectManager',
    changes,
    subject: message,
    auditId: ids.records,
    timestamp,
  });
  return res.committed ? { ...action, actor: 'ProjectManager', commit: res.oid, previous, files: res.files } : null;
}

/** Step 2: the records merged into develop (exports both sides changed are the records'). */
async function recordsMergeStep(
  e: Engine,
  intent: PromotionIntent,
  governed: (path: string) => boolean,
): Promise<PendingGitAction | null> {
  const { phase, ids, timestamp } = intent;
  const branch = phaseBranch(phase, 'ProjectManager');
  if (!(await e.git.resolveRef(branch))) return null;
  const subject = `merge(phase${phase}): ${branch} into develop`;
  const action = { id: ids.records_merge, action: 'merge', source: branch, target: 'develop' } as const;
  const recorded = (commit: string, previous: string | null): PendingGitAction => ({
    ...action,
    trigger: 'promotion',
    actor: 'System',
    message: subject,
    files: [],
    commit,
    previous,
  });
  const done = await carrying(e, 'develop', ids.records_merge, 1);
  if (done) return recorded(done.oid, done.parents[0] ?? null);
  const previous = await e.git.resolveRef('develop');
  const res = await e.git.mergeNoFF({
    ours: 'develop',
    theirs: branch,
    actor: 'System',
    action: 'gate_merge',
    subject,
    auditId: ids.records_merge,
    timestamp,
    updateRef: true,
    rule: (p) => (governed(p) ? 'theirs' : undefined),
  });
  if (!res.ok) throw new Error(`the PM's records do not merge into develop (${res.reason}: ${listed(res.conflicts)})`);
  return res.alreadyMerged ? null : recorded(res.oid, previous);
}

/** Step 3: develop into main, as the human; null when main changed since the preview and now conflicts. */
async function releaseStep(
  e: Engine,
  intent: PromotionIntent,
  review: Review,
  governed: (path: string) => boolean,
): Promise<{ oid: string; action: PendingGitAction | null } | null> {
  const { phase, tag, ids, timestamp } = intent;
  const subject = `release(phase${phase}): promote develop to main as ${tag}`;
  const trigger = `human_approval ${review.id}`;
  const record = (oid: string, previous: string | null): PendingGitAction => {
    const merge = { id: ids.release, action: 'merge', source: 'develop', target: 'main', trigger } as const;
    return { ...merge, actor: 'Human', commit: oid, previous, message: subject, files: [] };
  };
  const done = await carrying(e, 'main', ids.release);
  if (done) return { oid: done.oid, action: record(done.oid, done.parents[0] ?? null) };
  const previous = await e.git.resolveRef('main');
  const author = { name: intent.identity.name, email: intent.identity.email };
  const res = await e.git.mergeNoFF({
    ours: 'main',
    theirs: 'develop',
    actor: 'Human',
    author,
    action: 'promote',
    subject,
    auditId: ids.release,
    timestamp,
    updateRef: true,
    rule: releaseRule(e, governed),
  });
  if (!res.ok) {
    // A commit of the human's on main since the preview: wait for them; the intent stays.
    const details =
      `Settle it on main yourself: \`git checkout main && git merge develop\`, resolve, commit ` +
      `(or revert your commit); ${RESUME_HINT}.`;
    const summary = `Promotion of phase ${phase} waits: main and develop conflict in ${listed(res.conflicts)}`;
    return waitOnHuman(e, phase, summary, details);
  }
  // develop already in main (the human merged it): the release is main as it is, and no merge is recorded.
  return { oid: res.oid, action: res.alreadyMerged ? null : record(res.oid, previous) };
}

/** Steps 1–3 and the record of their effects; false when the release merge must wait on the human. */
export async function carryOut(e: Engine, intent: PromotionIntent, review: Review): Promise<boolean> {
  const records = await recordsStep(e, intent);
  boundary('records committed on the PM branch');
  // The exports' paths as the records commit's sync left them: nothing syncs again before the release merge.
  const governed = governedPaths(e);
  const recordsMerge = await recordsMergeStep(e, intent, governed);
  boundary('records merged into develop');
  const release = await releaseStep(e, intent, review, governed);
  if (!release) return false;
  boundary('main moved to the release merge');
  const actions = [records, recordsMerge, release.action].filter((a): a is PendingGitAction => a !== null);
  recordEffects(e, intent, review, actions, release.oid);
  boundary('promotion effects recorded');
  return true;
}

function recordEffects(
  e: Engine,
  intent: PromotionIntent,
  review: Review,
  actions: PendingGitAction[],
  releaseOid: string,
): void {
  const { phase, tag } = intent;
  const next = e.read.project()?.roadmap.find((p) => p.number === phase + 1)?.number ?? null;
  const unmet = intent.unmet_conditions
    .map((id) => e.read.concern(id))
    .filter((c): c is Concern => c !== null && c.status !== 'resolved');
  e.ledger.transact((tx) => {
    if (effectsRecorded(e, intent)) return;
    const ts = e.clock().toISOString();
    // The tag marks the release merge; it points at the commit on top of it that holds the final exports
    // (whose Audit-ID is this action's id): that commit's own id cannot be inside the files it holds.
    const tagged: PendingGitAction = {
      id: intent.ids.tag,
      action: 'tag',
      source: 'main',
      target: tag,
      trigger: `human_approval ${review.id}`,
      actor: 'Human',
      commit: releaseOid,
      previous: null,
      message: `Phase ${phase} promoted`,
      files: [],
    };
    recordGitActions(tx, [...actions, tagged], ts);
    for (const t of e.read.tasks()) {
      // A task that changed nothing stays "No Change": promotion closes open tasks, it does not rewrite outcomes.
      if (t.phase !== phase || t.status === 'Done' || t.status === 'No Change') continue;
      const payload = { task_id: t.id, status: 'Done' as const, commentary: null, links: [tag] };
      tx.append({ type: 'task.updated', actor: 'ProjectManager', ts, payload });
    }
    const promoted = { phase, tag, commit: releaseOid, next_phase: next };
    tx.append({ type: 'phase.promoted', actor: 'Human', ts, payload: promoted });
    const conditions = unmet.length > 0 ? ` ${describeUnmet(unmet)}` : '';
    const summary = `develop merged into main at ${releaseOid.slice(0, 7)}, tagged ${tag}.${conditions}`;
    const handoff = {
      phase,
      from: 'ProjectManager',
      to: 'Human',
      purpose: `Phase ${phase} promoted as ${tag}`,
      inputs: ['QA_REPORT.md'],
      outputs: ['docs/PROJECT_OVERVIEW.md', 'CHANGELOG.md'],
      summary,
      status: 'approved',
    } as const;
    recordHandoff(tx, e.read, { ...handoff, inputs: [...handoff.inputs], outputs: [...handoff.outputs] }, ts);
    const outcome = `promoted as ${tag}`;
    tx.append({ type: 'review.followed_up', actor: 'ProjectManager', ts, payload: { review_id: review.id, outcome } });
  });
}

async function holdsExports(e: Engine, oid: string, expected: Map<string, Buffer | SealedExport>): Promise<boolean> {
  for (const [path, content] of expected) {
    const there = await e.git.readFileAt({ oid, path });
    if (there === null) return false;
    // A sealed segment never changes: that the commit holds it is enough. A live tail is its blob.
    if (Buffer.isBuffer(content) && !content.equals(Buffer.from(there, 'utf8'))) return false;
    if (!Buffer.isBuffer(content) && content.live && hashObject('blob', Buffer.from(there, 'utf8')).oid !== content.oid)
      return false;
  }
  return true;
}

/** Step 4: the commit holding the final exports on main, and the tag on it; returns the tagged commit. */
async function tagRelease(e: Engine, intent: PromotionIntent): Promise<string> {
  const { phase, tag, ids, timestamp } = intent;
  const tagged = await e.git.resolveRef(`refs/tags/${tag}`);
  if (tagged) return tagged;
  const author = { name: intent.identity.name, email: intent.identity.email };
  const expected = await e.exporter.committable();
  const top = await carrying(e, 'main', ids.tag, 1);
  let target: string | null = null;
  if (top && (await holdsExports(e, top.oid, expected))) target = top.oid;
  else if (top?.parents[0]) {
    // Until it is tagged, the records commit is nobody's but this promotion's (no record names it): if the
    // ledger moved on since a stopped run wrote it (a concern, a /resolve), it is written again on the merge.
    await e.git.setRef({ name: 'main', oid: top.parents[0] });
  }
  if (!target) {
    const res = await e.git.commitChanges({
      branch: 'main',
      actor: 'Human',
      author,
      action: 'promote',
      changes: [...expected].map(([path, content]) => ({ path, content })),
      subject: `chore(release): ${tag} records`,
      body:
        `Governor's exports as the ledger stands once phase ${phase} is promoted: ` +
        `the CHANGELOG under ${tag}, status.json promoted, every sign-off.`,
      auditId: ids.tag,
      timestamp,
    });
    target = res.oid;
  }
  boundary('final exports committed on main');
  const unmet = intent.unmet_conditions;
  const comment = e.read.review(intent.review_id)?.decision?.comment;
  const message =
    `Phase ${phase} promoted by ${author.name} (${intent.review_id})${comment ? `: ${comment}` : ''}` +
    (unmet.length > 0 ? `\n\nReleased with unmet conditions: ${unmet.join(', ')}.` : '');
  await e.git.tagAnnotated({
    name: tag,
    oid: target,
    message,
    tagger: author,
    timestamp,
    actor: 'Human',
    auditId: ids.tag,
  });
  boundary('tagged');
  return target;
}

/** Steps 4–5: the final exports on main, the tag, the user's checkout, and the record that it is all done. */
export async function finishRelease(e: Engine, intent: PromotionIntent): Promise<void> {
  const { phase, tag } = intent;
  const target = await tagRelease(e, intent);
  let checkout: 'synced' | 'not_checked_out' = 'not_checked_out';
  let kept: string[] = [];
  if (intent.checkout === 'main') {
    const governed = governedPaths(e);
    const recorded = e.exporter.recordedBlobs();
    const sync = await e.git.syncCheckout({
      ...{ branch: 'main', from: intent.main_before, to: target, governed, boundary },
      stored: (p) => recorded.get(p),
    });
    checkout = sync.state;
    kept = sync.kept;
  }
  boundary('checkout brought along');
  e.ledger.transact((tx) => {
    if (isFinished(e, intent)) return;
    // The newest event's time: status.json and the overview show it, and they must stay what the tag holds.
    const newest = e.ledger.read(e.ledger.count() - 1, 1)[0]?.ts ?? e.clock().toISOString();
    const ts = kept.length > 0 ? e.clock().toISOString() : newest;
    const finished = { phase, tag, records_commit: target, checkout, kept };
    tx.append({ type: 'promotion.finished', actor: 'System', ts, payload: finished });
    if (kept.length > 0) {
      const those = kept.length === 1 ? 'that file' : 'those files';
      const details =
        `The release also changes ${those}; your version is still in the working tree ` +
        `(\`git diff\` shows it against ${tag}). Keep or drop it, then resolve this concern.`;
      const summary = `main is at ${tag}; your uncommitted changes to ${listed(kept)} were kept`;
      const to = { from: 'ProjectManager', to: 'Human', severity: 'warning', category: 'checkout_kept' } as const;
      raiseConcern(tx, { ...to, phase, summary, details }, ts);
    }
  });
  const along = checkout === 'synced' ? '; your checkout of main is at the release' : '';
  e.progress({ kind: 'git', text: `develop → main, tagged ${tag} (${target.slice(0, 7)})${along}` });
}
