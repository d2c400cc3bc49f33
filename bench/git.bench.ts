import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGitService, type GitService } from '../electron/core/git/service.ts';
import { type Figure, tempDir, timeAsync } from './util.ts';

/**
 * Governor's git layer (isomorphic-git, no index, trees written from the changed paths) against the
 * git CLI doing the same job, on one generated repository of 10,000 files copied twice so each side
 * works on its own identical copy. Every git CLI figure includes spawning `git` (a few ms per
 * process): an application that shelled out to git would pay exactly that, so it belongs in the
 * comparison. Each figure is the median of REPS repetitions after one untimed warm-up (JIT, page
 * cache), Governor and the CLI interleaved rep by rep so drift on the machine hits both alike.
 */

const DIRS = 100;
const FILES_PER_DIR = 100;
const REPS = 7;
const SETUP_REPS = 3;
const T0 = 1_700_000_000;

// Global and system configuration (hooks, gpg signing, fsmonitor) must not leak into the CLI
// figures; auto-gc is off because 10,000 loose objects would otherwise trigger a repack in the
// middle of a timed commit, and the two copies must stay in the same (loose-object) state.
const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  LC_ALL: 'C',
};
const GIT_CONFIG = [
  '-c',
  'user.name=Bench',
  '-c',
  'user.email=bench@example.com',
  '-c',
  'gc.auto=0',
  '-c',
  'maintenance.auto=false',
  '-c',
  'commit.gpgsign=false',
];

function git(cwd: string, args: string[]): string {
  return execFileSync('git', [...GIT_CONFIG, ...args], {
    cwd,
    env: GIT_ENV,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  }).trim();
}

const filePath = (d: number, f: number) => `d${String(d).padStart(3, '0')}/f${String(f).padStart(3, '0')}.txt`;

