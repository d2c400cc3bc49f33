/**
 * PGP signing of the objects the GitService writes. The judge is the real git CLI with gpg: a
 * throwaway GNUPGHOME holds the test key's public half, and `git verify-commit` / `verify-tag`
 * must accept what we wrote, byte for byte.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { GovernorError } from '../electron/core/errors.ts';
import { createGitService, type GitService } from '../electron/core/git/service.ts';
import { loadSigner, signerFromPolicy, SigningKeyError, type CommitSigner } from '../electron/core/git/signing.ts';
import { openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { PoliciesFile } from '../shared/config.ts';
import { fsck, gitCli, tempDir } from './support/git-cli.ts';

const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z
const PASSPHRASE = 'correct horse battery staple';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

const hasGpg = spawnSync('gpg', ['--version'], { encoding: 'utf8' }).status === 0;
if (!hasGpg)
  console.warn(
    'git-signing: gpg is not installed; signatures are checked with openpgp only, not with `git verify-commit`',
  );

let keyDir = '';
let keyFile = '';
let publicKeyFile = '';
let gnupgHome = '';
let armoredPublic = '';

beforeAll(async () => {
  const keys = await tempDir('governor-key-');
  keyDir = keys.dir;
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name: 'Governor Test', email: 'test@agents.local' }],
    passphrase: PASSPHRASE,
    format: 'armored',
  });
  armoredPublic = publicKey;
  keyFile = join(keyDir, 'signing-key.asc');
  publicKeyFile = join(keyDir, 'public.asc');
  await writeFile(keyFile, privateKey, { mode: 0o600 });
  await writeFile(publicKeyFile, publicKey);
  if (hasGpg) {
    gnupgHome = join(keyDir, 'gnupg');
    await mkdir(gnupgHome, { mode: 0o700 });
    const r = spawnSync('gpg', ['--batch', '--import', publicKeyFile], {
      encoding: 'utf8',
      env: { ...process.env, GNUPGHOME: gnupgHome },
    });
    if (r.status !== 0) throw new Error(`gpg --import failed: ${r.stderr}`);
  }
  afterAllCleanup = keys.cleanup;
});

let afterAllCleanup: (() => Promise<void>) | null = null;
afterAll(async () => {
  // gpg may have started an agent for the throwaway home; stop that one agent, then delete the home.
  if (hasGpg && gnupgHome)
    spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME: gnupgHome } });
  await afterAllCleanup?.();
});

/** git with the throwaway keyring; the host's git and gpg configuration cannot leak in. */
function gitGpg(dir: string, ...args: string[]): { code: number; out: string } {
  const r = spawnSync('git', ['-C', dir, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      GNUPGHOME: gnupgHome,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      LC_ALL: 'C',
    },
  });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** Verifies with git + gpg when gpg exists, else with openpgp against the raw object. */
async function expectVerified(dir: string, kind: 'commit' | 'tag', oid: string): Promise<void> {
  if (hasGpg) {
    const r = gitGpg(dir, `verify-${kind}`, '-v', oid);
    expect(r.out).toContain('Good signature from "Governor Test <test@agents.local>"');
    expect(r.code).toBe(0);
    return;
  }
  const raw = gitCli(dir, 'cat-file', kind, oid);
  const { payload, signature } = kind === 'commit' ? splitCommit(raw) : splitTag(raw);
  const result = await openpgp.verify({
    message: await openpgp.createMessage({ binary: Buffer.from(payload, 'utf8') }),
    signature: await openpgp.readSignature({ armoredSignature: signature }),
    verificationKeys: await openpgp.readKey({ armoredKey: armoredPublic }),
  });
  await expect(result.signatures[0]?.verified).resolves.toBe(true);
}

/** A commit's text without its gpgsig header (the signed payload), and the signature. */
function splitCommit(raw: string): { payload: string; signature: string } {
  const lines = raw.split('\n');
  const start = lines.findIndex((l) => l.startsWith('gpgsig '));
  if (start < 0) return { payload: raw, signature: '' };
  let end = start + 1;
  while (lines[end]?.startsWith(' ')) end++;
  const signature = [lines[start]?.slice('gpgsig '.length), ...lines.slice(start + 1, end).map((l) => l.slice(1))].join(
    '\n',
  );
  return { payload: [...lines.slice(0, start), ...lines.slice(end)].join('\n'), signature };
}

