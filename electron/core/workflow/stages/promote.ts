import type { Concern, Review } from '../../../../shared/index.ts';
import { ATOMIC_TEMP } from '../../artifacts/exporter.ts';
import { crashPoint } from '../../crash-point.ts';
import { humanIdentity } from '../../git/identity.ts';
import type { ConflictRule, LogEntry } from '../../git/types.ts';
import { describeUnmet, unmetConditions } from '../conditions.ts';
import { CONFIG_FILES, commitConfigEdits } from '../config-commit.ts';
import type { Engine } from '../engine.ts';
import type { PendingGitAction } from '../git-steps.ts';
import { phaseBranch, recordGitActions } from '../git-steps.ts';
import { raiseConcern, recordHandoff } from '../records.ts';
import { type PromotionIntent, effectsRecorded, isFinished, latestIntent, recordIntent } from './promotion-intent.ts';

/** Exports owned by another agent's branch; the PM's records commit leaves them alone so merges never collide. */
export function ownedElsewhere(path: string): boolean {
  return path.startsWith('design/') || path === 'tests/TEST_PLAN.md';
}

/** A promotion waits on the human (uncommitted edits in the way, a conflict, a tag in the way) under this category. */
export const DIRTY_CATEGORY = 'dirty_working_tree';

/** The loop holds a decided promotion back while one of these concerns is open; `/resolve` lets it go on. */
export function promotionWaits(e: Engine): boolean {
  return e.read.openConcerns().some((c) => c.category === DIRTY_CATEGORY);
}

const boundary = (label: string) => crashPoint('promotion', label);

/**
 * The human approved the promotion. Recorded first as an intent, then carried out:
 * 1. the PM's records commit on `phaseN/pm`, merged into develop;
 * 2. develop merged into main (no-ff), as the human;
 * 3. those effects recorded in one ledger transaction (git actions, tag, phase.promoted, the review followed up);
 * 4. the final exports, rendered from that ledger, committed on main and tagged `v0.N.0` (annotated, as the human);
 * 5. the user's checkout of main brought along, then `promotion.finished`.
 * The tag therefore holds the exports as they stand after the promotion (CHANGELOG under its version,
 * status.json `promoted`), and a clean checkout of main is clean afterwards. Each step first looks for its
 * own effect (by the Audit-ID the intent reserved), so a run killed anywhere is finished by the next one.
 */
export async function promote(e: Engine, review: Review): Promise<void> {
  let intent = latestIntent(e, review.id);
  if (!intent) {
    const ready = await preflight(e, review);
    if (!ready) return;
    intent = recordIntent(e, review, ready);
    boundary('intent recorded');
  }
  try {
    if (!effectsRecorded(e, intent)) {
      const ok = await carryOut(e, intent, review);
      if (!ok) return;
    }
    await finishRelease(e, intent);
  } catch (err) {
    stopped(e, review.phase, err);
  }
}

/** At the start of a run: a promotion whose effects are recorded but whose release a killed run left unfinished. */
export async function finishPromotion(e: Engine): Promise<void> {
  const intent = latestIntent(e);
  if (!intent || !effectsRecorded(e, intent) || isFinished(e, intent)) return;
  try {
    await finishRelease(e, intent);
  } catch (err) {
    stopped(e, intent.phase, err);
  }
}

/**
 * Whatever stops a promotion half-way (a disk full, a repository changed under it) becomes a concern that
 * holds the promotion, never a stack trace and never a loop retrying it: the intent stays, and the next run
 * after `/resolve` picks the promotion up where it stopped.
 */
