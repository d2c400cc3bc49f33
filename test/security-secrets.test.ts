/**
 * A test that prints every secret Governor holds, run as the real QA gate and the real `run_tests` run it.
 * Without `pass_env` the tests never receive a secret (the allowlisted environment); with it, what they
 * print is redacted. Either way the secret is in no ledger event, no file under the project, no git object
 * and no line shown on the terminal.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import type { AgentRuntime } from '../electron/core/agents/runtime.ts';
import { createScriptedRuntime, loadSampleScript } from '../electron/core/agents/scripted/runtime.ts';
import { REDACTED } from '../electron/core/secrets/redact.ts';
import { driveSampleThroughGate } from './support/drive-sample.ts';
import { tempDir } from './support/tmp.ts';

/** Every kind of secret Governor may hold, under the variables it reads them from. */
const SECRETS: Record<string, string> = {
  OPENAI_API_KEY: 'sk-proj-leaktest-OPENAI-0123456789abcdefghij',
  ANTHROPIC_API_KEY: 'sk-ant-api03-leaktest-ANTHROPIC-0123456789abcdef',
  OPENAI_COMPATIBLE_API_KEY: 'or-leaktest-compatible-0123456789abcdefghij',
  DISCORD_BOT_TOKEN: 'MTAxMjM0NTY3ODkwMTIzNDU2.GhIjKl.leaktest-discord-token-0123456789abcd',
  GOVERNOR_HOOK_CONCERNS:
    'https://discord.com/api/webhooks/123456789012345678/leaktest-webhook-token-0123456789abcdefABCDEF',
  // Named by nothing in the configuration: only its name says it is a secret.
  ACME_DEPLOY_TOKEN: 'acme-leaktest-deploy-0123456789abcdefghij',
};
const names = Object.keys(SECRETS);

/** The policy's test command, preceded by one that prints every secret, to stdout and stderr. */
function printingPolicy(dir: string, passEnv: boolean): void {
  const path = join(dir, '.project_policies.yaml');
  const echo = names.map((n) => `${n}=$${n}`).join(' ');
  const text = readFileSync(path, 'utf8').replace(
    /command: >-\n(\s+)mkdir -p reports/,
    (_m, indent: string) =>
      `command: >-\n${indent}echo "secrets: ${echo}"; echo "stderr: ${echo}" >&2; env | sort; mkdir -p reports`,
  );
  // The sample's policy has `sandbox: { mode: auto }`; the tests may be handed the secrets only by name.
  const withPass = passEnv
    ? text.replace(/sandbox:\n {2}mode: auto\n/, `sandbox:\n  mode: auto\n  pass_env: [${names.join(', ')}]\n`)
    : text;
  if (passEnv && withPass === text)
    throw new Error('the sample policy no longer has the sandbox block this test extends');
  writeFileSync(path, withPass);
  execFileSync('git', ['-C', dir, 'commit', '-qam', 'test: print the secrets'], {
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'h',
      GIT_AUTHOR_EMAIL: 'h@x',
      GIT_COMMITTER_NAME: 'h',
      GIT_COMMITTER_EMAIL: 'h@x',
    },
  });
}

/** The scripted team, with implementers that call run_tests (the real one of build.ts) before they hand off. */
async function runTestsFirst(): Promise<AgentRuntime> {
  const scripted = createScriptedRuntime(await loadSampleScript());
  return {
    ...scripted,
    label: scripted.label,
    async work(input) {
      const tests = input.runTests ? await input.runTests() : null;
      const out = await scripted.work(input);
      return { ...out, summary: `${out.summary}\nrun_tests said:\n${tests?.summary ?? 'nothing'}` };
    },
  };
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (d.isDirectory()) out.push(...filesUnder(p));
    else if (d.isFile()) out.push(p);
  }
  return out;
}

async function leakRun(passEnv: boolean) {
  const dir = join(tempDir('governor-leak-'), 'project');
  await initProject(dir, { sample: true });
  printingPolicy(dir, passEnv);
  const shown: string[] = [];
  const implementer = await runTestsFirst();
  const p = await openProject(dir, {
    progress: (x) => shown.push(x.text),
    runtimes: { Implementer: implementer, 'Implementer-2': implementer },
  });
  try {
    await driveSampleThroughGate(p, 'resolved');
    await p.exporter.sync();
    const events = p.ledger.read(0, 1_000_000);
    return { dir, shown, events };
  } finally {
    p.close();
  }
}

describe('secrets never leave through test output', () => {
  beforeAll(() => {
    for (const [k, v] of Object.entries(SECRETS)) process.env[k] = v;
  });
  afterAll(() => {
    for (const k of names) delete process.env[k];
  });

  for (const passEnv of [false, true]) {
    it(`${passEnv ? 'with' : 'without'} pass_env: no event, file, git object or terminal line holds a secret`, async () => {
      const { dir, shown, events } = await leakRun(passEnv);
      // The gate ran the printing command, and run_tests did too.
      const output = events
        .filter((e) => e.type === 'qa.output_logged')
        .flatMap((e) => (e.payload as { lines: string[] }).lines);
      const printed = output.find((l) => l.startsWith('secrets: '));
      expect(printed).toBeDefined();
      expect(
        events.some((e) => e.type === 'task.updated' && JSON.stringify(e.payload).includes('run_tests said')),
      ).toBe(true);
      if (passEnv) {
        // The tests got the keys (the policy asked), and every one was masked on the way out.
        for (const n of names) expect(printed).toContain(`${n}=${REDACTED}`);
      } else {
        // The allowlist: the tests never saw them.
        for (const n of names) expect(printed).toMatch(new RegExp(`${n}=( |$)`));
        expect(output.some((l) => l.startsWith('PATH='))).toBe(true);
      }

      const haystacks: Array<[string, string]> = [
        ['ledger events', JSON.stringify(events)],
        ['terminal', shown.join('\n')],
        [
          'git objects',
          execFileSync('git', ['-C', dir, 'cat-file', '--batch-all-objects', '--batch'], {
            maxBuffer: 512 * 1024 * 1024,
          }).toString('latin1'),
        ],
        ...filesUnder(dir).map((f): [string, string] => [f, readFileSync(f).toString('latin1')]),
      ];
      for (const [where, text] of haystacks) {
        for (const [name, secret] of Object.entries(SECRETS)) {
          if (text.includes(secret)) throw new Error(`${name} leaked into ${where}`);
        }
      }
      // The exports the human reads show the redaction (or the empty variable), not the value.
      const detail = readFileSync(join(dir, 'tests', 'TEST_RESULTS_DETAIL.md'), 'utf8');
      expect(detail.length).toBeGreaterThan(0);
    }, 240_000);
  }
});
