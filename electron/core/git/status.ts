import type { Reader } from '../store/read.ts';
import type { GitService } from './service.ts';

/** The `/status git` reply: branches with ahead/behind against develop, the last gate merge and the last tag. */
export async function gitStatusText(p: { git: GitService; read: Reader }): Promise<string> {
  const lines = ['🌿 Git Status'];
  const develop = await p.git.resolveRef('develop');
  const main = await p.git.resolveRef('main');
  lines.push(`main: ${main?.slice(0, 7) ?? '—'}   develop: ${develop?.slice(0, 7) ?? '—'}`);
  for (const b of await p.git.listBranches()) {
    if (b === 'main' || b === 'develop') continue;
    const tip = await p.git.resolveRef(b);
    if (!tip || !develop) continue;
    const merged = await p.git.isAncestor(tip, develop);
    lines.push(`${b}: ${tip.slice(0, 7)}${merged ? ' (merged into develop)' : ' (not yet on develop)'}`);
  }
  const actions = p.read.gitActions();
  const merge = actions.filter((a) => a.action === 'merge' && a.target === 'develop').at(-1);
  const tag = actions.filter((a) => a.action === 'tag').at(-1);
  const failure = actions.filter((a) => a.action === 'failure').at(-1);
  lines.push(`Last gate merge: ${merge ? `${merge.source} → develop at ${merge.timestamp}` : 'none yet'}`);
  lines.push(`Last tag: ${tag ? `${tag.target} at ${tag.timestamp}` : 'none yet'}`);
  if (failure) lines.push(`Last failure: ${failure.message} (${failure.timestamp})`);
  return lines.join('\n');
}