function stopped(e: Engine, phase: number, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  const summary = `Promotion of phase ${phase} stopped: ${message.slice(0, 160)}`;
  const details = `${message}\n\nNothing is lost: the promotion is recorded as started, and it resumes where it stopped. Fix the cause, then \`governor command "/resolve <this concern>"\` and \`governor run\`.`;
  if (!e.read.openConcerns().some((c) => c.category === DIRTY_CATEGORY && c.summary === summary)) {
    e.ledger.transact((tx) => {
      raiseConcern(tx, { phase, from: 'ProjectManager', to: 'Human', severity: 'critical', category: DIRTY_CATEGORY, summary, details }, e.clock().toISOString());
    });
  }
  e.progress({ kind: 'warn', text: `${summary}. ${details}` });
}

// ---- before the intent: everything that would make the promotion wait ---------------------------------

function releaseTag(e: Engine, phase: number): string {
  return `${e.policies.git.release_tag_prefix}0.${phase}.0`;
}

/** Paths that are Governor's exports: whatever else happened to them, the ledger's rendering is the truth. */
function governedPaths(e: Engine): (path: string) => boolean {
  const governed = new Set(e.exporter.expected().keys());
  return (p) => governed.has(p) || (ATOMIC_TEMP.test(p) && governed.has(p.replace(ATOMIC_TEMP, '')));
}

/**
 * Promoting develop into main: an export both sides changed (the human committed Governor's files with
 * `git add -A`, say) takes develop's, and the final exports land on top anyway; a configuration file keeps
 * the human's version on main. Any other path both changed is a real conflict for the human to settle.
 */
function releaseRule(e: Engine): ConflictRule {
  const governed = governedPaths(e);
  return (p) => (CONFIG_FILES.includes(p) ? 'ours' : governed(p) ? 'theirs' : undefined);
}

function wait(e: Engine, review: Review, summary: string, details: string): null {
  const open = e.read.openConcerns().some((c) => c.category === DIRTY_CATEGORY && c.summary === summary);
  if (!open) {
    e.ledger.transact((tx) => {
      raiseConcern(tx, { phase: review.phase, from: 'ProjectManager', to: 'Human', severity: 'warning', category: DIRTY_CATEGORY, summary, details }, e.clock().toISOString());
    });
  }
  // The whole instruction, so a terminal user reads what to type without looking the concern up.
  e.progress({ kind: 'warn', text: `${summary}. ${details}` });
  return null;
}

const listed = (paths: readonly string[]) => paths.slice(0, 10).join(', ') + (paths.length > 10 ? ` and ${paths.length - 10} more` : '');

async function preflight(e: Engine, review: Review) {
  const phase = review.phase;
  const tag = releaseTag(e, phase);
  const resume = `then \`governor command "/resolve <this concern>"\` and \`governor run\``;
  // The human's configuration edits never hold a promotion up: they are committed for the human.
  await commitConfigEdits(e, 'before the promotion');

  const existing = await e.git.resolveRef(`refs/tags/${tag}`);
  if (existing) {
    return wait(e, review, `Promotion of phase ${phase} waits: a tag ${tag} already exists`, `The tag ${tag} points at ${existing.slice(0, 7)}, and Governor never moves a tag. If it is not a release you keep, delete it (\`git tag -d ${tag}\`), ${resume}.`);
  }
  const preview = await e.git.previewMerge({ ours: 'main', theirs: 'develop', rule: releaseRule(e) });
  if (!preview.ok) {
    const files = preview.conflicts.length > 0 ? ` in ${listed(preview.conflicts)}` : '';
    return wait(
      e,
      review,
      `Promotion of phase ${phase} waits: main and develop conflict${files}`,
      `Commits on main that are not on develop change the same lines as the phase (${preview.reason}). Settle it on main yourself: \`git checkout main && git merge develop\`, resolve${files}, and commit; ${resume}. Governor's own exports and your configuration files are never a conflict.`,
    );
  }
  const head = await e.git.headBranch();
  if (head === 'main') {
    const governed = governedPaths(e);
    const changing = new Set(preview.changed);
    const mine = await e.git.isWorkingTreeDirty({ ignore: (p) => governed(p) || CONFIG_FILES.includes(p) });
    const inTheWay = mine.filter((p) => changing.has(p));
    if (inTheWay.length > 0) {
      return wait(
        e,
        review,
        `Promotion of phase ${phase} waits: your uncommitted changes touch files the release changes`,
        `You have uncommitted changes to ${listed(inTheWay)} on main, and the release changes ${inTheWay.length === 1 ? 'that file' : 'those files'} too. Commit them on main (\`git commit ${inTheWay.slice(0, 10).join(' ')}\`): the promotion then merges your commit with develop. Then \`governor command "/resolve <this concern>"\` and \`governor run\`.`,
      );
    }
  }
  return {
    tag,
    mainBefore: await e.git.resolveRef('main'),
    developBefore: await e.git.resolveRef('develop'),
    checkout: head,
    identity: await humanIdentity(e.dir, e.agentsFile.human),
    unmet: unmetConditions(e.read).map((c) => c.id),
  };
}

