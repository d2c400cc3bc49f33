/** Inputs and outputs of the GitService verbs. */
import type { Actor } from '../../../shared/domain/common.ts';
import type { CheckoutSync } from './checkout.ts';
import type { ConflictRule } from './merge.ts';
import type { GitTime, Signer } from './message.ts';
import type { GitWriteAction } from './protect.ts';
import type { CommitFileChange, FileChange } from './tree-write.ts';

export type { FileChange } from './tree-write.ts';
export type { GitTime, Signer } from './message.ts';
export type { GitWriteAction } from './protect.ts';
export type { CheckoutSync } from './checkout.ts';
export type { ConflictRule } from './merge.ts';
export type { LogEntry } from './log.ts';

export interface EnsureRepoInput {
  /** Files of the initial commit on a brand-new repository. */
  initialFiles: Record<string, string | Uint8Array> | FileChange[];
  /** Subject of the initial commit (Conventional Commit). */
  message: string;
  /** Default System. */
  author?: Signer;
  auditId?: string;
  timestamp: GitTime;
}

export interface EnsureRepoResult {
  main: string;
  develop: string;
  /** True when this call made the initial commit. */
  created: boolean;
  /** Initial paths the user already had: their content was committed, the template was not written. */
  kept: string[];
}

export interface CommitChangesInput {
  branch: string;
  actor: Actor;
  changes: CommitFileChange[];
  subject: string;
  body?: string;
  auditId: string;
  timestamp: GitTime;
  /** The tip the caller started from (or, for a branch not created yet, develop's tip or null). */
  expectedParent?: string | null;
  /** Author, committer and sign-off when not `actor`'s identity (the human's own name on main). */
  author?: Signer;
  /** Why the ref is written, for the branching rules; default `commit`. */
  action?: GitWriteAction;
}

export interface CommitChangesResult {
  /** The new commit, or the parent when the changes were already there (nothing committed). */
  oid: string;
  parent: string;
  /** Paths whose content or mode actually changed. */
  files: string[];
  committed: boolean;
  createdBranch: boolean;
}

interface MergeMessage {
  subject: string;
  body?: string;
  auditId: string;
}

export interface MergeNoFFInput extends MergeMessage {
  ours: string;
  theirs: string;
  actor: Actor;
  action: GitWriteAction;
  timestamp: GitTime;
  /** Move `ours` to the merge commit. False builds the commit only (a QA candidate). */
  updateRef: boolean;
  expectedOurs?: string;
  /** When `ours` is the user's checked-out branch and their checkout is clean, bring it along. */
  syncCheckout?: boolean;
  /** Author, committer and sign-off when not `actor`'s identity. */
  author?: Signer;
  /** Settles paths both sides changed (exports, configuration) instead of failing the merge. */
  rule?: ConflictRule;
}

export type MergeOutcome =
  | {
      ok: true;
      oid: string;
      /** [ours, theirs] of the new merge commit; null when `theirs` was already merged. */
      parents: [string, string] | null;
      alreadyMerged: boolean;
      checkout?: CheckoutSync;
    }
  | { ok: false; conflicts: string[]; reason: string };

export interface MergeChainInput {
  /** Where the chain starts, usually `develop`; that ref is not moved. */
  base: string;
  merges: Array<{ theirs: string } & MergeMessage>;
  actor: Actor;
  timestamp: GitTime;
}

export interface MergeChainStep {
  theirs: string;
  oid: string;
  alreadyMerged: boolean;
}

export type MergeChainOutcome =
  | { ok: true; base: string; oid: string; steps: MergeChainStep[] }
  | { ok: false; base: string; failed: string; conflicts: string[]; reason: string; steps: MergeChainStep[] };

export interface UpdateRefInput {
  name: string;
  oid: string;
  actor: Actor;
  action: GitWriteAction;
  /** Compare-and-swap: the tip the caller saw (null = must not exist). */
  expected?: string | null;
  syncCheckout?: boolean;
}

export interface RevertMergeInput {
  branch: string;
  merge: string;
  actor: Actor;
  action?: GitWriteAction;
  subject?: string;
  body?: string;
  auditId: string;
  timestamp: GitTime;
  syncCheckout?: boolean;
}

export interface TagInput {
  name: string;
  oid: string;
  message: string;
  actor: Actor;
  /** Defaults to `actor`'s identity. */
  tagger?: Signer;
  auditId?: string;
  timestamp: GitTime;
}
