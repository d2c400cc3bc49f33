import pc from 'picocolors';
import { InvalidInputError } from '../../core/errors.ts';
import type { GitService } from '../../core/git/service.ts';

/** git's own bound on a ref name is far above this; no branch, tag or sha a human types is longer. */
const MAX_REV = 256;

async function resolveSide(git: GitService, name: string): Promise<string> {
  if (name.length === 0) throw new InvalidInputError('a range needs both ends, as in develop..phase1/implementer');
  if (name.length > MAX_REV)
    throw new InvalidInputError(
      `"${name.slice(0, 40)}…" is ${name.length} characters; a branch, tag or commit is at most ${MAX_REV}`,
    );
  const oid = await git.resolveRef(name);
  if (!oid) throw new InvalidInputError(`"${name}" is not a branch, tag or commit in this repository`);
  return oid;
}

/**
 * Parsed as git does: `A..B` is B against A; `A...B` is B against the merge base of A and B (what B
 * brings); a single `X` is the change X made against its first parent. `A..B..C` and the like are refused.
 */
export async function resolveRange(
  git: GitService,
  spec: string,
): Promise<{ from: string | null; to: string; label: string }> {
  if (spec.length > 2 * MAX_REV + 3)
    throw new InvalidInputError(`the range is ${spec.length} characters; each end is at most ${MAX_REV}`);
  const sym = spec.split('...');
  if (sym.length > 2 || (sym.length === 2 && sym.some((s) => s.includes('..'))))
    throw new InvalidInputError(`"${spec}" is not a range; use A..B or A...B`);
  if (sym.length === 2) {
    const [a = '', b = ''] = sym;
    const [x, to] = [await resolveSide(git, a), await resolveSide(git, b)];
    const base = await git.mergeBase(x, to);
    if (!base) throw new InvalidInputError(`${a} and ${b} have no common ancestor; use ${a}..${b}`);
    return { from: base, to, label: `${spec} (since merge base ${base.slice(0, 7)})` };
  }
  const parts = spec.split('..');
  if (parts.length > 2) throw new InvalidInputError(`"${spec}" is not a range; use A..B or A...B`);
  if (parts.length === 2) {
    const [a = '', b = ''] = parts;
    return { from: await resolveSide(git, a), to: await resolveSide(git, b), label: spec };
  }
  const to = await resolveSide(git, spec);
  const [c] = await git.logBranch(to, 1);
  return { from: c?.parents[0] ?? null, to, label: `${spec} (${c?.subject ?? ''})` };
}

/** Name-status first, then a unified patch per file, the way `git diff --stat`-minded people read it. */
export async function printDiff(git: GitService, spec: string, opts: { nameOnly: boolean }): Promise<void> {
  const range = await resolveRange(git, spec);
  const { files } = await git.diff({ from: range.from, to: range.to, content: !opts.nameOnly });
  console.log(pc.bold(`${range.label}: ${files.length} file(s) changed`));
  for (const f of files) {
    const status = f.status === 'A' ? pc.green('A') : f.status === 'D' ? pc.red('D') : pc.yellow('M');
    const binary = f.binary ? pc.dim('  (binary)') : '';
    const truncated = f.truncated ? pc.dim('  (over 1 MB: truncated, no patch)') : '';
    console.log(`${status}\t${f.path}${binary}${truncated}`);
  }
  if (opts.nameOnly) return;
  for (const f of files) {
    if (!f.patch) continue;
    console.log('');
    for (const line of f.patch.split('\n').slice(1)) {
      console.log(
        line.startsWith('+') && !line.startsWith('+++')
          ? pc.green(line)
          : line.startsWith('-') && !line.startsWith('---')
            ? pc.red(line)
            : line.startsWith('@@')
              ? pc.cyan(line)
              : line,
      );
    }
  }
}
