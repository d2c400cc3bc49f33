/**
 * Coding-agent runtimes (`claude-code`, `external`) in `governor doctor` and in the loop's check before the
 * first step: they do task work only, so a role that writes a document on one is named up front. The
 * Claude Code check starts the real binary the Agent SDK ships (`--version`, no model call).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentsFile } from '../shared/index.ts';
import { runDoctor } from '../electron/core/agents/doctor.ts';
import { openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { envKeys } from '../electron/core/secrets/keys.ts';
import { runLoop } from '../electron/core/workflow/loop.ts';
import { tempDir } from './support/tmp.ts';
import { agentProject } from './support/coding-agent.ts';

const KEY = 'sk-ant-api03-doctor-test-key-0123456789abcdef';

function team(
  runtimes: Partial<Record<'ProjectManager' | 'Designer' | 'Implementer' | 'Tester', string>>,
  extra: { command?: string } = {},
): AgentsFile {
  const role = (r: keyof typeof runtimes, esc: 'Human' | 'ProjectManager' | 'Designer') => ({
    runtime: runtimes[r] ?? 'scripted',
    count: 1,
    escalates_to: esc,
    ...(r === 'Implementer' ? extra : {}),
  });
  return AgentsFile.parse({
    project: 'p',
    brief: 'b',
    agents: {
      ProjectManager: role('ProjectManager', 'Human'),
      Designer: role('Designer', 'ProjectManager'),
      Implementer: role('Implementer', 'Designer'),
      Tester: role('Tester', 'ProjectManager'),
    },
  });
}

let saved: Record<string, string | undefined> = {};
beforeEach(() => {
  saved = { CLAUDE_CONFIG_DIR: process.env.CLAUDE_CONFIG_DIR, ANTHROPIC_AUTH_TOKEN: process.env.ANTHROPIC_AUTH_TOKEN };
  // No subscription login of whoever runs the tests: an empty config folder.
  const config = join(tempDir('governor-claude-config-'), '.claude');
  mkdirSync(config, { recursive: true });
  process.env.CLAUDE_CONFIG_DIR = config;
  delete process.env.ANTHROPIC_AUTH_TOKEN;
});
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe('governor doctor on coding-agent runtimes', () => {
  it('Claude Code for the implementers: the binary starts and a key is there', async () => {
    const checks = await runDoctor({
      dir: tempDir(),
      agentsFile: team({ Implementer: 'claude-code:claude-sonnet-4-5' }),
      keys: envKeys({ ANTHROPIC_API_KEY: KEY }),
    });
    const check = checks.find((c) => c.runtime === 'claude-code:claude-sonnet-4-5');
    expect(check).toMatchObject({
      roles: ['Implementer'],
      key: { ok: true, detail: expect.stringMatching(/^found \(\d+ characters/) },
      call: { ok: true, detail: expect.stringMatching(/^Claude Code \d+\.\d+\.\d+ \(Claude Code\) at \/.*claude$/) },
    });
    expect(JSON.stringify(checks)).not.toContain(KEY);
  });

  it('no key and no login, or a command: that is not there, fail with the fix', async () => {
    const [noKey] = (
      await runDoctor({ dir: tempDir(), agentsFile: team({ Implementer: 'claude-code' }), keys: envKeys({}) })
    ).filter((c) => c.runtime === 'claude-code');
    expect(noKey?.key).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/needs an Anthropic API key or a Claude subscription login: set ANTHROPIC_API_KEY/),
    });
    const [badBin] = (
      await runDoctor({
        dir: tempDir(),
        agentsFile: team({ Implementer: 'claude-code' }, { command: '/nowhere/claude' }),
        keys: envKeys({ ANTHROPIC_API_KEY: KEY }),
      })
    ).filter((c) => c.runtime === 'claude-code');
    expect(badBin?.call).toMatchObject({
      ok: false,
      detail: expect.stringMatching(
        /the Claude Code binary \/nowhere\/claude \(agents\.yaml command:\) does not exist/,
      ),
    });
  });

  it('a role that writes documents on a coding agent is named, with the way on', async () => {
    const checks = await runDoctor({
      dir: tempDir(),
      agentsFile: team({ Designer: 'external', Tester: 'external', Implementer: 'external' }),
      keys: envKeys({}),
    });
    const ext = checks.find((c) => c.runtime === 'external');
    expect(ext).toMatchObject({
      roles: ['Designer', 'Implementer', 'Tester'],
      call: {
        ok: false,
        detail: expect.stringMatching(
          /^Designer, Tester write the plan, the design or the test plan, which need a model runtime; external does task work only/,
        ),
      },
    });
  });
});

describe('the loop before its first step', () => {
  it('refuses a Tester on Claude Code up front, naming the test plan, and runs once the Tester is back on a model', async () => {
    const dir = join(tempDir(), 'backtester');
    await initProject(dir, { sample: true });
    const path = join(dir, 'agents.yaml');
    const original = readFileSync(path, 'utf8');
    const doc = parseDocument(original);
    doc.setIn(['agents', 'Tester', 'runtime'], 'claude-code');
    writeFileSync(path, doc.toString());
    let p = await openProject(dir);
    try {
      const out = await runLoop(p);
      expect(out).toMatchObject({ steps: 0, state: 'needs_setup' });
      expect(out.waitingOn[0]).toBe(
        'Tester runs claude-code, which does task work only; writing the test plan needs a model ' +
          'runtime: give Tester an AI SDK runtime in agents.yaml (e.g. anthropic:claude-sonnet-4-5) for it',
      );
    } finally {
      p.close();
    }
    writeFileSync(path, original);
    p = await openProject(dir);
    try {
      expect((await runLoop(p)).state).toBe('waiting_human');
      expect(p.read.concerns().find((c) => c.category === 'runtime_setup')).toMatchObject({ status: 'resolved' });
    } finally {
      p.close();
    }
  });

  it("an external implementer's tasks say they wait for the user's own session, and how it joins", async () => {
    const p = await (await agentProject({ runtime: 'external' }, { permissions: '' })).open();
    try {
      const out = await runLoop(p);
      expect(out.waitingOn).toContain(
        'T4 (Implementer) is To Do — for your own session to take (`governor mcp --agent Implementer`, then next_task)',
      );
    } finally {
      p.close();
    }
  });
});
