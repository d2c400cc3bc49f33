import type { GitAction } from '../../../shared/index.ts';
import { jsonlLine } from '../artifacts/render/index.ts';
import type { Reader } from '../store/read.ts';
import { NOTES_REF } from './notes.ts';
import type { GitService } from './service.ts';

/** Actions that produced an object in history; refusals and failures have nothing to annotate. */
export const annotatable = (a: GitAction) =>
  a.commit !== null && a.action !== 'failure' && a.action !== 'protect_refused';

/** The note text for one action: the same line as in audit/git_actions.jsonl. */
export const noteFor = (a: GitAction) => jsonlLine('git_actions', a).trim();

/** Where a previous process's note sync stopped: the last action's seq, and the notes ref it left. */
export interface NoteCursor {
  load(): { seq: number; notes: string | null } | null;
  save(at: { seq: number; notes: string | null }): void;
}

/**
 * Every recorded git action is also a note under `refs/notes/audit` on the commit it produced, so
 * `git log --show-notes=audit` tells the story without Governor. Notes are written after the ledger
 * records the action; this catches up on anything missing (a killed run included), and appending a
 * note that is already there is a no-op. With a cursor, a new process starts where the last one stopped
 * as long as the notes ref is still the one it left (else it walks every action again), so a sync reads
 * only the actions recorded since. A sync with nothing new is one query; the ref is read once per process
 * (and by the notes commit that a sync with new notes writes), never again to save the cursor: the ref
 * saved is the one the write left, or the one this sync last knew.
 */
export function createNoteSync(git: GitService, read: Pick<Reader, 'gitActionsSince'>, cursor?: NoteCursor) {
  let done: number | null = null;
  // The notes ref as this sync last saw or left it; undefined: not read yet.
  let notes: string | null | undefined;
  return async function syncAuditNotes(): Promise<number> {
    if (done === null) {
      const saved = cursor?.load() ?? null;
      if (saved) notes = await git.resolveRef(NOTES_REF);
      done = saved && saved.notes === notes ? saved.seq : 0;
    }
    const since = read.gitActionsSince(done);
    if (since.length === 0) return 0;
    // One notes commit for the whole sync, not one per action.
    const batch = since
      .filter(({ action: a }) => annotatable(a) && a.commit)
      .map(({ action: a }) => ({
        oid: a.commit ?? '',
        note: noteFor(a),
        timestamp: Math.floor(Date.parse(a.timestamp) / 1000),
        auditId: a.id,
      }));
    let written = 0;
    if (batch.length > 0) {
      const r = await git.addNotes(batch);
      written = r.changed;
      notes = r.commit;
    }
    done = since.at(-1)?.seq ?? done;
    if (cursor) {
      if (notes === undefined) notes = await git.resolveRef(NOTES_REF);
      cursor.save({ seq: done, notes });
    }
    return written;
  };
}
