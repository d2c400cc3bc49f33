/**
 * GitService: every git write Governor makes goes through here.
 *
 * - One serialized writer per repository (queue.ts): isomorphic-git has no ref locks.
 * - No index and no HEAD for agent work: a commit is built from the set of changed paths on top
 *   of the branch tip's tree (tree-write.ts), so parallel implementers never share an index and
 *   the user's checkout is never touched by agent commits. Agents edit detached git worktrees
 *   (in the cache folder, see work-dirs.ts and materialize.ts), refreshed by the git CLI.
 * - Protection is checked before any object is written (protect.ts): a refusal changes nothing.
 * - Merges and reverts are three-way tree merges over objects (merge.ts), never the working tree.
 */
import path from 'node:path';
import { iso } from './iso.ts';
import type { Actor } from '../../../shared/domain/common.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.ts';
import { withCheckoutSync, type CheckoutSync } from './checkout.ts';
import { stagePaths, syncCheckoutPaths, type CheckoutSyncInput, type CheckoutSyncResult } from './checkout-sync.ts';
import { mergeCommitOnto, mergeTrees, previewMerge, type ConflictRule, type MergePreview } from './merge.ts';
import { buildMessage, parseMessage, signatureOf, toSeconds, type GitTime, type Signer } from './message.ts';
import { isRepository, prepareEnsureRepo } from './init.ts';
import { appendNote, appendNotes } from './notes.ts';
import {
  requireObject,
  isAncestor,
  readCommit,
  treeOfCommit,
  writeCommitObject,
  writeTagObject,
  writeBlob,
} from './objects.ts';
import { requireCommit, resolveCommitish, resolveFullRef, writeRefOid } from './ref-store.ts';
import { assertMayWrite, type GitWriteAction } from './protect.ts';
import { queueFor } from './queue.ts';
import { branchRef, isOid, shortName, tagRef } from './refs.ts';
import { repoFs, type RepoCtx } from './repo-fs.ts';
import type { CommitSigner } from './signing.ts';
import { gitReads } from './service-reads.ts';
import { writeTreeWithChanges } from './tree-write.ts';
import type {
  CommitChangesInput,
  CommitChangesResult,
  EnsureRepoInput,
  EnsureRepoResult,
  MergeChainInput,
  MergeChainOutcome,
  MergeChainStep,
  MergeNoFFInput,
  MergeOutcome,
  RevertMergeInput,
  TagInput,
  UpdateRefInput,
} from './types.ts';

export type GitService = ReturnType<typeof createGitService>;

const DEVELOP = 'refs/heads/develop';

/**
 * `signer` (see signing.ts `loadSigner`) PGP-signs every commit and annotated tag this service
 * writes: agent commits, merges, reverts, audit-note commits and the initial commit alike.
 */
