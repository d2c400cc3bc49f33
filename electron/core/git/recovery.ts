import fs from 'node:fs';
import { join } from 'node:path';
import { iso } from './iso.ts';
import { EventPayloads } from '../../../shared/index.ts';
import type { Ledger } from '../store/ledger.ts';
import type { Reader } from '../store/read.ts';
import { parseMessage } from './message.ts';
import type { GitService } from './service.ts';

/**
 * Crash recovery for git. A step writes git objects and moves a ref first, then records the action in
 * the ledger; a run killed between the two leaves a ref the ledger does not know about. Such a commit
 * carries an Audit-ID that names no ledger event, which is how we tell it from the user's own work.
 * The ledger is the source of truth, so those refs are put back (or removed) and the step runs again.
 *
 * A promotion is the exception: it records its intent first, with the Audit-IDs its commits and tag will
 * carry, and a resumed run finishes it (rolls forward). Commits carrying those ids are not strays.
 */
export async function recoverGitRefs(service: GitService, read: Reader, ledger: Ledger): Promise<string[]> {
  // Key lookups, not a read of every recorded action: opening a project costs the same at any history.
  // The promotions' intents are one event per promotion started (a handful per phase).
  const started = ledger.readTypes(['promotion.started']);
  const intents = started.map((ev) => EventPayloads['promotion.started'].parse(ev.payload));
  const reserved = new Set(intents.flatMap((intent) => Object.values(intent.ids)));
  const isStray = (auditId: string | null) =>
    auditId !== null && !read.hasGitAction(auditId) && !reserved.has(auditId) && ledger.byId(auditId) === null;
  const recorded = new Map(read.recordedRefs().map((r) => [r.name, r.oid]));
  const fixed: string[] = [];

  for (const branch of await service.listBranches()) {
    const actual = await service.resolveRef(branch);
    const want = recorded.get(`refs/heads/${branch}`) ?? null;
    if (!actual || actual === want) continue;
    // Walk first parents back over commits that only a killed step could have made.
    let cur: string | null = actual;
    let strays = 0;
    while (cur && cur !== want) {
      const [entry] = await service.logBranch(cur, 1);
      if (!entry || !isStray(entry.auditId)) break;
      strays += 1;
      cur = entry.parents[0] ?? null;
    }
    if (strays === 0) continue;
    if (!want && /^phase\d+\//.test(branch)) {
      await service.deleteRef({ name: branch });
      fixed.push(`${branch} removed: it only held unrecorded commits from an interrupted run`);
    } else if (cur && (cur === want || branch === 'main')) {
      // Back to the recorded tip, or (on main, which the human also commits to) to the last commit before
      // the strays: that one is recorded or the human's own, and either way it stays. Any other branch
      // Governor has no record of (an experiment, the user's own) is not Governor's to rewind.
      await service.setRef({ name: branch, oid: cur });
      const why = `${strays} unrecorded commit(s) from an interrupted run`;
      fixed.push(`${branch} reset from ${actual.slice(0, 7)} to ${cur.slice(0, 7)} (${why})`);
    }
  }

  const gitdir = join(service.dir, '.git');
  for (const tag of await service.listTags()) {
    if (recorded.has(`refs/tags/${tag}`)) continue;
    const oid = await (await iso()).resolveRef({ fs, gitdir, ref: `refs/tags/${tag}` });
    try {
      const { tag: t } = await (await iso()).readTag({ fs, gitdir, oid });
      if (isStray(parseMessage(t.message).auditId)) {
        await (await iso()).deleteRef({ fs, gitdir, ref: `refs/tags/${tag}` });
        fixed.push(`tag ${tag} removed: it was created by an interrupted run`);
      }
    } catch {
      // A lightweight tag is the user's own; leave it.
    }
  }
  return fixed;
}
