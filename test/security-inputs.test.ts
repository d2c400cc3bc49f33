/**
 * Input that validated but misbehaved, now refused with a clear error (file:line for config): escalation
 * cycles, timers past Node's range, non-http URLs, paths out of the checkout, tag prefixes git refuses,
 * budgets for agents that do not exist; plus the regex, lock, migration, command and range defects.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { agentNames } from '../shared/index.ts';
import {
  validateAgentsYaml,
  validatePoliciesYaml,
  loadPoliciesFile,
  parseAgentsYaml,
} from '../electron/core/config/load.ts';
import { validateDiscordYaml } from '../electron/core/discord/config.ts';
import { compileSearch } from '../electron/core/agents/llm/tools.ts';
import { acquireLoopLock, loopLockHolder, loopLockPath } from '../electron/core/loop-lock.ts';
import { processStartTime } from '../electron/core/process-identity.ts';
import { openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { handleCommand } from '../electron/core/workflow/commands.ts';
import { concernStep } from '../electron/core/workflow/stages/build.ts';
import { raiseConcern } from '../electron/core/workflow/records.ts';
import { createScriptedRuntime, loadSampleScript } from '../electron/core/agents/scripted/runtime.ts';
import { assertRunId } from '../electron/core/agents/cassette.ts';
import { createGitService } from '../electron/core/git/service.ts';
import { resolveRange } from '../electron/server/cli/diff.ts';
import { tempDir } from './support/tmp.ts';

const AGENTS = (pm: string, designer: string) => `project: p
brief: b
agents:
  ProjectManager:
    runtime: scripted
    escalates_to: ${pm}
  Designer:
    runtime: scripted
    escalates_to: ${designer}
  Implementer:
    escalates_to: Designer
  Tester:
    escalates_to: [Implementer, ProjectManager]
`;

const POLICY = (extra: string) => `merge_policy: {}
promotion_policy: {}
${extra}`;

const firstIssue = (r: { ok: boolean; issues?: Array<{ line: number; path: string; message: string }> }) =>
  r.ok ? null : (r.issues?.[0] ?? null);

describe('configuration that would misbehave is refused at its line', () => {
  it('refuses an escalation cycle, naming it, at the escalates_to line', () => {
    const issue = firstIssue(validateAgentsYaml(AGENTS('Designer', 'ProjectManager')));
    expect(issue).toMatchObject({ line: 6, path: 'agents.ProjectManager.escalates_to' });
    expect(issue?.message).toMatch(/escalation cycle ProjectManager → Designer → ProjectManager/);
    // A longer one through a list: Tester → Implementer → Designer → Tester.
    const long = AGENTS('Human', 'Tester').replace(
      'escalates_to: Designer\n  Tester',
      'escalates_to: Designer\n  Tester',
    );
    expect(firstIssue(validateAgentsYaml(long))?.message).toMatch(/cycle .*Designer → Tester/);
    expect(validateAgentsYaml(AGENTS('Human', 'ProjectManager')).ok).toBe(true);
  });

  it('keeps every timer within what Node can keep (2^31-1 ms)', () => {
    const big = firstIssue(
      validatePoliciesYaml(POLICY('tests:\n  - name: unit\n    command: "true"\n    timeout_s: 2147484\n')),
    );
    expect(big).toMatchObject({ line: 6, path: 'tests[0].timeout_s' });
    expect(big?.message).toMatch(/at most 2147483/);
    expect(firstIssue(validatePoliciesYaml(POLICY('agent_limits:\n  wall_clock_s: 1e12\n')))?.path).toBe(
      'agent_limits.wall_clock_s',
    );
    expect(
      validatePoliciesYaml(POLICY('tests:\n  - name: unit\n    command: "true"\n    timeout_s: 2147483\n')).ok,
    ).toBe(true);
  });

  it('takes only http(s) URLs for base_url and the Discord API', () => {
    for (const url of ['javascript:alert(1)', 'file:///etc/passwd', 'ftp://example.com/v1']) {
      const agents = AGENTS('Human', 'ProjectManager').replace(
        '  Designer:\n    runtime: scripted',
        `  Designer:\n    runtime: openai-compatible:m\n    base_url: "${url}"`,
      );
      expect(firstIssue(validateAgentsYaml(agents))).toMatchObject({
        path: 'agents.Designer.base_url',
        message: expect.stringMatching(/http:\/\/ or https:\/\//),
      });
      const discord = `mode: webhook\nwebhooks:\n  system-health: { url_env: HOOK }\napi: "${url}"\n`;
      expect(firstIssue(validateDiscordYaml(discord))).toMatchObject({ line: 4, path: 'api' });
    }
    expect(
      validateDiscordYaml(
        'mode: webhook\nwebhooks:\n  system-health: { url_env: HOOK }\napi: "http://127.0.0.1:9/api"\n',
      ).ok,
    ).toBe(true);
  });

  it("keeps the policy's paths inside the checkout", () => {
    for (const [key, value] of [
      ['cwd', '../elsewhere'],
      ['junit', '/etc/passwd'],
      ['coverage', 'reports/../../x'],
      ['metrics', '~/.ssh/id_rsa'],
      ['junit', '..\\\\x'],
    ] as const) {
      const issue = firstIssue(
        validatePoliciesYaml(POLICY(`tests:\n  - name: unit\n    command: "true"\n    ${key}: "${value}"\n`)),
      );
      expect(issue, `${key}: ${value}`).toMatchObject({ line: 6, path: `tests[0].${key}` });
    }
    expect(
      firstIssue(
        validatePoliciesYaml(
          POLICY('tests:\n  - name: unit\n    command: "true"\n    junit: ["ok.xml", "../x.xml"]\n'),
        ),
      )?.path,
    ).toBe('tests[0].junit[1]');
    expect(
      validatePoliciesYaml(
        POLICY('tests:\n  - name: unit\n    command: "true"\n    cwd: packages/core\n    junit: "reports/**/*.xml"\n'),
      ).ok,
    ).toBe(true);
  });

  it('takes only tag prefixes that start a valid git ref', () => {
    for (const bad of ['v..', 'a b', '-x', 'x.lock/', 'v~', 'v^', 'v:', '.hidden', 'rel//v', 'v@{']) {
      expect(firstIssue(validatePoliciesYaml(POLICY(`git:\n  release_tag_prefix: "${bad}"\n`)))?.path, bad).toBe(
        'git.release_tag_prefix',
      );
    }
    for (const good of ['v', '', 'release/', 'proj-v', 'r_1.']) {
      const r = validatePoliciesYaml(POLICY(`git:\n  release_tag_prefix: "${good}"\n`));
      expect(r.ok, good).toBe(true);
      // git agrees: the tag a promotion would create is a valid ref name.
      expect(spawnSync('git', ['check-ref-format', `refs/tags/${good}0.1.0`]).status, good).toBe(0);
    }
  });

  it('refuses a budget for an agent agents.yaml does not define, at its line', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, '.project_policies.yaml'),
      POLICY('budgets:\n  per_agent:\n    Implementer: { usd: 5 }\n    Implementer-3: { usd: 5 }\n'),
    );
    const agents = parseAgentsYaml(
      AGENTS('Human', 'ProjectManager').replace(
        'escalates_to: Designer\n  Tester',
        'escalates_to: Designer\n    count: 2\n  Tester',
      ),
    );
    expect(agentNames(agents)).toContain('Implementer-2');
    await expect(loadPoliciesFile(dir, agents)).rejects.toMatchObject({
      message: expect.stringMatching(
        /\.project_policies\.yaml:6: budgets\.per_agent\.Implementer-3: no such agent "Implementer-3"; agents\.yaml defines ProjectManager, Designer, Implementer, Implementer-2, Tester/,
      ),
    });
    expect(
      firstIssue(validatePoliciesYaml(POLICY('budgets:\n  per_agent:\n    Optimizer: { usd: 5 }\n')))?.path,
    ).toMatch(/budgets\.per_agent/);
  });
});