// ---- carrying the intent out ---------------------------------------------------------------------------

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

async function changedFiles(e: Engine, from: string | null, to: string): Promise<string[]> {
  return (await e.git.diff({ from, to, content: false })).files.map((f) => f.path);
}

/** Steps 1–3 and the record of their effects; false when the release merge must wait on the human. */
async function carryOut(e: Engine, intent: PromotionIntent, review: Review): Promise<boolean> {
  const { phase, tag, ids, timestamp } = intent;
  const author = { name: intent.identity.name, email: intent.identity.email };
  const actions: PendingGitAction[] = [];
  const pmBranch = phaseBranch(phase, 'ProjectManager');
  const why = `record phase ${phase} for ${tag}`;

  // 1. The PM's records on its own branch.
  const records = await carrying(e, pmBranch, ids.records, 1);
  if (!records) {
    const changes = [...e.exporter.expected()].filter(([path]) => !ownedElsewhere(path)).map(([path, content]) => ({ path, content }));
    const previous = await e.git.resolveRef(pmBranch);
    const res = await e.git.commitChanges({ branch: pmBranch, actor: 'ProjectManager', changes, subject: `docs(pm): ${why}`, auditId: ids.records, timestamp });
    if (res.committed) actions.push({ id: ids.records, action: 'commit', source: 'workspace:ProjectManager', target: pmBranch, trigger: why, actor: 'ProjectManager', commit: res.oid, previous, message: `docs(pm): ${why}`, files: res.files });
  } else {
    // `previous` is the branch's tip before the commit: none if this commit created the branch (from develop).
    const previous = e.read.recordedRefs().some((r) => r.name === `refs/heads/${pmBranch}`) ? (records.parents[0] ?? null) : null;
    actions.push({ id: ids.records, action: 'commit', source: 'workspace:ProjectManager', target: pmBranch, trigger: why, actor: 'ProjectManager', commit: records.oid, previous, message: `docs(pm): ${why}`, files: await changedFiles(e, records.parents[0] ?? null, records.oid) });
  }
  boundary('records committed on the PM branch');

  // 2. The records land on develop (exports both sides changed are the records').
  if (await e.git.resolveRef(pmBranch)) {
    const subject = `merge(phase${phase}): ${pmBranch} into develop`;
    const done = await carrying(e, 'develop', ids.records_merge, 1);
    if (done) {
      actions.push({ id: ids.records_merge, action: 'merge', source: pmBranch, target: 'develop', trigger: 'promotion', actor: 'System', commit: done.oid, previous: done.parents[0] ?? null, message: subject, files: [] });
    } else {
      const previous = await e.git.resolveRef('develop');
      const governed = governedPaths(e);
      const res = await e.git.mergeNoFF({ ours: 'develop', theirs: pmBranch, actor: 'System', action: 'gate_merge', subject, auditId: ids.records_merge, timestamp, updateRef: true, rule: (p) => (governed(p) ? 'theirs' : undefined) });
      if (!res.ok) throw new Error(`the PM's records do not merge into develop (${res.reason}: ${listed(res.conflicts)}); only Governor's exports should differ there`);
      if (!res.alreadyMerged) actions.push({ id: ids.records_merge, action: 'merge', source: pmBranch, target: 'develop', trigger: 'promotion', actor: 'System', commit: res.oid, previous, message: subject, files: [] });
    }
  }
  boundary('records merged into develop');

  // 3. develop into main, as the human.
  const subject = `release(phase${phase}): promote develop to main as ${tag}`;
  let release: { oid: string; previous: string | null; merged: boolean };
  const done = await carrying(e, 'main', ids.release);
  if (done) release = { oid: done.oid, previous: done.parents[0] ?? null, merged: true };
  else {
    const previous = await e.git.resolveRef('main');
    const res = await e.git.mergeNoFF({ ours: 'main', theirs: 'develop', actor: 'Human', author, action: 'promote', subject, auditId: ids.release, timestamp, updateRef: true, rule: releaseRule(e) });
    if (!res.ok) {
      // main changed since the preview (a commit of the human's): wait for the human, the intent stays.
      wait(e, review, `Promotion of phase ${phase} waits: main and develop conflict in ${listed(res.conflicts)}`, `Settle it on main yourself: \`git checkout main && git merge develop\`, resolve, commit; then \`governor command "/resolve <this concern>"\` and \`governor run\`.`);
      return false;
    }
    release = { oid: res.oid, previous, merged: !res.alreadyMerged };
  }
  if (release.merged) actions.push({ id: ids.release, action: 'merge', source: 'develop', target: 'main', trigger: `human_approval ${review.id}`, actor: 'Human', commit: release.oid, previous: release.previous, message: subject, files: [] });
  boundary('main moved to the release merge');

  recordEffects(e, intent, review, actions, release.oid);
  boundary('promotion effects recorded');
  return true;
}