export function createGitService(options: { dir: string; signer?: CommitSigner | undefined }) {
  const dir = path.resolve(options.dir);
  const ctx: RepoCtx = { dir, gitdir: path.join(dir, '.git'), fs: repoFs, cache: {}, signer: options.signer };
  const serialize = queueFor(ctx.gitdir);

  const isRepo = (): Promise<boolean> => isRepository(ctx);

  /** Moves a ref after the queue has re-checked its tip; optionally brings a clean user checkout along. */
  async function moveRef(
    ref: string,
    oid: string,
    syncCheckout: boolean | undefined,
  ): Promise<CheckoutSync | undefined> {
    if (!syncCheckout) {
      writeRefOid(ctx, ref, oid);
      return undefined;
    }
    return (await withCheckoutSync(ctx, ref, () => writeRefOid(ctx, ref, oid))).checkout;
  }

  async function requireBranchTip(ref: string): Promise<string> {
    const tip = await resolveFullRef(ctx, ref);
    if (tip === null) throw new NotFoundError('branch', shortName(ref));
    return tip;
  }

  return {
    dir,
    isRepo,
    ...gitReads(ctx),

    /**
     * Creates the repository (main + develop at one initial commit, written to the checkout and
     * staged so `git status` is clean), or makes sure an existing one has main and develop.
     */
    async ensureRepo(input: EnsureRepoInput): Promise<EnsureRepoResult> {
      const run = prepareEnsureRepo(input);
      return serialize(() => run(ctx));
    },

    /** Creates `name` at `from` (ref or oid). Existing branch: left where it is. */
    async createBranch(input: {
      name: string;
      from: string;
      actor: Actor;
    }): Promise<{ oid: string; created: boolean }> {
      const ref = branchRef(input.name);
      assertMayWrite(ref, input.actor, 'branch');
      return serialize(async () => {
        const existing = await resolveFullRef(ctx, ref);
        if (existing !== null) return { oid: existing, created: false };
        const oid = await requireCommit(ctx, input.from);
        writeRefOid(ctx, ref, oid);
        return { oid, created: true };
      });
    },

    /**
     * Commits `changes` on top of the branch tip (creating the branch from develop if needed).
     * Cost is O(changed paths). Re-running the same changes commits nothing and returns the tip.
     */
    async commitChanges(input: CommitChangesInput): Promise<CommitChangesResult> {
      const ref = branchRef(input.branch);
      assertMayWrite(ref, input.actor, input.action ?? 'commit');
      const { message, who } = authored(input);
      return serialize(async () => {
        const tip = await resolveFullRef(ctx, ref);
        const parent = tip ?? (await requireBranchTip(DEVELOP));
        const expected = input.expectedParent;
        if (expected !== undefined && expected !== parent && !(tip === null && expected === null)) {
          throw new ConflictError(
            `${input.branch} is at ${tip ?? `(new, from develop ${parent})`}, not ${String(expected)}`,
          );
        }
        const parentTree = await treeOfCommit(ctx, parent);
        const { tree, changed } = await writeTreeWithChanges(ctx, parentTree, input.changes);
        if (tree === parentTree) {
          if (tip === null) writeRefOid(ctx, ref, parent);
          return { oid: parent, parent, files: [], committed: false, createdBranch: tip === null };
        }
        const oid = await writeCommitObject(ctx, { message, tree, parent: [parent], author: who, committer: who });
        writeRefOid(ctx, ref, oid);
        return { oid, parent, files: changed, committed: true, createdBranch: tip === null };
      });
    },

    /**
     * A merge commit with two parents (first = ours), even when a fast-forward was possible.
     * On conflict nothing is written and the conflicting paths are listed.
     */
    async mergeNoFF(input: MergeNoFFInput): Promise<MergeOutcome> {
      const ref = input.updateRef ? branchRef(input.ours) : null;
      if (ref !== null) assertMayWrite(ref, input.actor, input.action);
      const { message, who } = authored(input);
      return serialize(async () => {
        const oursOid = ref !== null ? await requireBranchTip(ref) : await requireCommit(ctx, input.ours);
        if (input.expectedOurs !== undefined && input.expectedOurs !== oursOid) {
          throw new ConflictError(`${input.ours} is at ${oursOid}, not ${input.expectedOurs}`);
        }
        const theirsOid = await requireCommit(ctx, input.theirs);
        const step = await mergeCommitOnto(ctx, { oursOid, theirsOid, message, author: who, rule: input.rule });
        if (!step.ok || step.alreadyMerged || ref === null) return step;
        const checkout = await moveRef(ref, step.oid, input.syncCheckout);
        return checkout === undefined ? step : { ...step, checkout };
      });
    },

    /**
     * What merging `theirs` into `ours` would give, without writing a commit or moving a ref: the
     * conflicts, or the paths the merge would change on `ours`. Trees are written only when clean.
     */
    async previewMerge(input: { ours: string; theirs: string; rule?: ConflictRule }): Promise<MergePreview> {
      const [ours, theirs] = [await requireCommit(ctx, input.ours), await requireCommit(ctx, input.theirs)];
      return previewMerge(ctx, { ours, theirs, rule: input.rule, names: [input.ours, input.theirs] });
    },

    /**
     * The QA gate's candidate: agent branches merged one after another (a chain of no-ff merge
     * commits) on top of `base`, without moving any ref. `updateRef` later moves develop to it,
     * with `expected: result.base` so a develop that moved meanwhile is not overwritten.
     */
    async mergeCommits(input: MergeChainInput): Promise<MergeChainOutcome> {
      const who = signatureOf(input.actor, input.timestamp);
      const messages = input.merges.map((m) =>
        buildMessage({ subject: m.subject, body: m.body, actor: input.actor, auditId: m.auditId }),
      );
      return serialize(async () => {
        const base = await requireCommit(ctx, input.base);
        const steps: MergeChainStep[] = [];
        let current = base;
        for (const [i, m] of input.merges.entries()) {
          const theirsOid = await requireCommit(ctx, m.theirs);
          const step = await mergeCommitOnto(ctx, {
            oursOid: current,
            theirsOid,
            message: messages[i] as string,
            author: who,
          });
          if (!step.ok)
            return { ok: false, base, failed: m.theirs, conflicts: step.conflicts, reason: step.reason, steps };
          steps.push({ theirs: m.theirs, oid: step.oid, alreadyMerged: step.alreadyMerged });
          current = step.oid;
        }
        return { ok: true, base, oid: current, steps };
      });
    },

    /** Moves a branch forward to `oid` (fast-forward only; see revertMerge for going back). */
    async updateRef(input: UpdateRefInput): Promise<{ previous: string | null; oid: string; checkout?: CheckoutSync }> {
      const ref = branchRef(input.name);
      assertMayWrite(ref, input.actor, input.action);
      return serialize(async () => {
        const previous = await resolveFullRef(ctx, ref);
        if (input.expected !== undefined && input.expected !== previous) {
          throw new ConflictError(`${input.name} is at ${previous ?? '(absent)'}, not ${input.expected ?? '(absent)'}`);
        }
        const oid = await requireCommit(ctx, input.oid);
        if (previous !== null && !(await isAncestor(ctx, previous, oid))) {
          throw new ConflictError(
            `moving ${input.name} to ${oid} would drop commits: not a fast-forward of ${previous}`,
          );
        }
        if (previous === oid) return { previous, oid };
        const checkout = await moveRef(ref, oid, input.syncCheckout);
        return checkout === undefined ? { previous, oid } : { previous, oid, checkout };
      });
    },

    /**
     * isomorphic-git has no revert. The inverse of merge M (M → M's first parent) is merged onto
     * the branch tip; when M is the tip this commits exactly the tree of M's first parent.
     */
    async revertMerge(input: RevertMergeInput): Promise<MergeOutcome> {
      const ref = branchRef(input.branch);
      assertMayWrite(ref, input.actor, input.action ?? 'rollback');
      return serialize(async () => {
        const tip = await requireBranchTip(ref);
        const merge = await requireCommit(ctx, input.merge);
        const m = await readCommit(ctx, merge);
        const first = m.parent[0];
        if (first === undefined)
          throw new InvalidInputError(`${merge} is a root commit; there is nothing to revert to`);
        if (!(await isAncestor(ctx, merge, tip))) throw new InvalidInputError(`${merge} is not on ${input.branch}`);
        const tipTree = await treeOfCommit(ctx, tip);
        const merged = await mergeTrees(ctx, m.tree, tipTree, await treeOfCommit(ctx, first));
        if (!merged.ok)
          return {
            ok: false,
            conflicts: merged.conflicts,
            reason: `revert conflicts in ${merged.conflicts.length} path(s)`,
          };
        if (merged.tree === tipTree) return { ok: true, oid: tip, parents: null, alreadyMerged: true };
        const subject = input.subject ?? `revert: ${parseMessage(m.message).subject}`.slice(0, 200);
        const body = [
          `This reverts commit ${merge}, restoring the tree of its first parent ${first}.`,
          input.body ?? '',
        ]
          .join('\n\n')
          .trim();
        const who = signatureOf(input.actor, input.timestamp);
        const message = buildMessage({ subject, body, actor: input.actor, auditId: input.auditId });
        const oid = await writeCommitObject(ctx, {
          message,
          tree: merged.tree,
          parent: [tip],
          author: who,
          committer: who,
        });
        const checkout = await moveRef(ref, oid, input.syncCheckout);
        const result: MergeOutcome = { ok: true, oid, parents: null, alreadyMerged: false };
        return checkout === undefined ? result : { ...result, checkout };
      });
    },

    /** An annotated tag object + ref. The same tag on the same commit again is a no-op. */
    async tagAnnotated(input: TagInput): Promise<{ oid: string; target: string; created: boolean }> {
      const ref = tagRef(input.name);
      assertMayWrite(ref, input.actor, 'tag');
      const text = input.message.replace(/\r\n/g, '\n').trim();
      const message = `${text}\n${input.auditId !== undefined ? `\nAudit-ID: ${input.auditId}\n` : ''}`;
      const tagger = signatureOf(input.tagger ?? input.actor, input.timestamp);
      return serialize(async () => {
        const target = await requireCommit(ctx, input.oid);
        const existing = await resolveFullRef(ctx, ref);
        if (existing !== null) {
          if ((await resolveCommitish(ctx, existing)) === target) return { oid: existing, target, created: false };
          throw new ConflictError(`tag ${input.name} already exists on another commit`);
        }
        const tag = { object: target, type: 'commit' as const, tag: shortName(ref), tagger, message };
        const oid = await writeTagObject(ctx, tag);
        writeRefOid(ctx, ref, oid);
        return { oid, target, created: true };
      });
    },

    /** Appends to the audit note of `oid` under refs/notes/audit (replays do not duplicate). */
    async addNote(input: {
      oid: string;
      note: string;
      timestamp: GitTime;
      auditId?: string;
    }): Promise<{ commit: string; changed: boolean }> {
      toSeconds(input.timestamp);
      return serialize(async () => {
        await requireObject(ctx, input.oid);
        return appendNote(ctx, input);
      });
    },
    /** `addNote` for several notes at once, in one notes commit (see `appendNotes`); `commit`: the ref after. */
    async addNotes(
      inputs: ReadonlyArray<{ oid: string; note: string; timestamp: GitTime; auditId?: string }>,
    ): Promise<{ commit: string | null; changed: number }> {
      for (const i of inputs) toSeconds(i.timestamp);
      return serialize(async () => {
        for (const oid of new Set(inputs.map((i) => i.oid))) await requireObject(ctx, oid);
        return appendNotes(ctx, inputs);
      });
    },
    /** Store a blob now (a sealed audit segment) so that a later commit can name it without reading it. */
    storeBlob(content: Uint8Array): Promise<string> {
      return writeBlob(ctx, content);
    },

    /** After a promotion moved the user's checked-out branch: bring working tree and index along, resumably. */
    syncCheckout: (input: CheckoutSyncInput): Promise<CheckoutSyncResult> =>
      serialize(() => syncCheckoutPaths(ctx, input)),
    /** Stage `paths` of the user's checkout as they are on disk (after committing them for the human). */
    stagePaths: (paths: readonly string[]): Promise<void> => serialize(() => stagePaths(ctx, paths)),

    /**
     * Crash recovery only: puts a ref back where the ledger says it was, bypassing the branching
     * rules (the ledger is the authority). Ordinary writes use updateRef.
     */
    async setRef(input: { name: string; oid: string }): Promise<{ previous: string | null }> {
      const ref = branchRef(input.name);
      if (!isOid(input.oid)) throw new InvalidInputError(`setRef needs a full object id, not "${input.oid}"`);
      return serialize(async () => {
        const previous = await resolveFullRef(ctx, ref);
        writeRefOid(ctx, ref, input.oid);
        return { previous };
      });
    },

    /** Crash recovery only: removes a ref that has no ledger record. */
    async deleteRef(input: { name: string }): Promise<{ previous: string | null }> {
      const ref = branchRef(input.name);
      return serialize(async () => {
        const previous = await resolveFullRef(ctx, ref);
        if (previous !== null) await (await iso()).deleteRef({ fs: ctx.fs, gitdir: ctx.gitdir, ref });
        return { previous };
      });
    },

    /** Deletes a branch under the branching rules (e.g. System archiving an idle experiment). */
    async deleteBranch(input: {
      name: string;
      actor: Actor;
      action: GitWriteAction;
    }): Promise<{ previous: string | null }> {
      const ref = branchRef(input.name);
      assertMayWrite(ref, input.actor, input.action);
      return serialize(async () => {
        const previous = await resolveFullRef(ctx, ref);
        if (previous !== null) await (await iso()).deleteRef({ fs: ctx.fs, gitdir: ctx.gitdir, ref });
        return { previous };
      });
    },
  };
}

/**
 * The message (with its Audit-ID trailer) and signature of a commit Governor writes for someone: the
 * author when one is named (the human's identity), otherwise the acting agent.
 */
function authored(input: {
  subject: string;
  body?: string | undefined;
  actor: Signer;
  author?: Signer | undefined;
  auditId?: string | undefined;
  timestamp: GitTime;
}): { message: string; who: ReturnType<typeof signatureOf> } {
  const by = input.author ?? input.actor;
  return {
    message: buildMessage({ subject: input.subject, body: input.body, actor: by, auditId: input.auditId }),
    who: signatureOf(by, input.timestamp),
  };
}