function splitTag(raw: string): { payload: string; signature: string } {
  const at = raw.indexOf('-----BEGIN PGP SIGNATURE-----');
  return { payload: raw.slice(0, at), signature: raw.slice(at) };
}

function expectFsckClean(dir: string): void {
  const r = fsck(dir);
  expect(r.stderr + r.stdout).not.toMatch(/error|warning|missing|broken|bad/i);
  expect(r.code).toBe(0);
}

async function repo(signer?: CommitSigner): Promise<{ dir: string; git: GitService; main: string }> {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  const git = createGitService({ dir, signer });
  const { main } = await git.ensureRepo({
    initialFiles: { 'README.md': '# Backtester\n', 'src/app.py': 'print("hi")\n' },
    message: 'chore(governor): initialise project governance',
    auditId: 'evt_init',
    timestamp: T0,
  });
  return { dir, git, main };
}

const change = (content: string) => [{ path: 'src/app.py', content }];

describe('signed objects, checked by git verify-commit / verify-tag', () => {
  test('an agent commit carries a gpgsig header that git and gpg accept', async () => {
    const signer = await loadSigner({ keyFile, passphrase: PASSPHRASE });
    const { dir, git, main } = await repo(signer);
    const c = await git.commitChanges({
      branch: 'phase1/implementer',
      actor: 'Implementer',
      changes: change('print("signed")\n'),
      subject: 'feat(app): signed change',
      body: 'Why: the policy asks for signed commits.',
      auditId: 'evt_1',
      timestamp: T0 + 60,
    });
    expect(gitCli(dir, 'cat-file', 'commit', c.oid)).toMatch(
      /^committer .*\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n/m,
    );
    await expectVerified(dir, 'commit', c.oid);
    await expectVerified(dir, 'commit', main); // the initial commit too
    if (hasGpg) {
      const log = gitGpg(dir, 'log', '--show-signature', '-1', c.oid);
      expect(log.code).toBe(0);
      expect(log.out).toContain('Good signature');
      // Message and trailers read exactly as for an unsigned commit.
      expect(gitCli(dir, 'log', '-1', '--format=%(trailers:key=Audit-ID,valueonly)', c.oid).trim()).toBe('evt_1');
    }
    expect(await git.readFileAt({ oid: c.oid, path: 'src/app.py' })).toBe('print("signed")\n');
    expect((await git.logBranch('phase1/implementer', 1))[0]?.auditId).toBe('evt_1');
    expectFsckClean(dir);
  });

  test('merges, reverts, annotated tags and audit notes are signed as well', async () => {
    const signer = await loadSigner({ keyFile, passphrase: PASSPHRASE });
    const { dir, git } = await repo(signer);
    await git.commitChanges({
      branch: 'phase1/implementer',
      actor: 'Implementer',
      changes: change('x = 1\n'),
      subject: 'feat(app): x',
      auditId: 'evt_1',
      timestamp: T0 + 1,
    });
    const merge = await git.mergeNoFF({
      ours: 'develop',
      theirs: 'phase1/implementer',
      actor: 'System',
      action: 'gate_merge',
      subject: 'merge(phase1): implementer work',
      auditId: 'evt_m',
      timestamp: T0 + 2,
      updateRef: true,
    });
    if (!merge.ok) throw new Error(merge.reason);
    await expectVerified(dir, 'commit', merge.oid);
    expect(gitCli(dir, 'rev-list', '--parents', '-1', merge.oid).trim().split(' ')).toHaveLength(3);

    const revert = await git.revertMerge({
      branch: 'develop',
      merge: merge.oid,
      actor: 'System',
      auditId: 'evt_rb',
      timestamp: T0 + 3,
    });
    if (!revert.ok) throw new Error(revert.reason);
    await expectVerified(dir, 'commit', revert.oid);

    const tag = await git.tagAnnotated({
      name: 'v0.1.0',
      oid: merge.oid,
      message: 'Phase 1 promoted',
      actor: 'Human',
      auditId: 'evt_tag',
      timestamp: T0 + 4,
    });
    await expectVerified(dir, 'tag', tag.oid);
    expect(gitCli(dir, 'cat-file', 'tag', tag.oid)).toMatch(
      /\n\nPhase 1 promoted\n\nAudit-ID: evt_tag\n-----BEGIN PGP SIGNATURE-----\n/,
    );
    expect(gitCli(dir, 'rev-parse', 'v0.1.0^{commit}').trim()).toBe(merge.oid);

    const note = await git.addNote({ oid: merge.oid, note: 'gate passed', timestamp: T0 + 5, auditId: 'evt_note' });
    await expectVerified(dir, 'commit', note.commit);
    expect(gitCli(dir, 'notes', '--ref=audit', 'show', merge.oid).trim()).toBe('gate passed');
    expectFsckClean(dir);
  });

  test('a signed commit minus its gpgsig header is exactly the commit an unsigned service writes', async () => {
    const signer = await loadSigner({ keyFile, passphrase: PASSPHRASE });
    const plain = await repo();
    const signedRepo = await repo(); // same unsigned root, so both commits get the same parent
    expect(signedRepo.main).toBe(plain.main);
    const input = {
      branch: 'phase1/implementer',
      actor: 'Implementer',
      changes: change('y = 2\n'),
      subject: 'feat(app): y',
      auditId: 'evt_y',
      timestamp: T0 + 9,
    } as const;
    const unsigned = await plain.git.commitChanges({ ...input, changes: [...input.changes] });
    const signed = await createGitService({ dir: signedRepo.dir, signer }).commitChanges({
      ...input,
      changes: [...input.changes],
    });
    expect(signed.oid).not.toBe(unsigned.oid);
    const { payload } = splitCommit(gitCli(signedRepo.dir, 'cat-file', 'commit', signed.oid));
    expect(payload).toBe(gitCli(plain.dir, 'cat-file', 'commit', unsigned.oid));
  });

  test('without a signer nothing is signed', async () => {
    const { dir, git } = await repo();
    const c = await git.commitChanges({
      branch: 'phase1/implementer',
      actor: 'Implementer',
      changes: change('z\n'),
      subject: 'feat(app): z',
      auditId: 'evt_z',
      timestamp: T0 + 1,
    });
    const tag = await git.tagAnnotated({
      name: 'v0.0.1',
      oid: c.oid,
      message: 'unsigned',
      actor: 'Human',
      timestamp: T0 + 2,
    });
    expect(gitCli(dir, 'cat-file', 'commit', c.oid)).not.toContain('gpgsig');
    expect(gitCli(dir, 'cat-file', 'tag', tag.oid)).not.toContain('PGP SIGNATURE');
    if (hasGpg) expect(gitGpg(dir, 'verify-commit', c.oid).code).not.toBe(0);
    expectFsckClean(dir);
  });

  test('a signer that returns something other than an armored signature writes nothing', async () => {
    const { dir } = await repo();
    const git = createGitService({ dir, signer: async () => 'not a signature' });
    const signedKinds = () =>
      gitCli(dir, 'cat-file', '--batch-all-objects', '--batch-check=%(objecttype)')
        .split('\n')
        .filter((t) => t === 'commit' || t === 'tag').length;
    const before = signedKinds();
    await expect(
      git.tagAnnotated({ name: 'v0.0.2', oid: 'develop', message: 'x', actor: 'Human', timestamp: T0 + 1 }),
    ).rejects.toThrow(/ASCII-armored PGP signature/);
    await expect(
      git.commitChanges({
        branch: 'phase1/implementer',
        actor: 'Implementer',
        changes: change('w\n'),
        subject: 'feat(app): w',
        auditId: 'evt_w',
        timestamp: T0 + 1,
      }),
    ).rejects.toThrow(/ASCII-armored PGP signature/);
    expect(await git.listBranches()).toEqual(['develop', 'main']);
    expect(await git.listTags()).toEqual([]);
    // The commit's blob and tree are stored before it is signed; no commit or tag object is.
    expect(signedKinds()).toBe(before);
  });
});