describe('a concern never escalates past the chain', () => {
  it('goes to the human once it has climbed as many hops as there are roles, whatever the agent says', async () => {
    const dir = join(tempDir(), 'p');
    await initProject(dir, { sample: true });
    const scripted = createScriptedRuntime(await loadSampleScript());
    // An agent that always passes the concern on (as each side of PM → Designer → PM would).
    const passOn = { ...scripted, handleConcern: async () => ({ action: 'escalate' as const, reason: 'not mine' }) };
    const p = await openProject(dir, { runtimes: { Designer: passOn, ProjectManager: passOn } });
    try {
      // A cycle the load-time check would refuse (an older ledger, a hand-built engine): PM ↔ Designer.
      p.agentsFile.agents.ProjectManager.escalates_to = 'Designer';
      const ts = new Date().toISOString();
      const id = p.ledger.transact((tx) =>
        raiseConcern(
          tx,
          {
            phase: 1,
            from: 'Implementer',
            to: 'Designer',
            severity: 'warning',
            category: 'design',
            summary: 's',
            details: 'd',
          },
          ts,
        ),
      );
      const hops: string[] = [];
      for (let i = 0; i < 10; i++) {
        const c = p.read.concern(id);
        if (!c || c.to === 'Human') break;
        await concernStep(p, c);
        hops.push(p.read.concern(id)?.to ?? '?');
      }
      expect(hops.at(-1)).toBe('Human');
      // Four hops is the longest chain there is (Tester → Implementer → Designer → ProjectManager → Human).
      expect(hops).toEqual(['ProjectManager', 'Designer', 'ProjectManager', 'Designer', 'Human']);
    } finally {
      p.close();
    }
  });
});

describe('the search tool uses a linear-time regex engine', () => {
  it('answers the catastrophic pattern at once, and falls back to text for what RE2 cannot do', () => {
    const re = compileSearch('^(a+)+$');
    expect(re.test(`${'a'.repeat(5_000)}b`)).toBe(false);
    expect(re.test('aaaa')).toBe(true);
    const back = compileSearch('(a)\\1');
    expect(back.note).toMatch(/searched as plain text/);
    expect(back.test('x(a)\\1y')).toBe(true);
    expect(() => compileSearch('a'.repeat(1001))).toThrow(/at most 1000/);
  });
});

