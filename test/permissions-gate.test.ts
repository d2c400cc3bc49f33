import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openProject, type OpenedProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { createPermissionGate, type PermissionGate } from '../electron/core/permissions/gate.ts';
import { decidePermission } from '../electron/core/permissions/api.ts';
import { loadPoliciesFile } from '../electron/core/config/load.ts';
import { createApi, createLoopRunner, dispatch } from '../electron/core/api.ts';
import { until } from './support/coding-agent.ts';
import { tempDir } from './support/tmp.ts';

/** The gate and the decisions over a real ledger, with no agent binary: what every surface relies on. */
describe('permission requests and decisions', () => {
  let p: OpenedProject;
  let gate: PermissionGate;
  const root = '/work/agent-ws';
  const install = { tool: 'Bash', input: { command: 'npm install left-pad' } };

  beforeEach(async () => {
    const dir = join(tempDir(), 'proj');
    await initProject(dir, { sample: true });
    p = await openProject(dir);
    gate = createPermissionGate({
      ledger: p.ledger,
      read: p.read,
      agent: 'Implementer',
      worker: 'claude-code',
      phase: 1,
      taskId: 'T4',
      root,
      permissions: undefined,
      tests: [],
      mcpServer: 'governor',
    });
  });
  afterEach(() => p.close());

  const ask = (use = install, session: string | null = 's1') => gate.check(use, session);
  const pendingOne = () => until(() => p.read.permissionRequests('pending')[0], 'a pending request', 10_000);
  const decide = (
    decision: Parameters<typeof decidePermission>[1]['decision'],
    extra: Partial<Parameters<typeof decidePermission>[1]> = {},
  ) =>
    pendingOne().then((r) =>
      decidePermission(p, { requestId: r.id, decision, digest: r.input_digest, by: 'Human', source: 'ui', ...extra }),
    );

  it('allow once runs this input only; the next identical use is asked again', async () => {
    const first = ask();
    await decide('allow_once');
    expect(await first).toMatchObject({ behavior: 'allow', input: install.input });
    const second = ask();
    const again = await pendingOne();
    expect(again.id).toBe('perm_0002');
    await decide('deny', { message: 'once was enough' });
    expect(await second).toMatchObject({ behavior: 'deny', message: expect.stringContaining('once was enough') });
  });

  it('allow for this session grants the suggested rule in that session only', async () => {
    const first = ask();
    await decide('allow_session');
    await first;
    expect(gate.verdict({ tool: 'Bash', input: { command: 'npm install lodash' } }, 's1')).toMatchObject({
      behavior: 'allow',
      rule: 'Bash(npm install:*)',
    });
    expect(gate.verdict({ tool: 'Bash', input: { command: 'npm install lodash' } }, 's2').behavior).toBe('ask');
  });

  it('allow always adds the rule to .project_policies.yaml, keeping the file valid, and holds for every session', async () => {
    const first = ask();
    await decide('allow_always');
    await first;
    const text = readFileSync(join(p.dir, '.project_policies.yaml'), 'utf8');
    expect(text).toMatch(/agent_permissions:\n\s+allow:\n\s+- Bash\(npm install:\*\)/);
    expect((await loadPoliciesFile(p.dir)).agent_permissions?.allow).toEqual(['Bash(npm install:*)']);
    expect(gate.verdict({ tool: 'Bash', input: { command: 'npm install lodash' } }, 'another').behavior).toBe('allow');
  });

  it('edit, then allow runs the edited input, recorded with its own digest', async () => {
    const first = ask();
    const r = await decide('allow_edited', { input: { command: 'npm install --save-exact left-pad@1.3.0' } });
    expect(await first).toMatchObject({
      behavior: 'allow',
      input: { command: 'npm install --save-exact left-pad@1.3.0' },
    });
    expect(r.decision?.edited_digest).toMatch(/^[0-9a-f]{64}$/);
    expect(r.decision?.edited_digest).not.toBe(r.input_digest);
  });

  it('the first decision wins from any surface; another input or a late decision is refused', async () => {
    const first = ask();
    const r = await pendingOne();
    const ui = createApi(
      p,
      createLoopRunner(p, () => {}),
      { user: 'Human', source: 'ui' },
    );
    const discord = createApi(
      p,
      createLoopRunner(p, () => {}),
      { user: 'Human', source: 'discord' },
    );
    await expect(
      dispatch(ui, 'permissions.decide', { requestId: r.id, decision: 'allow_once', digest: 'f'.repeat(64) }),
    ).rejects.toThrow(/for another input/);
    await dispatch(discord, 'permissions.decide', {
      requestId: r.id,
      decision: 'deny',
      digest: r.input_digest,
      message: 'not from my phone',
    });
    await expect(
      dispatch(ui, 'permissions.decide', { requestId: r.id, decision: 'allow_once', digest: r.input_digest }),
    ).rejects.toThrow(/already decided by Human via discord at \d{4}-\d\d-\d\d \d\d:\d\d UTC: deny; the first/);
    expect(await first).toMatchObject({ behavior: 'deny', message: expect.stringContaining('not from my phone') });
    expect(p.ledger.readTypes(['permission.decided'])).toHaveLength(1);
  });

  it('a request nobody decides in time times out — never a denial — and a late decision is refused', async () => {
    gate = createPermissionGate({
      ledger: p.ledger,
      read: p.read,
      agent: 'Implementer',
      worker: 'claude-code',
      phase: 1,
      taskId: 'T4',
      root,
      permissions: { allow: [], ask: [], deny: [], timeout_s: 0.2, sandbox: true, network_domains: [] },
      tests: [],
      mcpServer: 'governor',
    });
    const a = await ask();
    expect(a).toMatchObject({ behavior: 'deny', message: expect.stringMatching(/timed out\. It was not denied/) });
    const [r] = p.read.permissionRequests();
    expect(r).toMatchObject({ status: 'timed_out', decision: null });
    await expect(
      decidePermission(p, {
        requestId: r?.id ?? '',
        decision: 'allow_once',
        digest: r?.input_digest ?? '',
        by: 'Human',
        source: 'cli',
      }),
    ).rejects.toThrow(/timed out/);
  });
});
