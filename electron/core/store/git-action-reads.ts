import type Database from 'better-sqlite3';
import type { GitAction } from '../../../shared/index.ts';
import { docQueries } from './doc-queries.ts';

/**
 * The git actions the ledger recorded (the git_actions projection): the changelog's merges, tags and
 * reverts, the newest action of a kind for `/status git`, and what crash recovery and the audit compare
 * with git's own refs. All but `gitActions` (every one, for a full render) read by index.
 */
export function gitActionReads(db: Database.Database) {
  const { docs } = docQueries(db);
  return {
    /**
     * The newest git action of these kinds (into `target`, when given): newest first through the
     * (action, seq) index, one seek per kind, and a merge into main (one a promotion) is stepped over.
     */
    lastGitAction(actions: readonly GitAction['action'][], target?: string): GitAction | null {
      let best: { seq: number; action: GitAction } | null = null;
      for (const action of actions)
        for (const row of db
          .prepare<[string], { seq: number; doc: string }>(
            'SELECT seq, doc FROM git_actions WHERE action = ? ORDER BY seq DESC',
          )
          .iterate(action)) {
          if (best && row.seq < best.seq) break;
          const doc = JSON.parse(row.doc) as GitAction;
          if (target !== undefined && doc.target !== target) continue;
          best = { seq: row.seq, action: doc };
          break;
        }
      return best?.action ?? null;
    },
    /** Merges, tags and reverts: the git actions a changelog lists. */
    notableGitActions: (): GitAction[] =>
      docs<GitAction>("SELECT doc FROM git_actions WHERE action IN ('merge', 'tag', 'revert') ORDER BY seq"),
    gitActions: (): GitAction[] => docs<GitAction>('SELECT doc FROM git_actions ORDER BY seq'),
    hasGitAction: (id: string): boolean =>
      db.prepare<[string], { n: number }>('SELECT 1 AS n FROM git_actions WHERE id = ?').get(id) !== undefined,
    /** The git actions recorded after event `seq`, with their seqs. */
    gitActionsSince: (seq: number): Array<{ seq: number; action: GitAction }> =>
      db
        .prepare<[number], { seq: number; doc: string }>('SELECT seq, doc FROM git_actions WHERE seq > ? ORDER BY seq')
        .all(seq)
        .map((r) => ({ seq: r.seq, action: JSON.parse(r.doc) as GitAction })),
    recordedRefs: (): Array<{ name: string; oid: string }> =>
      db.prepare<[], { name: string; oid: string }>('SELECT name, oid FROM git_refs ORDER BY name').all(),
  };
}