describe('locks and migrations', () => {
  it('takes over a lock whose pid is alive but is another process (a reused pid)', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, '.governor'));
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const pid = other.pid ?? 0;
      // The lock names that pid, but with the start time of the process that really took it (long gone).
      writeFileSync(loopLockPath(dir), `${pid} 1`);
      expect(loopLockHolder(dir)).toBeNull();
      const release = acquireLoopLock(dir);
      release();
      // An old lock with the pid only: a live process that is not node is not Governor either.
      writeFileSync(loopLockPath(dir), String(pid));
      expect(loopLockHolder(dir)).toBeNull();
    } finally {
      other.kill();
    }
  });

  it('refuses while the real holder lives, and says how to clear the lock if it is not Governor', () => {
    const dir = tempDir();
    mkdirSync(join(dir, '.governor'));
    const holder = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    expect(holder.status).toBe(0);
    // This very test process as another holder: alive, node, with its true start time.
    const parent = process.ppid;
    writeFileSync(loopLockPath(dir), `${parent} ${processStartTime(parent) ?? ''}`.trim());
    expect(() => acquireLoopLock(dir)).toThrow(
      new RegExp(
        `already driven by a governor loop \\(pid ${parent}\\).*If pid ${parent} is not Governor, remove .*loop\\.lock`,
      ),
    );
  });

  it('migrates a fresh ledger opened by several processes at once', async () => {
    const dir = tempDir();
    const db = join(dir, 'governor.db');
    const script = resolve(import.meta.dirname, 'support', 'open-ledger.ts');
    const runs = await Promise.all(
      Array.from(
        { length: 3 },
        () =>
          new Promise<{ code: number | null; err: string }>((done) => {
            const c = spawn(process.execPath, [resolve(import.meta.dirname, '..', 'bin', 'run-ts.mjs'), script, db], {
              stdio: ['ignore', 'ignore', 'pipe'],
            });
            let err = '';
            c.stderr.on('data', (d: Buffer) => (err += d.toString()));
            c.on('close', (code) => done({ code, err }));
          }),
      ),
    );
    for (const r of runs) expect(r.code, r.err).toBe(0);
    const check = new Database(db, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBeGreaterThan(0);
    check.close();
  });
});

describe('smaller defects get clear errors', () => {
  it('refuses /assign to a concern that does not exist instead of making it a task', async () => {
    const dir = join(tempDir(), 'p');
    await initProject(dir, { sample: true });
    const p = await openProject(dir);
    try {
      const deps = { ledger: p.ledger, read: p.read, agents: agentNames(p.agentsFile), gitStatus: async () => '' };
      const r = await handleCommand(deps, '/assign Designer concern_9999 look at it', { user: 'Human', source: 'cli' });
      expect(r.response).toMatch(/no such concern: concern_9999/);
      expect(p.read.tasks().some((t) => t.title.includes('concern_9999'))).toBe(false);
      const task = await handleCommand(deps, '/assign Designer sketch the 9999 screens', {
        user: 'Human',
        source: 'cli',
      });
      expect(task.response).toMatch(/Task .* assigned to Designer/);
    } finally {
      p.close();
    }
  });

  it('parses ranges as git does: A...B from the merge base, A..B..C refused, an absurd ref refused', async () => {
    const dir = tempDir();
    const git = createGitService({ dir });
    await git.ensureRepo({ initialFiles: { 'a.txt': '1\n' }, message: 'chore: init', timestamp: 1_767_225_600 });
    const dev0 = await git.resolveRef('develop');
    const c1 = await git.commitChanges({
      branch: 'phase1/implementer',
      actor: 'Implementer',
      changes: [{ path: 'b.txt', content: 'b\n' }],
      subject: 'feat: b',
      auditId: 'e1',
      timestamp: 1_767_225_601,
    });
    const r = await resolveRange(git, 'develop...phase1/implementer');
    expect(r).toMatchObject({ from: dev0, to: c1.oid });
    expect(r.from).toBe(
      execFileSync('git', ['-C', dir, 'merge-base', 'develop', 'phase1/implementer'], { encoding: 'utf8' }).trim(),
    );
    await expect(resolveRange(git, 'main..develop..main')).rejects.toThrow(/not a range; use A\.\.B or A\.\.\.B/);
    await expect(resolveRange(git, 'a...b...c')).rejects.toThrow(/not a range/);
    await expect(resolveRange(git, 'x'.repeat(10_000))).rejects.toThrow(/10000 characters/);
    await expect(resolveRange(git, '..develop')).rejects.toThrow(/both ends/);
  });

  it('replays only run ids, never paths', () => {
    expect(assertRunId('run_20261205T070000_ab12')).toBe('run_20261205T070000_ab12');
    for (const bad of ['../../etc/x', '/tmp/x', 'a/b', '', '.hidden'])
      expect(() => assertRunId(bad)).toThrow(/not a run id/);
  });
});
