import pc from 'picocolors';
import { InvalidInputError } from '../../core/errors.ts';
import type { GitService } from '../../core/git/service.ts';

/** `A..B` between two refs or commits; a single `X` means the change X made against its first parent. */
export async function resolveRange(git: GitService, spec: string): Promise<{ from: string | null; to: string; label: string }> {
  const [a, b] = spec.includes('..') ? spec.split('..') : [null, spec];
  const to = await git.resolveRef(b ?? '');
  if (!to) throw new InvalidInputError(`"${b}" is not a branch, tag or commit in this repository`);
  if (a !== null) {
    const from = await git.resolveRef(a ?? '');
    if (!from) throw new InvalidInputError(`"${a}" is not a branch, tag or commit in this repository`);
    return { from, to, label: spec };
  }
  const [c] = await git.logBranch(to, 1);
  return { from: c?.parents[0] ?? null, to, label: `${b} (${c?.subject ?? ''})` };
}

/** Name-status first, then a unified patch per file, the way `git diff --stat`-minded people read it. */
export async function printDiff(git: GitService, spec: string, opts: { nameOnly: boolean }): Promise<void> {
  const range = await resolveRange(git, spec);
  const { files } = await git.diff({ from: range.from, to: range.to, content: !opts.nameOnly });
  console.log(pc.bold(`${range.label}: ${files.length} file(s) changed`));
  for (const f of files) console.log(`${f.status === 'A' ? pc.green('A') : f.status === 'D' ? pc.red('D') : pc.yellow('M')}\t${f.path}${f.binary ? pc.dim('  (binary)') : ''}${f.truncated ? pc.dim('  (over 1 MB: truncated, no patch)') : ''}`);
  if (opts.nameOnly) return;
  for (const f of files) {
    if (!f.patch) continue;
    console.log('');
    for (const line of f.patch.split('\n').slice(1)) {
      console.log(line.startsWith('+') && !line.startsWith('+++') ? pc.green(line) : line.startsWith('-') && !line.startsWith('---') ? pc.red(line) : line.startsWith('@@') ? pc.cyan(line) : line);
    }
  }
}
