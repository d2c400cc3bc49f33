import { chmodSync, utimesSync } from 'node:fs';
import { mkdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { loggedGit } from './support/logged-git.ts';
import { createGitService, type GitService } from '../electron/core/git/service.ts';
import { gitCli, tempDir } from './support/git-cli.ts';

/**
 * The dirty check of named paths in the user's checkout (git/dirty-check.ts), judged by `git status`: for
 * each case the in-process answer equals what the git CLI lists for those paths, and it took no git process;
 * where it cannot be sure it asks `git status` instead (one process, same answer). Governor's git processes
 * are counted through a `git` on PATH that logs each call before running the real one.
 */
const T0 = 1_767_225_600;
const log = loggedGit();

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

const FILES = {
  'README.md': '# CSV to JSON\n',
  'src/cli.js': 'main()\n',
  'src/lib/parse.js': 'parse()\n',
  'app.log': 'a tracked file the ignore rules name\n',
};

async function checkout(): Promise<{ dir: string; git: GitService }> {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  const git = createGitService({ dir });
  await git.ensureRepo({ initialFiles: FILES, message: 'chore: init', timestamp: T0 });
  expect(gitCli(dir, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('main');
  return { dir, git };
}

async function put(dir: string, rel: string, content: string): Promise<void> {
  await mkdir(dirname(join(dir, rel)), { recursive: true });
  await writeFile(join(dir, rel), content);
}

/** What the git CLI lists among `paths` (the judge). */
function gitSays(dir: string, paths: readonly string[]): string[] {
  const wanted = new Set(paths);
  const listed = gitCli(dir, 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames')
    .split('\0')
    .filter((r) => r.length > 3)
    .map((r) => r.slice(3));
  // A path staged for deletion and back on disk is listed twice (`D ` and `??`): once is enough here.
  return [...new Set(listed)].filter((p) => wanted.has(p)).sort();
}

/** Governor's answer, and the git processes it ran for it. */
async function governorSays(git: GitService, paths: readonly string[]): Promise<{ dirty: string[]; calls: string[] }> {
  log.clear();
  const dirty = await git.dirtyAmong(paths);
  return { dirty, calls: log.raw() };
}

async function agrees(dir: string, git: GitService, paths: readonly string[], expected: string[]): Promise<void> {
  const { dirty, calls } = await governorSays(git, paths);
  expect(gitSays(dir, paths)).toEqual(expected);
  expect(dirty).toEqual(expected);
  expect(calls).toEqual([]);
}

const TRACKED = Object.keys(FILES);

describe('the dirty check of named paths, in process, agrees with git status', () => {
  test('a clean checkout, and files rewritten with the same content', async () => {
    const { dir, git } = await checkout();
    await agrees(dir, git, TRACKED, []);
    // Same bytes, new stat: hashed, still clean.
    await writeFile(join(dir, 'README.md'), FILES['README.md']);
    await agrees(dir, git, TRACKED, []);
  });

  test('modified with the same size and the same mtime second (racy), deleted, staged', async () => {
    const { dir, git } = await checkout();
    const before = await stat(join(dir, 'src/cli.js'));
    await writeFile(join(dir, 'src/cli.js'), 'MAIN()\n');
    utimesSync(join(dir, 'src/cli.js'), before.atime, before.mtime);
    expect((await stat(join(dir, 'src/cli.js'))).size).toBe(before.size);
    await rm(join(dir, 'src/lib/parse.js'));
    await agrees(dir, git, TRACKED, ['src/cli.js', 'src/lib/parse.js']);
    await writeFile(join(dir, 'README.md'), 'staged\n');
    gitCli(dir, 'add', 'README.md');
    await writeFile(join(dir, 'new.txt'), 'staged new file\n');
    gitCli(dir, 'add', 'new.txt');
    await agrees(dir, git, [...TRACKED, 'new.txt'], ['README.md', 'new.txt', 'src/cli.js', 'src/lib/parse.js']);
    gitCli(dir, 'rm', '--cached', '-q', 'app.log');
    await agrees(dir, git, TRACKED, ['README.md', 'app.log', 'src/cli.js', 'src/lib/parse.js']);
  });

  test('untracked, ignored, untracked inside an ignored folder, a nested .gitignore, negated patterns', async () => {
    const { dir, git } = await checkout();
    await put(dir, '.gitignore', '*.log\nbuild/\n!build/keep.txt\n*.txt\n!keep.txt\n');
    await put(dir, 'sub/.gitignore', '*.tmp\n!keep.log\n');
    const cases = {
      'notes.md': 'untracked',
      'debug.log': 'ignored',
      'build/out.js': 'untracked inside an ignored folder',
      'build/keep.txt': 'negated, but its folder is ignored',
      'other.txt': 'ignored',
      'keep.txt': 'negated: listed',
      'deep/keep.txt': 'negated at any depth',
      'sub/a.tmp': 'ignored by the nested .gitignore',
      'a.tmp': 'the nested rule does not reach up',
      'sub/keep.log': 'the nested negation wins over the root',
      'sub/x.log': 'ignored by the root',
    };
    for (const [p, why] of Object.entries(cases)) await put(dir, p, `${why}\n`);
    await writeFile(join(dir, 'app.log'), 'tracked, so ignore rules do not apply\n');
    const paths = [...TRACKED, ...Object.keys(cases), '.gitignore', 'sub/.gitignore', 'absent.js'];
    await agrees(dir, git, paths, [
      '.gitignore',
      'a.tmp',
      'app.log',
      'deep/keep.txt',
      'keep.txt',
      'notes.md',
      'sub/.gitignore',
      'sub/keep.log',
    ]);
  });

  test('the executable bit counts only under core.fileMode', async () => {
    const { dir, git } = await checkout();
    chmodSync(join(dir, 'src/cli.js'), 0o755);
    expect(gitCli(dir, 'config', 'core.filemode').trim()).toBe('false');
    await agrees(dir, git, TRACKED, []);
    gitCli(dir, 'config', 'core.filemode', 'true');
    await agrees(dir, git, TRACKED, ['src/cli.js']);
  });

  test('.git/info/exclude, and a folder where the path was a file', async () => {
    const { dir, git } = await checkout();
    await put(dir, '.git/info/exclude', 'secret.env\n');
    await put(dir, 'secret.env', 'x\n');
    await rm(join(dir, 'README.md'));
    await put(dir, 'README.md/inside.md', 'a folder now\n');
    await agrees(dir, git, [...TRACKED, 'secret.env'], ['README.md']);
  });
});

describe('where it cannot be sure, it asks git status', () => {
  async function fallsBack(dir: string, git: GitService, paths: readonly string[]): Promise<string[]> {
    const { dirty, calls } = await governorSays(git, paths);
    expect(dirty).toEqual(gitSays(dir, paths));
    expect(calls.filter((c) => c.includes(' status '))).toHaveLength(1);
    return dirty;
  }

  test('a changed file under .gitattributes (eol, filters could convert it)', async () => {
    const { dir, git } = await checkout();
    await put(dir, '.gitattributes', '*.js text eol=crlf\n');
    gitCli(dir, 'add', '.gitattributes');
    gitCli(dir, 'commit', '-q', '-m', 'attrs');
    await writeFile(join(dir, 'src/cli.js'), 'main();\n');
    expect(await fallsBack(dir, git, TRACKED)).toEqual(['src/cli.js']);
  });

  test('skip-worktree entries, an index version 4, a symlink, ignorecase in the config', async () => {
    const { dir, git } = await checkout();
    gitCli(dir, 'update-index', '--skip-worktree', 'README.md');
    await writeFile(join(dir, 'README.md'), 'hidden from status\n');
    expect(await fallsBack(dir, git, TRACKED)).toEqual([]);
    gitCli(dir, 'update-index', '--no-skip-worktree', 'README.md');
    gitCli(dir, 'update-index', '--index-version', '4');
    expect(await fallsBack(dir, git, TRACKED)).toEqual(['README.md']);
    gitCli(dir, 'update-index', '--index-version', '2');
    await symlink('README.md', join(dir, 'link.md'));
    expect(await fallsBack(dir, git, [...TRACKED, 'link.md'])).toEqual(['README.md', 'link.md']);
    await rm(join(dir, 'link.md'));
    // The repository's config says ignoreCase (isomorphic-git's init): a name differing only in case.
    await put(dir, 'readme.md', 'same name to git\n');
    expect(await fallsBack(dir, git, [...TRACKED, 'readme.md'])).toEqual(['README.md']);
    await rm(join(dir, 'readme.md'));
    await put(dir, 'my-excludes', 'notes.md\n');
    gitCli(dir, 'config', 'core.excludesFile', join(dir, 'my-excludes'));
    await put(dir, 'notes.md', 'excluded by the configured file\n');
    expect(await fallsBack(dir, git, [...TRACKED, 'notes.md'])).toEqual(['README.md']);
  });
});
