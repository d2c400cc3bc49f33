import type { Reader } from '../store/read.ts';
import type { GitService } from './service.ts';

/** Commits reachable from `a` but not from `b` (bounded: these are the agents' short-lived branches). */
async function countAhead(git: GitService, a: string, bSet: Set<string>): Promise<number> {
  return (await git.logBranch(a, 2000)).filter((c) => !bSet.has(c.oid)).length;
}

/**
 * The `/status git` reply: main and develop, each branch ahead/behind develop, the last gate merge,
 * the last tag, the last rollback or failure, and open merge conflicts.
 */
export async function gitStatusText(p: { git: GitService; read: Reader }): Promise<string> {
  const lines = ['🌿 Git Status'];
  const develop = await p.git.resolveRef('develop');
  const main = await p.git.resolveRef('main');
  lines.push(`main: ${main?.slice(0, 7) ?? '—'}   develop: ${develop?.slice(0, 7) ?? '—'}`);
  const developSet = new Set(develop ? (await p.git.logBranch(develop, 5000)).map((c) => c.oid) : []);
  if (main && develop) {
    const mainSet = new Set((await p.git.logBranch(main, 5000)).map((c) => c.oid));
    lines.push(`develop is ${await countAhead(p.git, develop, mainSet)} ahead of main (awaiting promotion)`);
  }
  for (const b of await p.git.listBranches()) {
    if (b === 'main' || b === 'develop' || !develop) continue;
    const tip = await p.git.resolveRef(b);
    if (!tip) continue;
    const branchSet = new Set((await p.git.logBranch(tip, 2000)).map((c) => c.oid));
    const ahead = await countAhead(p.git, tip, developSet);
    const behind = await countAhead(p.git, develop, branchSet);
    lines.push(`${b}: ${tip.slice(0, 7)}, ${ahead} ahead / ${behind} behind develop${ahead === 0 ? ' (merged)' : ''}`);
  }
  const actions = p.read.gitActions();
  const merge = actions.filter((a) => a.action === 'merge' && a.target === 'develop').at(-1);
  const tag = actions.filter((a) => a.action === 'tag').at(-1);
  const revert = actions.filter((a) => a.action === 'revert').at(-1);
  const failure = actions.filter((a) => a.action === 'failure' || a.action === 'protect_refused').at(-1);
  lines.push(`Last gate merge: ${merge ? `${merge.source} → develop at ${merge.timestamp}` : 'none yet'}`);
  lines.push(`Last tag: ${tag ? `${tag.target} at ${tag.timestamp}` : 'none yet'}`);
  if (revert) lines.push(`Last rollback: ${revert.message} (${revert.timestamp})`);
  if (failure) lines.push(`Last failure: ${failure.message} (${failure.timestamp})`);
  const conflicts = p.read.openConcerns().filter((c) => c.category === 'merge_conflict');
  lines.push(
    conflicts.length
      ? `Open conflicts: ${conflicts.map((c) => `${c.id} ${c.summary}`).join('; ')}`
      : 'Open conflicts: none',
  );
  return lines.join('\n');
}
