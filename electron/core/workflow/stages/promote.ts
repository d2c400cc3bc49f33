/**
 * The human approved the promotion. Nothing else ever writes main. Before anything is written, whatever
 * would make it wait is checked (a tag in the way, a real conflict, uncommitted edits the release would
 * overwrite) and the human's configuration edits are committed for them. Then the promotion is recorded
 * as an intent and carried out (promotion-effects.ts): the tag holds the exports as they stand after the
 * promotion (CHANGELOG under its version, status.json `promoted`), a clean checkout of main is clean
 * afterwards, and a run killed anywhere is finished by the next one.
 */
import type { Review } from '../../../../shared/index.ts';
import { humanIdentity } from '../../git/identity.ts';
import { unmetConditions } from '../conditions.ts';
import { CONFIG_FILES, commitConfigEdits } from '../config-commit.ts';
import type { Engine } from '../engine.ts';
import { carryOut, finishRelease, governedPaths, releaseRule } from './promotion-effects.ts';
import { effectsRecorded, isFinished, latestIntent, recordIntent } from './promotion-intent.ts';
import { RESUME_HINT, listed, promotionStopped, waitOnHuman } from './promotion-waits.ts';
import { stepPoint } from '../../crash-points.ts';

export { promotionWaits } from './promotion-waits.ts';

export async function promote(e: Engine, review: Review): Promise<void> {
  let intent = latestIntent(e, review.id);
  if (!intent) {
    const ready = await preflight(e, review);
    if (!ready) return;
    intent = recordIntent(e, review, ready);
    stepPoint('promotion: intent recorded');
  }
  try {
    if (!effectsRecorded(e, intent) && !(await carryOut(e, intent, review))) return;
    await finishRelease(e, intent);
  } catch (err) {
    promotionStopped(e, review.phase, err);
  }
}

/** At the start of a run: a promotion whose effects are recorded but whose release a killed run left unfinished. */
export async function finishPromotion(e: Engine): Promise<void> {
  const intent = latestIntent(e);
  if (!intent || !effectsRecorded(e, intent) || isFinished(e, intent)) return;
  try {
    await finishRelease(e, intent);
  } catch (err) {
    promotionStopped(e, intent.phase, err);
  }
}

async function preflight(e: Engine, review: Review) {
  const phase = review.phase;
  const tag = `${e.policies.git.release_tag_prefix}0.${phase}.0`;
  // The human's configuration edits never hold a promotion up: they are committed for the human.
  await commitConfigEdits(e, 'before the promotion');

  const existing = await e.git.resolveRef(`refs/tags/${tag}`);
  if (existing) {
    const details =
      `The tag ${tag} points at ${existing.slice(0, 7)}, and Governor never moves a tag. ` +
      `If it is not a release you keep, delete it (\`git tag -d ${tag}\`), ${RESUME_HINT}.`;
    return waitOnHuman(e, phase, `Promotion of phase ${phase} waits: a tag ${tag} already exists`, details);
  }
  // The exports' paths, listed once for the preview and the check of the checkout (nothing syncs between).
  const governed = governedPaths(e);
  const preview = await e.git.previewMerge({ ours: 'main', theirs: 'develop', rule: releaseRule(e, governed) });
  if (!preview.ok) {
    const files = preview.conflicts.length > 0 ? ` in ${listed(preview.conflicts)}` : '';
    const details =
      `Commits on main that are not on develop change the same lines as the phase (${preview.reason}). ` +
      `Settle it on main yourself: \`git checkout main && git merge develop\`, resolve${files}, and commit ` +
      `(or revert your commit); ${RESUME_HINT}. ` +
      "Governor's own exports and your configuration files are never a conflict.";
    return waitOnHuman(e, phase, `Promotion of phase ${phase} waits: main and develop conflict${files}`, details);
  }
  const head = await e.git.headBranch();
  if (head === 'main') {
    // Only the paths the release changes can be in its way: those alone are checked, not the whole checkout.
    const theirs = preview.changed.filter((p) => !governed(p) && !CONFIG_FILES.includes(p));
    const inTheWay = await e.git.dirtyAmong(theirs);
    if (inTheWay.length > 0) {
      const those = inTheWay.length === 1 ? 'that file' : 'those files';
      const details =
        `You have uncommitted changes to ${listed(inTheWay)} on main, and the release changes ${those} too. ` +
        `Commit them on main (\`git commit ${inTheWay.slice(0, 10).join(' ')}\`): ` +
        `the promotion then merges your commit with develop; ${RESUME_HINT}.`;
      const summary = `Promotion of phase ${phase} waits: your uncommitted changes touch files the release changes`;
      return waitOnHuman(e, phase, summary, details);
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
