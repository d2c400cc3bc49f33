/**
 * Audit notes under `refs/notes/audit`, readable by `git log --show-notes=audit`.
 *
 * Why not `git.addNote`: it commits through isomorphic-git's `commit`, which takes the lock on
 * the user's `.git/index` (and fails while they have unmerged paths), and it rewrites one flat
 * tree holding every note, so each note costs O(notes). We write a notes commit directly, with a
 * two-hex-digit fan-out (`ab/cdef…`, what git itself switches to beyond a few hundred notes), and
 * reuse the tree-writing path so a note costs O(1) trees. Notes written flat by other tools are
 * still found, and moved into the fan-out when appended to.
 */
import { buildMessage, signatureOf, type GitTime } from './message.ts';
import { readBlob, readCommit, treeEntry, writeCommitObject, type Entry } from './objects.ts';
import { resolveFullRef, writeRefOid } from './ref-store.ts';
import { isOid } from './refs.ts';
import type { RepoCtx } from './repo-fs.ts';
import { writeTreeWithChanges, type FileChange } from './tree-write.ts';
import { InvalidInputError } from '../errors.ts';

export const NOTES_REF = 'refs/notes/audit';

/** The note's path in the notes tree, in whichever layout it is stored, or null. */
async function locate(ctx: RepoCtx, notesTree: string, oid: string): Promise<{ path: string; blob: string } | null> {
  let tree: string | null = notesTree;
  let prefix = '';
  let rest = oid;
  // Fan-out levels are two hex digits each; git never nests deeper than the oid allows.
  // Looked up by name in each tree's raw body (objects.ts treeEntry): two names per level, not every note.
  while (tree !== null) {
    const flat: Entry | undefined = await treeEntry(ctx, tree, rest);
    if (flat?.type === 'blob') return { path: prefix + rest, blob: flat.oid };
    const dir: Entry | undefined = rest.length > 2 ? await treeEntry(ctx, tree, rest.slice(0, 2)) : undefined;
    if (dir?.type !== 'tree') return null;
    tree = dir.oid;
    prefix += `${rest.slice(0, 2)}/`;
    rest = rest.slice(2);
  }
  return null;
}

export async function readNote(ctx: RepoCtx, oid: string): Promise<string | null> {
  const head = await resolveFullRef(ctx, NOTES_REF);
  if (head === null) return null;
  const found = await locate(ctx, (await readCommit(ctx, head)).tree, oid);
  return found ? Buffer.from(await readBlob(ctx, found.blob)).toString('utf8') : null;
}

/** One note to append: the object it annotates, its text, when, and the ledger event behind it. */
export interface NoteInput {
  oid: string;
  note: string;
  timestamp: GitTime;
  auditId?: string | undefined;
}

/**
 * The notes commit this process last wrote, and its tree, per repository. A sync that finds the ref still
 * there takes the tree from here instead of reading the commit back (a file read and an inflate per sync);
 * a ref someone else moved (`git notes --ref=audit add` by hand) is read as before and becomes the parent.
 */
const lastWritten = new Map<string, { commit: string; tree: string }>();

async function notesHead(ctx: RepoCtx): Promise<{ head: string | null; tree: string | null }> {
  const head = await resolveFullRef(ctx, NOTES_REF);
  if (head === null) return { head, tree: null };
  const mine = lastWritten.get(ctx.gitdir);
  return { head, tree: mine?.commit === head ? mine.tree : (await readCommit(ctx, head)).tree };
}

/**
 * Appends several notes in one notes commit (one sync's git actions): one tree rewrite and one commit
 * instead of one per note, which was most of the notes' cost per handoff. Notes already there are skipped;
 * with nothing new, nothing is committed. The commit carries the last note's Audit-ID. Caller holds the
 * write queue and has checked that each object exists. Returns the notes ref as it is left.
 */
export async function appendNotes(
  ctx: RepoCtx,
  inputs: readonly NoteInput[],
): Promise<{ commit: string | null; changed: number }> {
  const last = inputs.at(-1);
  // Checked before anything is read: a bad input fails the same whether or not there is a notes ref yet.
  const texts = inputs.map((input) => {
    if (!isOid(input.oid))
      throw new InvalidInputError(`a note is attached to a full 40-hex object id, not "${input.oid}"`);
    const text = input.note.replace(/\r\n/g, '\n').trim();
    if (text.length === 0) throw new InvalidInputError('an audit note cannot be empty');
    return text;
  });
  const { head, tree } = await notesHead(ctx);
  if (!last) return { commit: head, changed: 0 };
  // Each object's note as this batch leaves it, starting from what the notes tree holds.
  const notes = new Map<string, { path: string | null; text: string }>();
  let changed = 0;
  for (const [i, input] of inputs.entries()) {
    const text = texts[i] as string;
    let cur = notes.get(input.oid);
    if (!cur) {
      const found = tree === null ? null : await locate(ctx, tree, input.oid);
      cur = {
        path: found?.path ?? null,
        text: found ? Buffer.from(await readBlob(ctx, found.blob)).toString('utf8') : '',
      };
      notes.set(input.oid, cur);
    }
    if (`\n${cur.text}\n`.includes(`\n${text}\n`)) continue;
    cur.text = cur.text.trim().length > 0 ? `${cur.text.trimEnd()}\n\n${text}\n` : `${text}\n`;
    changed += 1;
  }
  if (changed === 0) return { commit: head, changed: 0 };
  const changes: FileChange[] = [];
  for (const [oid, { path: at, text }] of notes) {
    const target = `${oid.slice(0, 2)}/${oid.slice(2)}`;
    if (at && at !== target) changes.push({ path: at, content: null });
    changes.push({ path: target, content: text });
  }
  const next = await writeTreeWithChanges(ctx, tree, changes);
  const who = signatureOf('System', last.timestamp);
  const commit = await writeCommitObject(ctx, {
    message: buildMessage({
      // One note keeps the subject a single append always had.
      subject:
        inputs.length === 1
          ? `chore(notes): audit note for ${last.oid.slice(0, 12)}`
          : `chore(notes): audit notes for ${notes.size} objects`,
      actor: 'System',
      auditId: last.auditId,
    }),
    tree: next.tree,
    parent: head === null ? [] : [head],
    author: who,
    committer: who,
  });
  writeRefOid(ctx, NOTES_REF, commit);
  lastWritten.set(ctx.gitdir, { commit, tree: next.tree });
  return { commit, changed };
}

/**
 * Appends `note` to the object's audit note (creating it). Appending the same text twice is a
 * no-op, so replaying a ledger does not duplicate notes. Caller holds the write queue.
 */
export async function appendNote(ctx: RepoCtx, input: NoteInput): Promise<{ commit: string; changed: boolean }> {
  const r = await appendNotes(ctx, [input]);
  // One valid note either was there already (so is the ref) or has just been committed.
  if (r.commit === null) throw new Error('appendNotes left no notes ref after a note');
  return { commit: r.commit, changed: r.changed > 0 };
}
