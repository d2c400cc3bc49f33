/**
 * isomorphic-git, loaded on first use. Its module body takes some 50 ms to evaluate (plus compiling 230 kB),
 * and most of what Governor does with git no longer goes through it (commits, trees, refs and merge bases
 * are read and written by objects.ts, commits.ts and loose.ts): a command that only reads the ledger
 * (`governor reviews`) now starts without it, and one that needs it loads it once.
 */
import type Git from 'isomorphic-git';

let loading: Promise<typeof Git> | null = null;

export function iso(): Promise<typeof Git> {
  loading ??= import('isomorphic-git').then((m) => m.default);
  return loading;
}
