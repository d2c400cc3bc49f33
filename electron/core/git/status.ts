import type { Reader } from '../store/read.ts';
import type { GitService } from './service.ts';

/**
 * The `/status git` reply: main and develop, each branch ahead/behind develop, the last gate merge,
 * the last tag, the last rollback or failure, and open merge conflicts. Every count reads only the commits
 * the two branches do not share (`logBetween`), and the last actions are read by index, so the reply costs
 * the same in a project's first phase and after a year of them.
 */
export async function gitStatusText(p: { git: GitService; read: Reader }): Promise<string> {
  const lines = ['🌿 Git Status'];
  const develop = await p.git.resolveRef('develop');
  const main = await p.git.resolveRef('main');
  const ahead = async (a: string, b: string) => (await p.git.logBetween(a, b)).length;
  lines.push(`main: ${main?.slice(0, 7) ?? '—'}   develop: ${develop?.slice(0, 7) ?? '—'}`);
  if (main && develop) lines.push(`develop is ${await ahead(develop, main)} ahead of main (awaiting promotion)`);
  for (const b of await p.git.listBranches()) {
    if (b === 'main' || b === 'develop' || !develop) continue;
    const tip = await p.git.resolveRef(b);
    if (!tip) continue;
    const over = await ahead(tip, develop);
    const behind = await ahead(develop, tip);
    lines.push(`${b}: ${tip.slice(0, 7)}, ${over} ahead / ${behind} behind develop${over === 0 ? ' (merged)' : ''}`);
  }
  const merge = p.read.lastGitAction(['merge'], 'develop');
  const tag = p.read.lastGitAction(['tag']);
  const revert = p.read.lastGitAction(['revert']);
  const failure = p.read.lastGitAction(['failure', 'protect_refused']);
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
