/**
 * Generative fuzz (fast-check) of every door a human or an agent types into: the three config files, the
 * command grammar and its handler, `decide` and `diff`. Every input gives a result or a clear, typed error
 * (GovernorError, with a message); never a crash, a hang or an untyped exception. Runs are bounded for CI.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentNames, parseCommand } from '../shared/index.ts';
import { createApi, createLoopRunner, dispatch } from '../electron/core/api.ts';
import { validateAgentsYaml, validatePoliciesYaml } from '../electron/core/config/load.ts';
import { renderTemplate } from '../electron/core/config/templates.ts';
import { validateDiscordYaml } from '../electron/core/discord/config.ts';
import { GovernorError } from '../electron/core/errors.ts';
import { type OpenedProject, openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { handleCommand } from '../electron/core/workflow/commands.ts';
import { runLoop } from '../electron/core/workflow/loop.ts';
import { resolveRange } from '../electron/server/cli/diff.ts';
import { tempDir } from './support/tmp.ts';

const RUNS = 300;

/** A result, or a GovernorError with something to say. Anything else is a crash. */
async function typed<T>(fn: () => T | Promise<T>): Promise<'ok' | 'refused'> {
  try {
    await fn();
    return 'ok';
  } catch (err) {
    if (err instanceof GovernorError && err.message.trim().length > 0) return 'refused';
    throw err;
  }
}

/** YAML-ish text: raw strings, random documents, and the real templates with lines swapped for junk. */
const scalar = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(2 ** 53),
  fc.constant('javascript:alert(1)'),
  fc.constant('../../etc/passwd'),
  fc.constant('\u0000'),
);
const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 12 }), tie('value'), { maxKeys: 5 }),
  ),
})).value;

function mutated(template: string): fc.Arbitrary<string> {
  const lines = template.split('\n');
  return fc
    .array(
      fc.tuple(
        fc.nat(lines.length - 1),
        fc.oneof(
          fc.string(),
          scalar.map((v) => `  x: ${JSON.stringify(v)}`),
          fc.constant(''),
          fc.constant('  - ['),
          fc.constant('&a [*a]'),
        ),
      ),
      { minLength: 1, maxLength: 6 },
    )
    .map((edits) => {
      const out = [...lines];
      for (const [i, text] of edits) out[i] = text;
      return out.join('\n');
    });
}

function yamlTexts(template: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ maxLength: 400 }),
    jsonish.map((v) => stringify(v)),
    mutated(template),
  );
}

const vars = { name: 'fuzz', brief: 'fuzz the config' };
const DISCORD =
  'mode: bot\nguild_id: "123456789012345678"\nreviewers:\n  users: ["345678901234567890"]\n' +
  'daily_status: { at: "09:00", timezone: Europe/Paris }\n';

describe('fuzz: the three config files', () => {
  for (const [file, template, validate] of [
    ['agents.yaml', renderTemplate('agents.yaml', vars), validateAgentsYaml],
    ['.project_policies.yaml', renderTemplate('project_policies.yaml', vars), validatePoliciesYaml],
    ['discord.yaml', DISCORD, validateDiscordYaml],
  ] as const) {
    it(`${file}: every text validates or lists its issues with a line`, () => {
      fc.assert(
        fc.property(yamlTexts(template), (text) => {
          const r = validate(text);
          if (r.ok) return;
          expect(r.issues.length).toBeGreaterThan(0);
          for (const i of r.issues) {
            expect(Number.isInteger(i.line) && i.line >= 0).toBe(true);
            expect(i.message.trim().length).toBeGreaterThan(0);
          }
        }),
        { numRuns: RUNS },
      );
    });
  }
});

describe('fuzz: commands, decide and diff on a real project', () => {
  let p: OpenedProject;
  const agents = () => agentNames(p.agentsFile);
  beforeAll(async () => {
    const dir = join(tempDir('governor-fuzz-'), 'p');
    await initProject(dir, { sample: true });
    p = await openProject(dir);
    await runLoop(p); // a pending plan review to decide on
  }, 120_000);
  afterAll(() => p?.close());

  const word = fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.constantFrom(
      'all',
      'Designer',
      'implementer-2',
      'Implementer-9',
      'concern_0001',
      'concern_9999',
      '#3',
      'review_0001',
      '0',
      '-1',
      '99999999999',
      'git',
    ),
  );
  const commandText = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc
      .tuple(
        fc.constantFrom(
          '/status',
          '/clarify',
          '/assign',
          '/ack',
          '/resolve',
          '/pause',
          '/resume',
          '/approve',
          '/reject',
          '/help',
          '/nope',
          'status',
        ),
        fc.array(word, { maxLength: 5 }),
      )
      .map(([c, args]) => [c, ...args].join(' ')),
  );

  it('the grammar parses every text or says what is wrong', () => {
    fc.assert(
      fc.property(commandText, (text) => {
        const r = parseCommand(text, agents());
        if (!r.ok) expect(r.error.trim().length).toBeGreaterThan(0);
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('the command handler answers every text (through the ledger) or refuses it in words', async () => {
    const deps = () => ({ ledger: p.ledger, read: p.read, agents: agents(), gitStatus: async () => 'git' });
    await fc.assert(
      fc.asyncProperty(
        commandText.filter((t) => !/^\/(approve|reject)\b/.test(t)),
        async (text) => {
          await typed(() => handleCommand(deps(), text, { user: 'Human', source: 'cli' }));
        },
      ),
      { numRuns: 150 },
    );
    expect(p.ledger.verify().ok).toBe(true);
  });

  it('decide takes any request: a decision, or a typed refusal', async () => {
    const api = createApi(
      p,
      createLoopRunner(p, () => {}),
      { user: 'Human', source: 'cli' },
    );
    const params = fc.record({
      reviewId: fc.oneof(fc.string({ maxLength: 100 }), fc.constantFrom('review_0001', '1', 'review_9999', '')),
      decision: fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.constantFrom(
          'approve',
          'reject',
          'request_changes',
          'defer',
          'approve_with_conditions',
          'request_clarification',
        ),
      ),
      comment: fc.string({ maxLength: 300 }),
      inline: fc.array(
        fc.record({
          path: fc.oneof(fc.string(), fc.constantFrom('REQUIREMENTS.md', '../x')),
          line: fc.oneof(fc.integer(), fc.double()),
          text: fc.string(),
        }),
        { maxLength: 3 },
      ),
    });
    const outcomes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.oneof(params, jsonish), async (x) => {
        outcomes.add(await typed(() => dispatch(api, 'reviews.decide', x)));
      }),
      { numRuns: 200 },
    );
    // Both ends happened: fuzzed requests were refused, and (the first valid one) decided.
    expect(outcomes.has('refused')).toBe(true);
  });

  it('diff takes any range text: a comparison, or a typed refusal', async () => {
    const ref = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom('main', 'develop', 'HEAD', 'v0.1.0', 'phase1/designer', 'main^', 'develop~1', '0000000', ''),
    );
    const range = fc.oneof(
      fc.string({ maxLength: 600 }),
      fc
        .tuple(
          ref,
          fc.constantFrom('..', '...', '....', '..'),
          ref,
          fc.option(fc.tuple(fc.constantFrom('..', '...'), ref)),
        )
        .map(([a, op, b, more]) => `${a}${op}${b}${more ? more.join('') : ''}`),
    );
    await fc.assert(
      fc.asyncProperty(range, async (spec) => {
        await typed(async () => {
          const r = await resolveRange(p.git, spec);
          await p.git.diff({ from: r.from, to: r.to, content: false });
        });
      }),
      { numRuns: RUNS },
    );
  });
});
