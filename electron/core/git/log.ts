/** Branch history with Governor's trailers parsed, for the UI timeline and `/status git`. */
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
  const commits = await logCommits(ctx, commitOid, limit);
  return commits.map(({ oid, commit }) => {
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
  });
}
