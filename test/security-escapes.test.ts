/**
 * The 38 ways out of an implementer's workspace that the reliability run tried (10 got out), as a table:
 * the file tools, committed symlinks materialised into the workspace, and agent test code run by
 * `run_tests` inside the sandbox. Every row must leave the outside untouched and read nothing from it.
 * Then the same escapes written as test code that runs in the sandbox. Goal: 0 escapes.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PoliciesFile } from '../shared/config.ts';
import { createGitService } from '../electron/core/git/service.ts';
import { agentRunOptions } from '../electron/core/qa/confine.ts';
import { runCommand } from '../electron/core/qa/run-command.ts';
import { sandboxAvailability } from '../electron/core/sandbox/index.ts';
import { Redactor } from '../electron/core/secrets/redact.ts';
import { openWorkspace, type TrackedWorkspace } from '../electron/core/workflow/workspace.ts';
import { implementerTools, type ToolState } from '../electron/core/agents/llm/tools.ts';
import { tempDir } from './support/tmp.ts';

const SECRET = 'TOP-SECRET-7f3a9c';
/** In Governor's environment under a name no redactor knows: only the allowlist keeps it from the tests. */
const PLAIN = 'plain-value-the-tests-must-not-see-42';
const KEY = 'sk-ant-escape-test-0123456789abcdef';
const T0 = 1_767_225_600;

interface Ctx {
  base: string;
  outside: string;
  ws: string;
  files: TrackedWorkspace;
  /** Runs shell code as run_tests does: the policy's sandbox, allowlisted env, redactor. */
  testCode(script: string): Promise<string>;
  materialize(links: Record<string, string>): Promise<void>;
}

