/**
 * The diffs view's git calls: comparing two revisions, a branch's recent commits, and what the human
 * typed in the commit picker. Revisions are read as people write them (short shas, `rev^`, `main~2`),
 * and a miss is a sentence the view shows as it is ("no such commit: abc123").
 */
import type { CallResponse } from '../../shared/index.ts';
import type { CommitInfo } from '../../shared/domain/git-log.ts';
import { GovernorError } from './errors.ts';
import { DIFF_CONTENT_CAP } from './git/diff.ts';
import type { LogEntry } from './git/log.ts';
import type { OpenedProject } from './host.ts';

/** The commit a revision names; a miss is `not_found` with the reason as its message. */
async function commitOf(p: OpenedProject, rev: string): Promise<string> {
  const r = await p.git.revParse(rev);
  if (!r.ok) throw new GovernorError('not_found', r.reason);
  return r.oid;
}

const commitInfo = (c: LogEntry): CommitInfo => ({
  oid: c.oid,
  subject: c.subject,
  author: c.author.name,
  date: new Date(c.timestamp * 1000).toISOString(),
  parents: c.parents,
});

export async function gitDiff(
  p: OpenedProject,
  q: { from: string | null; to: string },
): Promise<CallResponse<'git.diff'>> {
  const toOid = await commitOf(p, q.to);
  const fromOid = q.from === null ? null : await commitOf(p, q.from);
  // No unified patch: the view diffs the two contents itself (off the engine's thread), and a patch of a
  // 5,000-line file would hold the window's process for hundreds of milliseconds for nothing.
  const { files } = await p.git.diff({ from: fromOid, to: toOid, patch: false });
  return {
    from: fromOid,
    to: toOid,
    files: files.map((f) => ({
      path: f.path,
      status: f.status,
      binary: f.binary,
      truncated: f.truncated,
      oldContent: f.oldContent,
      newContent: f.newContent,
      oldSize: f.oldSize,
      newSize: f.newSize,
    })),
    content_cap: DIFF_CONTENT_CAP,
  };
}

export async function gitLog(p: OpenedProject, q: { ref: string; limit: number }): Promise<CallResponse<'git.log'>> {
  const oid = await commitOf(p, q.ref);
  return { ref: q.ref, oid, commits: (await p.git.logBranch(oid, q.limit)).map(commitInfo) };
}

export async function gitResolve(p: OpenedProject, rev: string): Promise<CallResponse<'git.resolve'>> {
  const r = await p.git.revParse(rev);
  if (!r.ok) return { ok: false, rev, reason: r.reason };
  const [c] = await p.git.logBranch(r.oid, 1);
  if (!c) return { ok: false, rev, reason: `no such commit: ${rev}` };
  return { ok: true, rev, commit: commitInfo(c) };
}