function recordEffects(e: Engine, intent: PromotionIntent, review: Review, actions: PendingGitAction[], releaseOid: string): void {
  const { phase, tag } = intent;
  const roadmap = e.read.project()?.roadmap ?? [];
  const next = roadmap.find((p) => p.number === phase + 1)?.number ?? null;
  const unmet = intent.unmet_conditions.map((id) => e.read.concern(id)).filter((c): c is Concern => c !== null && c.status !== 'resolved');
  e.ledger.transact((tx) => {
    if (effectsRecorded(e, intent)) return;
    const ts = e.clock().toISOString();
    // The tag marks the release merge; it points at the commit on top of it that holds the final exports
    // (whose Audit-ID is this action's id): that commit's own id cannot be inside the files it holds.
    const tagAction: PendingGitAction = { id: intent.ids.tag, action: 'tag', source: 'main', target: tag, trigger: `human_approval ${review.id}`, actor: 'Human', commit: releaseOid, previous: null, message: `Phase ${phase} promoted`, files: [] };
    recordGitActions(tx, [...actions, tagAction], ts);
    for (const t of e.read.tasks()) if (t.phase === phase && t.status !== 'Done') tx.append({ type: 'task.updated', actor: 'ProjectManager', ts, payload: { task_id: t.id, status: 'Done', commentary: null, links: [tag] } });
    tx.append({ type: 'phase.promoted', actor: 'Human', ts, payload: { phase, tag, commit: releaseOid, next_phase: next } });
    const conditions = unmet.length > 0 ? ` ${describeUnmet(unmet)}` : '';
    recordHandoff(tx, e.read, { phase, from: 'ProjectManager', to: 'Human', purpose: `Phase ${phase} promoted as ${tag}`, inputs: ['QA_REPORT.md'], outputs: ['docs/PROJECT_OVERVIEW.md', 'CHANGELOG.md'], summary: `develop merged into main at ${releaseOid.slice(0, 7)}, tagged ${tag}.${conditions}`, status: 'approved' }, ts);
    tx.append({ type: 'review.followed_up', actor: 'ProjectManager', ts, payload: { review_id: review.id, outcome: `promoted as ${tag}` } });
  });
}