describe('loadSigner', () => {
  test('a wrong passphrase is refused, naming the key file', async () => {
    const err = await loadSigner({ keyFile, passphrase: 'wrong' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SigningKeyError);
    expect((err as Error).message).toBe(`signing key ${keyFile}: wrong passphrase`);
  });

  test('a missing file, a public key, garbage and a missing passphrase are each explained', async () => {
    const missing = join(keyDir, 'nope.asc');
    await expect(loadSigner({ keyFile: missing, passphrase: PASSPHRASE })).rejects.toThrow(
      `signing key ${missing}: file not found`,
    );
    await expect(loadSigner({ keyFile: publicKeyFile })).rejects.toThrow(
      /public\.asc: is a public key; signing needs the private key/,
    );
    const garbage = join(keyDir, 'garbage.asc');
    await writeFile(garbage, 'hello\n');
    await expect(loadSigner({ keyFile: garbage })).rejects.toThrow(/garbage\.asc: not an ASCII-armored OpenPGP key/);
    await expect(loadSigner({ keyFile })).rejects.toThrow(
      /signing-key\.asc: is protected by a passphrase, and none was given/,
    );
  });

  test('an unprotected key needs no passphrase', async () => {
    const { privateKey } = await openpgp.generateKey({
      type: 'ecc',
      curve: 'ed25519Legacy',
      userIDs: [{ name: 'Open Key', email: 'open@agents.local' }],
      format: 'armored',
    });
    const file = join(keyDir, 'open.asc');
    await writeFile(file, privateKey);
    const sign = await loadSigner({ keyFile: file });
    expect(await sign('tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n')).toMatch(
      /^-----BEGIN PGP SIGNATURE-----\n[\s\S]+-----END PGP SIGNATURE-----\n?$/,
    );
  });
});

describe('signing from .project_policies.yaml', () => {
  const gitPolicy = (git: Record<string, unknown>) =>
    PoliciesFile.parse({ merge_policy: {}, promotion_policy: {}, git }).git;

  test('off by default; the existing YAML keys still validate', async () => {
    const git = PoliciesFile.parse({ merge_policy: {}, promotion_policy: {} }).git;
    expect(git).toMatchObject({ sign_commits: false });
    expect(git.signing_key_file).toBeUndefined();
    expect(git.signing_key_passphrase_env).toBeUndefined();
    expect(await signerFromPolicy({ projectDir: keyDir, git })).toBeUndefined();
  });

  test('sign_commits without a key file says what to add', async () => {
    const err = await signerFromPolicy({ projectDir: keyDir, git: gitPolicy({ sign_commits: true }) }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GovernorError);
    expect((err as GovernorError).code).toBe('signing_key_missing');
    expect((err as Error).message).toMatch(/sign_commits is true.*add `signing_key_file: /);
  });

  test('the key path is project-relative and the passphrase comes from the named variable only', async () => {
    const git = gitPolicy({
      sign_commits: true,
      signing_key_file: 'signing-key.asc',
      signing_key_passphrase_env: 'GOV_TEST_PASSPHRASE',
    });
    await expect(signerFromPolicy({ projectDir: keyDir, git, env: {} })).rejects.toThrow(
      /GOV_TEST_PASSPHRASE, which is not set/,
    );
    const signer = await signerFromPolicy({ projectDir: keyDir, git, env: { GOV_TEST_PASSPHRASE: PASSPHRASE } });
    expect(typeof signer).toBe('function');
    expect(() => gitPolicy({ sign_commits: true, signing_key_passphrase_env: 'not a name' })).toThrow();
  });

  test('openProject signs with the configured key, and refuses to open without one', async () => {
    const { dir, cleanup } = await tempDir('governor-signed-project-');
    cleanups.push(cleanup);
    await initProject(dir, { name: 'signed' });
    const policiesPath = join(dir, '.project_policies.yaml');
    const template = await readFile(policiesPath, 'utf8');
    expect(template).toMatch(/^ {2}sign_commits: false/m);

    await writeFile(policiesPath, template.replace(/^ {2}sign_commits: false/m, '  sign_commits: true'));
    await expect(openProject(dir)).rejects.toMatchObject({ code: 'signing_key_missing' });

    await writeFile(
      policiesPath,
      template.replace(
        /^ {2}sign_commits: false/m,
        `  sign_commits: true\n  signing_key_file: ${keyFile}\n  signing_key_passphrase_env: GOV_TEST_OPEN_PASSPHRASE`,
      ),
    );
    process.env.GOV_TEST_OPEN_PASSPHRASE = PASSPHRASE;
    try {
      const project = await openProject(dir);
      try {
        const c = await project.git.commitChanges({
          branch: 'phase1/implementer',
          actor: 'Implementer',
          changes: change('signed\n'),
          subject: 'feat(app): via project',
          auditId: 'evt_p',
          timestamp: T0,
        });
        await expectVerified(dir, 'commit', c.oid);
      } finally {
        project.close();
      }
    } finally {
      delete process.env.GOV_TEST_OPEN_PASSPHRASE;
    }
  });
});
