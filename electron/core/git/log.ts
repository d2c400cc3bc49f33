/** Branch history with Governor's trailers parsed, for the UI timeline and `/status git`. */
import type { CommitObject } from 'isomorphic-git';
import { commitsBetween } from './commit-range.ts';
import { logCommits } from './commits.ts';
import { parseMessage, type Identity } from './message.ts';
import type { RepoCtx } from './repo-fs.ts';

export interface LogEntry {
  oid: string;
  parents: string[];
  subject: string;
  body: string;
  trailers: Record<string, string[]>;
  signedOffBy: string | null;
  auditId: string | null;
  author: Identity;
  committer: Identity;
  /** Author time, seconds since the epoch. */
  timestamp: number;
}

export async function logFrom(ctx: RepoCtx, commitOid: string, limit: number): Promise<LogEntry[]> {
  return (await logCommits(ctx, commitOid, limit)).map(toLogEntry);
}

/** The commits reachable from `include` and not from `exclude` (`git log include ^exclude`), newest first. */
export async function logBetween(ctx: RepoCtx, include: string, exclude: string | null): Promise<LogEntry[]> {
  return (await commitsBetween(ctx, include, exclude)).map(toLogEntry);
}

function toLogEntry({ oid, commit }: { oid: string; commit: CommitObject }): LogEntry {
  const parsed = parseMessage(commit.message);
  return {
    oid,
    parents: commit.parent,
    subject: parsed.subject,
    body: parsed.body,
    trailers: parsed.trailers,
    signedOffBy: parsed.signedOffBy,
    auditId: parsed.auditId,
    author: { name: commit.author.name, email: commit.author.email },
    committer: { name: commit.committer.name, email: commit.committer.email },
    timestamp: commit.author.timestamp,
  };
}
