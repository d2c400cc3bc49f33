/**
 * The GitService's reads: refs and commits, history, trees and files at a commit, diffs, the user's checkout
 * status, and agent worktrees (materialized from a commit, read back as a change set). None of them writes
 * the repository's refs or history, so none waits in the write queue (service.ts has the writes).
 */
import { dirtyAmong, dirtyPaths, headBranch } from './checkout.ts';
import { findMergeBase } from './commits.ts';
import { diffTrees, type FileDiff } from './diff.ts';
import { logBetween, logFrom, type LogEntry } from './log.ts';
import { materializeTree, type MaterializeResult } from './materialize.ts';
import { changesInDir } from './workspace-changes.ts';
import { readNote } from './notes.ts';
import {
  EMPTY_TREE,
  type Entry,
  MODE_GITLINK,
  MODE_TREE,
  isAncestor,
  listTreeFiles,
  readBlob,
  readTreeEntries,
  treeOfCommit,
} from './objects.ts';
import { listRefNames, requireCommit, resolveCommitish } from './ref-store.ts';
import { revParse, type RevParse } from './revparse.ts';
import { shortName } from './refs.ts';
import type { RepoCtx } from './repo-fs.ts';
import type { FileChange } from './tree-write.ts';

export function gitReads(ctx: RepoCtx) {
  return {
    /** Branch, tag, full ref or oid → commit oid; null when it does not exist. */
    resolveRef: (name: string): Promise<string | null> => resolveCommitish(ctx, name),
    /** What a person types for a commit (a short sha, `main~2`, `v0.1.0^`…) → its oid, or why it names none. */
    revParse: (text: string): Promise<RevParse> => revParse(ctx, text),
    /** The best common ancestor of two commits (`git merge-base`), or null when they share none. */
    mergeBase: async (a: string, b: string): Promise<string | null> => (await findMergeBase(ctx, [a, b]))[0] ?? null,
    listBranches: (): Promise<string[]> => listRefNames(ctx, 'refs/heads'),
    listTags: (): Promise<string[]> => listRefNames(ctx, 'refs/tags'),
    headBranch: async (): Promise<string | null> => {
      const ref = await headBranch(ctx);
      return ref === null ? null : shortName(ref);
    },
    isAncestor: async (ancestor: string, descendant: string): Promise<boolean> =>
      isAncestor(ctx, await requireCommit(ctx, ancestor), await requireCommit(ctx, descendant)),

    readNote: (oid: string): Promise<string | null> => readNote(ctx, oid),

    /**
     * Makes `dir` a worktree of commit `oid` (an agent workspace, a QA checkout; see materialize.ts), kept
     * detached; `keep` names top-level untracked paths to leave in place besides what git ignores, and
     * `pristine` removes what git ignores too (a QA checkout reused for another run of the same commit).
     */
    async materialize(input: {
      oid: string;
      dir: string;
      keep?: readonly string[];
      pristine?: boolean;
    }): Promise<MaterializeResult & { commit: string }> {
      const commit = await requireCommit(ctx, input.oid);
      const tree = await treeOfCommit(ctx, commit);
      const opts = { commit, tree, dir: input.dir, keep: input.keep, pristine: input.pristine === true };
      return { commit, ...(await materializeTree(ctx, opts)) };
    },

    /** The change set of a workspace against commit `oid`, ready for commitChanges. */
    async changesInDir(input: {
      oid: string;
      dir: string;
      ignore?: (relPath: string) => boolean;
    }): Promise<FileChange[]> {
      const tree = await treeOfCommit(ctx, await requireCommit(ctx, input.oid));
      const commit = await requireCommit(ctx, input.oid);
      return changesInDir(ctx, { commit, tree, dir: input.dir, ignore: input.ignore });
    },

    /**
     * One file's text at a commit, or null when the path is missing or not a file. Walked tree by tree through
     * the loose-object reader (objects.ts), not isomorphic-git's pure-JS inflate: the QA gate reads each
     * required doc at the release tag this way.
     */
    async readFileAt(input: { oid: string; path: string }): Promise<string | null> {
      let tree: string | null = await treeOfCommit(ctx, await requireCommit(ctx, input.oid));
      const parts = input.path.split('/').filter((p) => p.length > 0);
      for (const [i, name] of parts.entries()) {
        const entries: Entry[] = await readTreeEntries(ctx, tree);
        const entry = entries.find((e) => e.path === name);
        if (!entry) return null;
        const last = i === parts.length - 1;
        if (!last) {
          if (entry.mode !== MODE_TREE) return null;
          tree = entry.oid;
        } else if (entry.mode === MODE_TREE || entry.mode === MODE_GITLINK) return null;
        else return Buffer.from(await readBlob(ctx, entry.oid)).toString('utf8');
      }
      return null;
    },

    async listFilesAt(oid: string): Promise<string[]> {
      const files = await listTreeFiles(ctx, await treeOfCommit(ctx, await requireCommit(ctx, oid)));
      return [...files.keys()].sort();
    },

    async logBranch(name: string, limit = 50): Promise<LogEntry[]> {
      return logFrom(ctx, await requireCommit(ctx, name), limit);
    },

    /** What `include` has that `exclude` has not (`git log include ^exclude`), read no further back than that. */
    async logBetween(include: string, exclude: string | null): Promise<LogEntry[]> {
      return logBetween(ctx, await requireCommit(ctx, include), exclude && (await requireCommit(ctx, exclude)));
    },

    /** Modified, staged, deleted and untracked paths of the user's checkout; empty when clean. */
    isWorkingTreeDirty: (opts: { ignore?: (relPath: string) => boolean } = {}): Promise<string[]> =>
      dirtyPaths(ctx, opts.ignore),
    /** Which of `paths` differ from HEAD in the user's checkout (modified, staged, deleted or untracked). */
    dirtyAmong: (paths: readonly string[]): Promise<string[]> => dirtyAmong(ctx, paths),

    /**
     * Changes between two commits (`from: null` = the empty tree). `content: false` = name-status only;
     * `patch: false` = contents without a unified patch (the UI diffs the contents itself).
     */
    async diff(input: {
      from: string | null;
      to: string;
      content?: boolean;
      patch?: boolean;
    }): Promise<{ files: FileDiff[] }> {
      const from = input.from === null ? EMPTY_TREE : await treeOfCommit(ctx, await requireCommit(ctx, input.from));
      const to = await treeOfCommit(ctx, await requireCommit(ctx, input.to));
      return { files: await diffTrees(ctx, { from, to, content: input.content ?? true, patch: input.patch ?? true }) };
    },
  };
}
