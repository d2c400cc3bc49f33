import type { GitAction } from '../../../shared/index.ts';
import { jsonlLine } from '../artifacts/render/index.ts';
import type { Reader } from '../store/read.ts';
import type { GitService } from './service.ts';

/** Actions that produced an object in history; refusals and failures have nothing to annotate. */
export const annotatable = (a: GitAction) => a.commit !== null && a.action !== 'failure' && a.action !== 'protect_refused';

/** The note text for one action: the same line as in audit/git_actions.jsonl. */
export const noteFor = (a: GitAction) => jsonlLine('git_actions', a).trim();

/**
 * Every recorded git action is also a note under `refs/notes/audit` on the commit it produced, so
 * `git log --show-notes=audit` tells the story without Governor. Notes are written after the ledger
 * records the action; this catches up on anything missing (a killed run included), and appending a
 * note that is already there is a no-op.
 */
export function createNoteSync(git: GitService, read: Reader) {
  let done = 0;
  return async function syncAuditNotes(): Promise<number> {
    const actions = read.gitActions();
    let written = 0;
    for (const a of actions.slice(done)) {
      if (!annotatable(a) || !a.commit) continue;
      const r = await git.addNote({ oid: a.commit, note: noteFor(a), timestamp: Math.floor(Date.parse(a.timestamp) / 1000), auditId: a.id });
      if (r.changed) written += 1;
    }
    done = actions.length;
    return written;
  };
}