async function holdsExports(e: Engine, oid: string, expected: Map<string, string>): Promise<boolean> {
  for (const [path, content] of expected) if ((await e.git.readFileAt({ oid, path })) !== content) return false;
  return true;
}

/** Steps 4–5: the final exports on main, the tag, the user's checkout, and the record that it is all done. */
async function finishRelease(e: Engine, intent: PromotionIntent): Promise<void> {
  const { phase, tag, ids, timestamp } = intent;
  const author = { name: intent.identity.name, email: intent.identity.email };
  let target = await e.git.resolveRef(`refs/tags/${tag}`);
  if (!target) {
    const expected = e.exporter.expected();
    const top = await carrying(e, 'main', ids.tag, 1);
    if (top && (await holdsExports(e, top.oid, expected))) target = top.oid;
    else if (top?.parents[0]) {
      // Until it is tagged, the records commit is nobody's but this promotion's (no record names it): if the
      // ledger moved on since a stopped run wrote it (a concern, a /resolve), it is written again on the merge.
      await e.git.setRef({ name: 'main', oid: top.parents[0] });
    }
    if (!target) {
      const changes = [...expected].map(([path, content]) => ({ path, content }));
      const res = await e.git.commitChanges({
        branch: 'main',
        actor: 'Human',
        author,
        action: 'promote',
        changes,
        subject: `chore(release): ${tag} records`,
        body: `Governor's exports as the ledger stands once phase ${phase} is promoted: the CHANGELOG under ${tag}, status.json promoted, every sign-off.`,
        auditId: ids.tag,
        timestamp,
      });
      target = res.oid;
    }
    boundary('final exports committed on main');
    const unmet = intent.unmet_conditions.length > 0 ? `\n\nReleased with unmet conditions: ${intent.unmet_conditions.join(', ')}.` : '';
    const review = e.read.review(intent.review_id);
    const comment = review?.decision?.comment ? `: ${review.decision.comment}` : '';
    await e.git.tagAnnotated({ name: tag, oid: target, message: `Phase ${phase} promoted by ${author.name} (${intent.review_id})${comment}${unmet}`, tagger: author, timestamp, actor: 'Human', auditId: ids.tag });
    boundary('tagged');
  }

  let checkout: 'synced' | 'not_checked_out' = 'not_checked_out';
  let kept: string[] = [];
  if (intent.checkout === 'main') {
    const sync = await e.git.syncCheckout({ branch: 'main', from: intent.main_before, to: target, governed: governedPaths(e), boundary });
    checkout = sync.state;
    kept = sync.kept;
  }
  boundary('checkout brought along');
  e.ledger.transact((tx) => {
    if (isFinished(e, intent)) return;
    // The newest event's time: status.json and the overview show it, and they must stay what the tag holds.
    const newest = e.ledger.read(e.ledger.count() - 1, 1)[0]?.ts ?? e.clock().toISOString();
    const ts = kept.length > 0 ? e.clock().toISOString() : newest;
    tx.append({ type: 'promotion.finished', actor: 'System', ts, payload: { phase, tag, records_commit: target, checkout, kept } });
    if (kept.length > 0) {
      raiseConcern(tx, { phase, from: 'ProjectManager', to: 'Human', severity: 'warning', category: 'checkout_kept', summary: `main is at ${tag}; your uncommitted changes to ${listed(kept)} were kept`, details: `The release also changes ${kept.length === 1 ? 'that file' : 'those files'}; your version is still in the working tree (\`git diff\` shows it against ${tag}). Keep or drop it, then resolve this concern.` }, ts);
    }
  });
  e.progress({ kind: 'git', text: `develop → main, tagged ${tag} (${target.slice(0, 7)})${checkout === 'synced' ? '; your checkout of main is at the release' : ''}` });
}
