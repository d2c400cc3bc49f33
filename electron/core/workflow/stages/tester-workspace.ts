import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { layOver } from '../../agents/workers/git-workspace.ts';
import { recordLaidOver, removeLaidOver } from '../../git/strays.ts';
import type { Engine } from '../engine.ts';
import { phaseBranchTips } from './candidate.ts';

/** The newest commit of `branch` that develop already has: where the branch's own work starts. */
async function forkPoint(e: Engine, develop: string, onDevelop: ReadonlySet<string>, branch: string): Promise<string> {
  for (const c of await e.git.logBranch(branch, 5000)) if (onDevelop.has(c.oid)) return c.oid;
  return develop;
}

/**
 * The Tester's workspace holds the implementation it tests: develop, with every agent branch of the phase
 * laid over it (each branch's own changes since it left develop, in pipeline order, the Tester's own
 * last). It is written as files, not as merge commits: nothing is added to the repository for it, so the
 * history stays free of objects nobody refers to. The QA gate still tests the real merge of the branches.
 * Returns the branches laid over, and files it could not carry (binary or very large ones).
 */
export async function prepareTesterWorkspace(
  e: Engine,
  phase: number,
  testerBranch: string,
  root: string,
): Promise<{ branches: string[]; skipped: string[] }> {
  const develop = await e.git.resolveRef('develop');
  if (!develop) throw new Error('the repository has no develop branch');
  const tips = (await phaseBranchTips(e, phase)).sort(
    (a, b) => Number(a.branch === testerBranch) - Number(b.branch === testerBranch),
  );
  const branches = tips.map((b) => b.branch);
  // Each branch's own changes, read before the refresh: their paths are strays in the workspace if an
  // earlier turn laid them over (or the Tester wrote them), removed in process ahead of it.
  const layers: Array<{ branch: string; files: Awaited<ReturnType<Engine['git']['diff']>>['files'] }> = [];
  // develop's history is read once for every branch's fork point, not once per branch.
  let onDevelop: Set<string> | null = null;
  for (const { branch, tip } of tips) {
    if (tip === develop) continue;
    onDevelop ??= new Set((await e.git.logBranch(develop, 5000)).map((c) => c.oid));
    const { files } = await e.git.diff({ from: await forkPoint(e, develop, onDevelop, tip), to: tip, content: true });
    layers.push({ branch, files });
  }
  await removeLaidOver(
    root,
    layers.flatMap((l) => l.files.map((f) => f.path)),
  );
  await e.git.materialize({ oid: develop, dir: root });
  const skipped: string[] = [];
  const written: string[] = [];
  // Synchronous writes, one mkdir per folder: a few small files, where each call through the thread pool
  // costs a round trip.
  const made = new Set<string>();
  for (const { branch, files } of layers) {
    for (const f of files) {
      const full = join(root, f.path);
      if (f.status === 'D') {
        rmSync(full, { force: true });
      } else if (f.binary || f.truncated || f.newContent === null) {
        skipped.push(`${branch}:${f.path}`);
      } else {
        if (!made.has(dirname(full))) mkdirSync(dirname(full), { recursive: true });
        made.add(dirname(full));
        writeFileSync(full, f.newContent);
        written.push(f.path);
      }
    }
  }
  // Recorded so the next refresh removes them in process, not through `git status` and `git clean`.
  await recordLaidOver(root, written);
  return { branches, skipped };
}

/**
 * The same for a coding agent's git clone of the Tester's branch (Claude Code, or the user's own session):
 * develop and every other branch of the phase merged into the clone, as its base. Returns what did not
 * merge cleanly.
 */
export async function layTesterClone(
  e: Engine,
  phase: number,
  testerBranch: string,
  dir: string,
): Promise<{ skipped: string[] }> {
  const commits: Array<{ name: string; oid: string }> = [];
  const develop = await e.git.resolveRef('develop');
  if (develop) commits.push({ name: 'develop', oid: develop });
  for (const { branch, tip } of await phaseBranchTips(e, phase))
    if (branch !== testerBranch) commits.push({ name: branch, oid: tip });
  return layOver(dir, commits);
}