/** Every file under `dir` with its sha256: the outside must end exactly as it began. */
function fingerprint(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const d of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${d.name}` : d.name;
    if (d.isDirectory()) out.push(...fingerprint(dir, p));
    else
      out.push(
        `${p} ${createHash('sha256')
          .update(readFileSync(join(dir, p)))
          .digest('hex')}`,
      );
  }
  return out.sort();
}

const policies = PoliciesFile.parse({ merge_policy: {}, promotion_policy: {}, sandbox: { mode: 'required' } });
const redactor = new Redactor();
redactor.add(KEY);

/** What an attempt gave back (file content, command output, tool result) or threw, as text. */
async function attempt(fn: () => Promise<unknown>): Promise<string> {
  try {
    const v = await fn();
    return typeof v === 'string' ? v : JSON.stringify(v ?? null);
  } catch (err) {
    return `refused: ${err instanceof Error ? err.message : String(err)}`;
  }
}

type Row = [name: string, act: (c: Ctx) => Promise<unknown>];

const rows: Row[] = [
  // Plain paths.
  ['read an absolute path', (c) => c.files.read(join(c.outside, 'secret.txt'))],
  ['write an absolute path', (c) => c.files.write(join(c.outside, 'target.txt'), 'owned')],
  ['read ../', (c) => c.files.read('../outside/secret.txt')],
  ['write ../', (c) => c.files.write('../outside/target.txt', 'owned')],
  ['read a/../../', (c) => c.files.read('a/../../outside/secret.txt')],
  ['write a/../../ (new file)', (c) => c.files.write('a/../../outside/new.txt', 'owned')],
  ['remove an absolute path', (c) => c.files.remove(join(c.outside, 'target.txt'))],
  ['write ~/', (c) => c.files.write('~/owned.txt', 'owned')],
  ['write a drive path', (c) => c.files.write('C:/owned.txt', 'owned')],
  ['write ..\\ (backslashes)', (c) => c.files.write('..\\outside\\target.txt', 'owned')],
  // NUL bytes and reserved names.
  ['write with a NUL byte', (c) => c.files.write('ok.txt\u0000/../../outside/target.txt', 'owned')],
  ['read with a NUL byte', (c) => c.files.read('x\u0000../outside/secret.txt')],
  ['write .git/config', (c) => c.files.write('.git/config', '[core]\n\thooksPath = /tmp\n')],
  ['write .GIT/config', (c) => c.files.write('.GIT/config', 'owned')],
  ['write .Git/hooks/pre-commit', (c) => c.files.write('.Git/hooks/pre-commit', '#!/bin/sh\n')],
  ['write sub/.git/config', (c) => c.files.write('sub/.git/config', 'owned')],
  ['write .governor/', (c) => c.files.write('.governor/governor.db', 'owned')],
  // Symlinks made in the workspace.
  [
    'read through a symlinked folder',
    async (c) => {
      symlinkSync(c.outside, join(c.ws, 'dirlink'));
      return c.files.read('dirlink/secret.txt');
    },
  ],
  [
    'write through a symlinked folder',
    async (c) => {
      symlinkSync(c.outside, join(c.ws, 'dirlink2'));
      return c.files.write('dirlink2/target.txt', 'owned');
    },
  ],
  [
    'remove through a symlinked folder',
    async (c) => {
      symlinkSync(c.outside, join(c.ws, 'dirlink3'));
      return c.files.remove('dirlink3/target.txt');
    },
  ],
  [
    'read through a file symlink',
    async (c) => {
      symlinkSync(join(c.outside, 'secret.txt'), join(c.ws, 'flink'));
      return c.files.read('flink');
    },
  ],
  [
    'write through a file symlink',
    async (c) => {
      symlinkSync(join(c.outside, 'target.txt'), join(c.ws, 'flink2'));
      return c.files.write('flink2', 'owned');
    },
  ],
  [
    'write through a dangling symlink (relative)',
    async (c) => {
      symlinkSync('../outside/created.txt', join(c.ws, 'dangling'));
      return c.files.write('dangling', 'owned');
    },
  ],
  [
    'write through a dangling symlink (absolute)',
    async (c) => {
      symlinkSync(join(c.outside, 'created2.txt'), join(c.ws, 'dangling2'));
      return c.files.write('dangling2', 'owned');
    },
  ],
  [
    'write under a dangling folder symlink',
    async (c) => {
      symlinkSync(join(c.outside, 'newdir'), join(c.ws, 'dangdir'));
      return c.files.write('dangdir/x.txt', 'owned');
    },
  ],
  [
    'read through a chain of symlinks',
    async (c) => {
      symlinkSync(c.outside, join(c.ws, 'hop2'));
      symlinkSync('hop2', join(c.ws, 'hop1'));
      return c.files.read('hop1/secret.txt');
    },
  ],
  // Hard links.
  [
    'read a hard link to an outside file',
    async (c) => {
      linkSync(join(c.outside, 'secret.txt'), join(c.ws, 'hard'));
      return c.files.read('hard');
    },
  ],
  [
    'write a hard link to an outside file',
    async (c) => {
      linkSync(join(c.outside, 'target.txt'), join(c.ws, 'hard2'));
      return c.files.write('hard2', 'owned');
    },
  ],
  [
    'edit a hard link to an outside file',
    async (c) => {
      linkSync(join(c.outside, 'target.txt'), join(c.ws, 'hard3'));
      const state: ToolState = { concerns: [], variations: [], handoff: null };
      const tools = implementerTools(c.files, state);
      return tools.edit_file.execute?.(
        { path: 'hard3', search: 'original', replace: 'owned' },
        { toolCallId: 't', messages: [] },
      );
    },
  ],
  [
    'search through a symlinked folder',
    async (c) => {
      symlinkSync(c.outside, join(c.ws, 'dirlink4'));
      const tools = implementerTools(c.files, { concerns: [], variations: [], handoff: null });
      return tools.search.execute?.({ pattern: 'TOP-SECRET' }, { toolCallId: 't', messages: [] });
    },
  ],
  // Symlinks committed on a branch and materialised into the workspace.
  [
    'write through a committed absolute symlink',
    async (c) => {
      await c.materialize({ 'cabs.txt': join(c.outside, 'target.txt') });
      return c.files.write('cabs.txt', 'owned');
    },
  ],
  [
    'read through a committed ../ symlink',
    async (c) => {
      await c.materialize({ 'crel.txt': '../outside/secret.txt' });
      return c.files.read('crel.txt');
    },
  ],
  [
    'write under a committed symlinked folder',
    async (c) => {
      await c.materialize({ cdir: c.outside });
      return c.files.write('cdir/target.txt', 'owned');
    },
  ],
  // Agent test code run by run_tests, inside the sandbox.
  [
    'test code writes outside directly',
    (c) => c.testCode(`echo owned > ${c.outside}/target.txt; echo owned > ../outside/new.txt`),
  ],
  ['test code reads an outside file', (c) => c.testCode(`cat ${c.outside}/secret.txt ../outside/secret.txt`)],
  [
    'test code reads the API key',
    (c) => c.testCode('echo "key=$GOVERNOR_ESCAPE_KEY plain=$GOVERNOR_PLAIN_VALUE"; env'),
  ],
  [
    'test code plants a symlink, the file tool writes through it',
    async (c) => {
      await c.testCode(`ln -s ${c.outside}/target.txt planted`);
      return c.files.write('planted', 'owned');
    },
  ],
  [
    'test code plants a hard link, the file tool writes it',
    async (c) => {
      await c.testCode(`ln ${c.outside}/target.txt planted-hard`);
      return c.files.write('planted-hard', 'owned');
    },
  ],
];

describe('escapes from an implementer workspace', () => {
  // Without it the test-code rows pass only because `required` refuses to run them; CI installs bubblewrap.
  it.runIf(process.platform === 'linux')('has a working bubblewrap sandbox on this machine', () => {
    expect(sandboxAvailability()).toMatchObject({ tool: 'bubblewrap' });
  });

  let root: string;
  let port = 0;
  const server = createServer((s) => s.end());
  beforeAll(async () => {
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    port = (server.address() as AddressInfo).port;
    root = tempDir('governor-escape-');
    process.env.GOVERNOR_ESCAPE_KEY = KEY;
    process.env.GOVERNOR_PLAIN_VALUE = PLAIN;
  });
  afterAll(() => {
    server.close();
    delete process.env.GOVERNOR_ESCAPE_KEY;
    delete process.env.GOVERNOR_PLAIN_VALUE;
  });

  it('lists 38 attempts', () => expect(rows).toHaveLength(38));

  it.each(rows.map((r, i) => [i + 1, ...r] as const))(
    '#%i %s: nothing outside changes, nothing outside is read',
    async (n, _name, act) => {
      const base = join(root, `case-${n}`);
      const outside = join(base, 'outside');
      const repo = join(base, 'repo');
      const ws = join(base, 'ws');
      mkdirSync(outside, { recursive: true });
      mkdirSync(ws, { recursive: true });
      writeFileSync(join(outside, 'secret.txt'), `${SECRET}\n`);
      writeFileSync(join(outside, 'target.txt'), 'original\n');
      const before = fingerprint(outside);
      const ctx: Ctx = {
        base,
        outside,
        ws,
        files: openWorkspace(ws),
        async testCode(script) {
          const r = await runCommand({ command: script, cwd: ws, ...agentRunOptions({ policies, redactor }, ws) });
          return r.outputTail;
        },
        async materialize(links) {
          mkdirSync(repo, { recursive: true });
          const git = createGitService({ dir: repo });
          await git.ensureRepo({ initialFiles: { 'README.md': '# r\n' }, message: 'chore: init', timestamp: T0 });
          const changes = Object.entries(links).map(([path, target]) => ({
            path,
            content: target,
            mode: 'symlink' as const,
          }));
          const c = await git.commitChanges({
            branch: 'phase1/implementer',
            actor: 'Implementer',
            changes,
            subject: 'feat: links',
            auditId: 'evt_1',
            timestamp: T0 + 1,
          });
          await git.materialize({ oid: c.oid, dir: ws });
          // The links are there (as links inside, or as files of their text when they lead out).
          for (const path of Object.keys(links))
            expect(existsSync(join(ws, path)) || lstatSync(join(ws, path)).isSymbolicLink()).toBe(true);
        },
      };
      const result = await attempt(() => act(ctx));
      expect(result).not.toContain(SECRET);
      expect(result).not.toContain(KEY);
      expect(result).not.toContain(PLAIN);
      expect(fingerprint(outside)).toEqual(before);
      expect(existsSync(join(base, 'owned.txt'))).toBe(false);
    },
  );

  it('materialises a committed symlink leading out as a file of its text, one inside as a link', async () => {
    const repo = join(root, 'links-repo');
    const ws = join(root, 'links-ws');
    const git = createGitService({ dir: repo });
    await git.ensureRepo({ initialFiles: { 'README.md': '# r\n' }, message: 'chore: init', timestamp: T0 });
    const changes = [
      { path: 'out-abs', content: '/etc/passwd', mode: 'symlink' as const },
      { path: 'sub/out-rel', content: '../../x', mode: 'symlink' as const },
      { path: 'sub/in', content: '../README.md', mode: 'symlink' as const },
    ];
    const c = await git.commitChanges({
      branch: 'phase1/implementer',
      actor: 'Implementer',
      changes,
      subject: 'feat: links',
      auditId: 'evt_1',
      timestamp: T0 + 1,
    });
    await git.materialize({ oid: c.oid, dir: ws });
    expect(lstatSync(join(ws, 'out-abs')).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(ws, 'out-abs'), 'utf8')).toBe('/etc/passwd');
    expect(lstatSync(join(ws, 'sub/out-rel')).isSymbolicLink()).toBe(false);
    expect(lstatSync(join(ws, 'sub/in')).isSymbolicLink()).toBe(true);
    // Unchanged as far as the change set goes: the plain files stand for the links.
    expect(await git.changesInDir({ oid: c.oid, dir: ws })).toEqual([]);
  });

  /** The same escapes, written as the test code an agent commits and run_tests runs. */
  const fromTestCode: Array<[string, string]> = [
    ['write ../', 'echo owned > ../outside/target.txt'],
    ['write an absolute path', 'echo owned > "$OUT/target.txt"'],
    ['create a file outside', 'echo owned > "$OUT/created.txt"'],
    ['remove an outside file', 'rm -f "$OUT/target.txt" ../outside/target.txt'],
    ['write through its own symlink', 'ln -s "$OUT/target.txt" l && echo owned > l'],
    ['write through its own dangling symlink', 'ln -s "$OUT/created.txt" d && echo owned > d'],
    ['write through its own hard link', 'ln "$OUT/target.txt" h && echo owned > h'],
    ['read through its own symlink', 'ln -s "$OUT" s && cat s/secret.txt'],
    [
      'read the home folder and key files',
      'cat ~/.config/governor/keys.json "$REALHOME/.config/governor/keys.json"; ls -a "$REALHOME" /root',
    ],
    ['read the project ledger above the workspace', 'ls ../ ../../; cat ../../.governor/governor.db'],
    // Governor's own loopback (the host, a fake provider): a separate network namespace cannot see it.
    [
      'reach the network',
      "node -e \"require('net').connect(Number(process.env.PORT), '127.0.0.1').on('connect', () => { " +
        "console.log('CONNECTED'); process.exit(0) }).on('error', (e) => console.log(e.code))\"",
    ],
    ['read the API key from /proc of its parent', 'cat /proc/$PPID/environ /proc/1/environ 2>&1 | tr "\\0" "\\n"'],
  ];

  it.each(fromTestCode)('test code: %s', async (_name, script) => {
    const base = join(root, `code-${fromTestCode.findIndex(([n]) => n === _name)}`);
    const outside = join(base, 'outside');
    const ws = join(base, 'ws');
    mkdirSync(outside, { recursive: true });
    mkdirSync(ws, { recursive: true });
    writeFileSync(join(outside, 'secret.txt'), `${SECRET}\n`);
    writeFileSync(join(outside, 'target.txt'), 'original\n');
    const before = fingerprint(outside);
    const r = await runCommand({
      command: script,
      cwd: ws,
      env: { OUT: outside, REALHOME: process.env.HOME ?? '/root', PORT: String(port) },
      ...agentRunOptions({ policies, redactor }, ws),
    });
    expect(r.outputTail).not.toContain(SECRET);
    expect(r.outputTail).not.toContain(KEY);
    expect(r.outputTail).not.toContain(PLAIN);
    expect(r.outputTail).not.toContain('CONNECTED');
    expect(fingerprint(outside)).toEqual(before);
  });
});
