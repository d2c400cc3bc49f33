/**
 * agents.yaml, .project_policies.yaml and discord.yaml are the human's files: `governor init` and the
 * README ask the human to edit them, by hand or through Settings. An edit left uncommitted on main used to
 * stop the promotion at the very end of a phase. Now, when Governor reads them (the start of a run, a
 * Settings save, a promotion), it commits the edits on main for the human, under the human's own git
 * identity, and records the commit like any git action. If the human has another branch checked out,
 * Governor does not commit there: it says so at once.
 */
import { readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AGENTS_FILE, POLICIES_FILE } from '../config/load.ts';
import { stepPoint } from '../crash-points.ts';
import { DISCORD_FILE } from '../discord/config.ts';
import { humanIdentity } from '../git/identity.ts';
import type { Engine } from './engine.ts';
import { recordGitActions } from './git-steps.ts';
import { raiseConcern } from './records.ts';
import { promotionInFlight } from './stages/promotion-intent.ts';

export const CONFIG_FILES: readonly string[] = [AGENTS_FILE, POLICIES_FILE, DISCORD_FILE];
export const CONFIG_ELSEWHERE = 'config_uncommitted';

export interface ConfigCommit {
  /** Files committed for the human (empty when there was nothing to commit, or it was not possible). */
  committed: string[];
  /** Why nothing was committed although the files were edited; null otherwise. */
  note: string | null;
}

/**
 * What the last clean check saw, per engine: the files' and the index's stat and the commit HEAD names.
 * While none of them moved the files are still clean, and the status walk (about 10 ms: the index read,
 * each file hashed) is skipped; any edit, staging or commit changes one of them (ctime moves on every write).
 */
const cleanAt = new WeakMap<Engine, string>();

async function cleanKey(e: Engine): Promise<string> {
  // Synchronous on purpose: a few stats and reads take microseconds, while each trip through the thread pool
  // costs about a millisecond of the loop at the start of every run (more on a busy machine).
  const stamp = (p: string) => {
    try {
      const s = statSync(p, { bigint: true });
      return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
    } catch {
      return '-';
    }
  };
  const gitdir = join(e.dir, '.git');
  const paths = [...CONFIG_FILES.map((f) => join(e.dir, f)), join(gitdir, 'index')];
  if (!statSync(gitdir, { throwIfNoEntry: false })?.isDirectory()) {
    // A .git file (a linked worktree): its HEAD lives elsewhere, so it is resolved the ordinary way.
    return [...paths.map(stamp), await e.git.resolveRef('HEAD')].join('|');
  }
  // The commit HEAD names, without resolving it: HEAD's text, its branch's file and packed-refs. Any commit,
  // checkout or pack moves one of them (refs are replaced by rename, so the stamps move too).
  const text = (p: string) => {
    try {
      return readFileSync(p, 'utf8').trim();
    } catch {
      return '-';
    }
  };
  const head = text(join(gitdir, 'HEAD'));
  const branch = head.startsWith('ref: ') ? text(join(gitdir, head.slice('ref: '.length))) : '';
  return [...paths.map(stamp), stamp(join(gitdir, 'packed-refs')), head, branch].join('|');
}

export async function commitConfigEdits(e: Engine, why: string): Promise<ConfigCommit> {
  // A promotion in flight owns main and the checkout until it finishes (a resumed run finishes it first).
  if (promotionInFlight(e)) return { committed: [], note: null };
  const key = await cleanKey(e);
  if (cleanAt.get(e) === key) return { committed: [], note: null };
  const edited = await e.git.dirtyAmong(CONFIG_FILES);
  if (edited.length === 0) {
    // Taken before the walk: a file edited during it has a newer stamp, so the next call looks again.
    cleanAt.set(e, key);
    return { committed: [], note: null };
  }
  const branch = await e.git.headBranch();
  if (branch !== 'main') {
    const where = branch === null ? 'a detached HEAD' : `the branch ${branch}`;
    const note =
      `Your edits to ${edited.join(', ')} are on ${where}: Governor commits configuration edits for you ` +
      'only on main. Commit them yourself, or check out main, where the next run commits them.';
    e.progress({ kind: 'warn', text: note });
    if (!e.read.openConcerns().some((c) => c.category === CONFIG_ELSEWHERE)) {
      e.ledger.transact((tx) => {
        const phase = e.read.project()?.phase ?? 1;
        const summary = `Configuration edits not committed: ${edited.join(', ')}`;
        const to = { from: 'System', to: 'Human', severity: 'info', category: CONFIG_ELSEWHERE } as const;
        raiseConcern(tx, { ...to, phase, summary, details: note }, e.clock().toISOString());
      });
    }
    return { committed: [], note };
  }

  const identity = await humanIdentity(e.dir, e.agentsFile.human);
  const read = async (path: string) => ({ path, content: await readFile(join(e.dir, path)).catch(() => null) });
  const changes = await Promise.all(edited.map(read));
  const auditId = e.ledger.newEventId();
  const previous = await e.git.resolveRef('main');
  const subject = `chore(config): ${edited.join(', ')} edited by the human`;
  const now = e.clock();
  const res = await e.git.commitChanges({
    branch: 'main',
    actor: 'Human',
    author: identity,
    action: 'configure',
    changes,
    subject,
    body: `Committed by Governor ${why}, as the human's own change: these files are the human's to edit.`,
    auditId,
    timestamp: Math.floor(now.getTime() / 1000),
  });
  stepPoint('config: committed on main, index not updated');
  await e.git.stagePaths(edited);
  stepPoint('config: index updated, commit not recorded');
  // The content was already committed: only the index was behind.
  if (!res.committed) return { committed: [], note: null };
  e.ledger.transact((tx) => {
    recordGitActions(
      tx,
      [
        {
          id: auditId,
          action: 'commit',
          source: 'checkout',
          target: 'main',
          trigger: `configuration edited by the human (${why})`,
          actor: 'Human',
          commit: res.oid,
          previous,
          message: subject,
          files: res.files,
        },
      ],
      now.toISOString(),
    );
  });
  const who = `${identity.name} <${identity.email}>`;
  const text = `committed your edits to ${edited.join(', ')} on main as ${who} (${res.oid.slice(0, 7)})`;
  e.progress({ kind: 'git', text });
  return { committed: edited, note: null };
}