/** ~200 bytes of text, distinct per file and per `tag`, so every file is its own blob. */
function content(path: string, tag: string): string {
  const line = `${path} ${tag} `.padEnd(48, '.');
  return `// ${line}\n${line}\n${line}\n${line}\n`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function writeFiles(dir: string, changes: Array<{ path: string; content: string }>): void {
  for (const c of changes) writeFileSync(join(dir, c.path), c.content);
}

/** Five files in five different directories, new content every rep: the shape of a small agent commit. */
function commitChangeSet(rep: number) {
  return Array.from({ length: 5 }, (_, k) => {
    const path = filePath((rep * 5 + k) % DIRS, 10 + rep);
    return { path, content: content(path, `commit rep ${rep}`) };
  });
}

/** Three files per merge branch, in directories neither develop's own commit nor the other reps touch. */
function mergeChangeSet(rep: number) {
  return Array.from({ length: 3 }, (_, k) => {
    const path = filePath(60 + rep * 3 + k, 50);
    return { path, content: content(path, `merge branch ${rep}`) };
  });
}

interface Fixture {
  root: string;
  gov: string;
  cli: string;
  /** develop's tip; the merge bench puts develop back here after every rep. */
  develop: string;
  /** develop plus five changed files. */
  refresh: string;
  diffFrom: string;
  diffTo: string;
}

/**
 * The repository is built once with the git CLI (the fastest way to write 10,000 files into git):
 * main at the initial commit, develop one commit ahead of it (so the merges below are real
 * three-way merges, not fast-forwards forced into a merge commit), `diff-b` changing 50 files on
 * top of main, and one branch per merge rep. Then it is copied with `cp -a`, which keeps every
 * branch as a local ref (a clone would turn them into remote-tracking ones).
 */
function buildFixture(root: string): Fixture {
  const src = join(root, 'src');
  mkdirSync(src);
  git(src, ['init', '-q', '-b', 'main']);
  for (let d = 0; d < DIRS; d++) {
    mkdirSync(join(src, filePath(d, 0).split('/')[0] as string));
    for (let f = 0; f < FILES_PER_DIR; f++)
      writeFileSync(join(src, filePath(d, f)), content(filePath(d, f), 'initial'));
  }
  git(src, ['add', '-A']);
  git(src, ['commit', '-q', '-m', 'chore: initial 10,000 files']);

  // 50 changed files spread over 50 directories: the harder case for a tree walk (50 subtrees to read).
  git(src, ['checkout', '-q', '-b', 'diff-b']);
  writeFiles(
    src,
    Array.from({ length: 50 }, (_, d) => ({ path: filePath(d, 0), content: content(filePath(d, 0), 'diff-b') })),
  );
  git(src, ['commit', '-q', '-a', '-m', 'feat: change 50 files']);

  for (let rep = 0; rep <= REPS; rep++) {
    git(src, ['checkout', '-q', '-b', `merge-${rep}`, 'main']);
    writeFiles(src, mergeChangeSet(rep));
    git(src, ['commit', '-q', '-a', '-m', `feat: merge branch ${rep}`]);
  }

  git(src, ['checkout', '-q', '-b', 'develop', 'main']);
  writeFiles(
    src,
    Array.from({ length: 3 }, (_, k) => ({ path: filePath(99, k), content: content(filePath(99, k), 'develop') })),
  );
  git(src, ['commit', '-q', '-a', '-m', 'feat: develop moved on']);
  // An agent's next tip: five files changed in five directories, for the workspace refresh.
  git(src, ['checkout', '-q', '-b', 'refresh-5', 'develop']);
  writeFiles(
    src,
    Array.from({ length: 5 }, (_, k) => ({
      path: filePath(k * 7, 20),
      content: content(filePath(k * 7, 20), 'refresh'),
    })),
  );
  git(src, ['commit', '-q', '-a', '-m', 'feat: five files for the refresh']);
  git(src, ['checkout', '-q', 'main']);

  const fixture: Fixture = {
    root,
    gov: join(root, 'gov'),
    cli: join(root, 'cli'),
    develop: git(src, ['rev-parse', 'develop']),
    refresh: git(src, ['rev-parse', 'refresh-5']),
    diffFrom: git(src, ['rev-parse', 'main']),
    diffTo: git(src, ['rev-parse', 'diff-b']),
  };
  execFileSync('cp', ['-a', src, fixture.gov]);
  execFileSync('cp', ['-a', src, fixture.cli]);
  return fixture;
}

const treeOf = (repo: string, oid: string) => git(repo, ['rev-parse', `${oid}^{tree}`]);

function ratioFigures(label: string, govName: string, cliName: string, gov: number, cli: number): Figure[] {
  const ratio = gov / cli;
  return [
    { name: `${label} — Governor ${govName}`, value: gov, unit: 'ms' },
    { name: `${label} — git CLI ${cliName}`, value: cli, unit: 'ms' },
    { name: `${label}, Governor / git CLI`, value: ratio, unit: '×', budget: '≤ 2×', ok: ratio <= 2 },
  ];
}

/**
 * Refreshing an agent's workspace before its turn, as workStep does: Governor's materialize (a git
 * worktree made to match the commit exactly: strays removed, edits undone, forced checkout) against a
 * plain `git checkout` in a CLI worktree moving between the same commits. No-op: the workspace is already
 * at the commit; five files: the branch moved by five files. The Governor workspace is set up untimed.
 */
async function benchRefresh(f: Fixture, svc: GitService): Promise<Figure[]> {
  const ws = join(f.root, 'gov-refresh');
  await svc.materialize({ oid: f.develop, dir: ws });
  const wt = join(f.root, 'cli-refresh');
  git(f.cli, ['worktree', 'add', '-q', '--detach', wt, f.develop]);
  const gov = { noop: [] as number[], five: [] as number[] };
  const cli = { noop: [] as number[], five: [] as number[] };
  for (let rep = 0; rep <= REPS; rep++) {
    // Five files there and back: each direction is a five-file refresh.
    const to = rep % 2 === 0 ? f.refresh : f.develop;
    const g5 = await timeAsync(async () => {
      const r = await svc.materialize({ oid: to, dir: ws });
      if (r.written !== 5) throw new Error(`refresh wrote ${r.written} files, not 5`);
    });
    const c5 = await timeAsync(async () => void git(wt, ['checkout', '-q', '--detach', to]));
    const g0 = await timeAsync(async () => void (await svc.materialize({ oid: to, dir: ws })));
    const c0 = await timeAsync(async () => void git(wt, ['checkout', '-q', '--detach', to]));
    if (rep === 0) continue;
    gov.five.push(g5);
    cli.five.push(c5);
    gov.noop.push(g0);
    cli.noop.push(c0);
  }
  const fig = (label: string, g: number, c: number): Figure[] => [
    { name: `workspace refresh, ${label} — Governor materialize`, value: g, unit: 'ms' },
    { name: `workspace refresh, ${label} — git checkout`, value: c, unit: 'ms' },
    {
      name: `workspace refresh, ${label}, Governor / git checkout`,
      value: g / c,
      unit: '×',
      budget: '≤ 1.2×',
      ok: g / c <= 1.2,
    },
  ];
  return [...fig('no-op', median(gov.noop), median(cli.noop)), ...fig('5 files', median(gov.five), median(cli.five))];
}

/**
 * One-time setup of a workspace: Governor adds a detached worktree and checks the 10,000 files out; the
 * CLI does the same with `git worktree add`.
 */
async function benchSetup(f: Fixture, svc: GitService): Promise<Figure[]> {
  const gov: number[] = [];
  const cli: number[] = [];
  for (let rep = 0; rep < SETUP_REPS; rep++) {
    const ws = join(f.root, `gov-ws-${rep}`);
    gov.push(
      await timeAsync(async () => {
        const r = await svc.materialize({ oid: 'develop', dir: ws });
        if (r.written !== DIRS * FILES_PER_DIR) throw new Error(`materialize wrote ${r.written} files`);
      }),
    );
    const wt = join(f.root, `cli-ws-${rep}`);
    cli.push(
      await timeAsync(async () => {
        git(f.cli, ['worktree', 'add', '-q', '--detach', wt, 'develop']);
      }),
    );
  }
  return [
    { name: 'workspace setup, 10,000 files — Governor materialize', value: median(gov), unit: 'ms' },
    { name: 'workspace setup, 10,000 files — git worktree add', value: median(cli), unit: 'ms' },
  ];
}

/**
 * An agent commit of 5 files on phase1/implementer. The CLI needs a checkout and its index, so its
 * figure runs from writing the files through `git add` and `git commit` (which refreshes the
 * 10,000-entry index); Governor's is commitChanges with the same contents, which rewrites only the
 * trees along the 5 paths. The worktree itself is set up untimed (that is the setup figure).
 */
async function benchCommit(f: Fixture, svc: GitService): Promise<Figure[]> {
  const branch = 'phase1/implementer';
  await svc.createBranch({ name: branch, from: 'develop', actor: 'Implementer' });
  git(f.cli, ['branch', branch, 'develop']);
  const wt = join(f.root, 'cli-wt-implementer');
  git(f.cli, ['worktree', 'add', '-q', wt, branch]);

  const gov: number[] = [];
  const cli: number[] = [];
  for (let rep = 0; rep <= REPS; rep++) {
    const changes = commitChangeSet(rep);
    const subject = `feat(bench): change five files, rep ${rep}`;
    let govOid = '';
    const g = await timeAsync(async () => {
      const r = await svc.commitChanges({
        branch,
        actor: 'Implementer',
        changes,
        subject,
        auditId: `bench-commit-${rep}`,
        timestamp: T0 + rep,
      });
      if (!r.committed || r.files.length !== 5) throw new Error(`commitChanges committed ${r.files.length} files`);
      govOid = r.oid;
    });
    const c = await timeAsync(async () => {
      writeFiles(wt, changes);
      git(wt, ['add', '--', ...changes.map((x) => x.path)]);
      git(wt, ['commit', '-q', '-m', subject]);
    });
    // The warm-up rep doubles as a check that both sides built the same tree.
    if (rep === 0) {
      if (treeOf(f.gov, govOid) !== treeOf(wt, 'HEAD'))
        throw new Error('Governor and git CLI commits have different trees');
      continue;
    }
    gov.push(g);
    cli.push(c);
  }
  return ratioFigures('agent commit, 5 files', 'commitChanges', 'write+add+commit', median(gov), median(cli));
}

/**
 * A name-status diff of 50 changed files between two commits. `content: false` makes diff() return
 * paths, statuses, oids and modes without reading a blob, which is what `--name-status` prints.
 */
async function benchDiff(f: Fixture, svc: GitService): Promise<Figure[]> {
  const gov: number[] = [];
  const cli: number[] = [];
  for (let rep = 0; rep <= REPS; rep++) {
    let govCount = 0;
    let cliCount = 0;
    const g = await timeAsync(async () => {
      govCount = (await svc.diff({ from: f.diffFrom, to: f.diffTo, content: false })).files.length;
    });
    const c = await timeAsync(async () => {
      cliCount = git(f.cli, ['diff', '--name-status', f.diffFrom, f.diffTo]).split('\n').length;
    });
    if (govCount !== 50 || cliCount !== 50)
      throw new Error(`diff found ${govCount} (Governor) and ${cliCount} (git CLI) files, not 50`);
    if (rep === 0) continue;
    gov.push(g);
    cli.push(c);
  }
  return ratioFigures('name-status diff, 50 files', 'diff', 'diff --name-status', median(gov), median(cli));
}

/**
 * A no-ff merge of a fresh 3-file branch into develop, develop put back at the same tip after each
 * rep (Governor with setRef, the CLI with `reset --hard`, both untimed). The CLI merges in a
 * checkout of develop and so also updates its index and working files; Governor's gate merge is
 * objects and a ref only, which is all the QA gate needs: that difference is the point of the design.
 */
async function benchMerge(f: Fixture, svc: GitService): Promise<Figure[]> {
  const wt = join(f.root, 'cli-wt-develop');
  git(f.cli, ['worktree', 'add', '-q', wt, 'develop']);
  const gov: number[] = [];
  const cli: number[] = [];
  for (let rep = 0; rep <= REPS; rep++) {
    const theirs = `merge-${rep}`;
    const subject = `merge: ${theirs} into develop`;
    let govOid = '';
    const g = await timeAsync(async () => {
      const r = await svc.mergeNoFF({
        ours: 'develop',
        theirs,
        actor: 'System',
        action: 'gate_merge',
        updateRef: true,
        subject,
        auditId: `bench-merge-${rep}`,
        timestamp: T0 + rep,
      });
      if (!r.ok || r.alreadyMerged) throw new Error(`mergeNoFF of ${theirs} did not make a merge commit`);
      govOid = r.oid;
    });
    const c = await timeAsync(async () => {
      git(wt, ['merge', '--no-ff', '-q', '-m', subject, theirs]);
    });
    if (rep === 0 && treeOf(f.gov, govOid) !== treeOf(wt, 'HEAD'))
      throw new Error('Governor and git CLI merges have different trees');
    await svc.setRef({ name: 'develop', oid: f.develop });
    git(wt, ['reset', '-q', '--hard', f.develop]);
    if (rep === 0) continue;
    gov.push(g);
    cli.push(c);
  }
  return ratioFigures('no-ff merge into develop, 3 files', 'mergeNoFF', 'merge --no-ff', median(gov), median(cli));
}

export async function benchGit(): Promise<Figure[]> {
  const root = tempDir();
  try {
    const f = buildFixture(root);
    const svc = createGitService({ dir: f.gov });
    // Setup first: besides its own figure, it reads every object once, so no later figure pays a cold cache.
    return [
      ...(await benchSetup(f, svc)),
      ...(await benchRefresh(f, svc)),
      ...(await benchCommit(f, svc)),
      ...(await benchDiff(f, svc)),
      ...(await benchMerge(f, svc)),
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
