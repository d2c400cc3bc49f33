/**
 * JSON Schemas of the two configuration files, generated from the zod schemas in shared/config.ts
 * so external editors (yaml-language-server, via the `# yaml-language-server: $schema=` line) validate
 * exactly what Governor validates. The UI's Settings editor checks the same zod schemas through the
 * host (`config.validate`), which also runs the load-time checks JSON Schema cannot express.
 * `scripts/write-json-schemas.ts` writes them to resources/schemas; a test keeps the
 * checked-in files equal to a fresh generation.
 *
 * The *input* shape is exported: keys with defaults are optional for the person writing the file.
 * Checks written as superRefine (only Implementer may have count > 1, no role escalates to itself)
 * have no JSON Schema form; zod silently leaves them out, so the count rule is patched back in
 * below. Self-escalation stays a load-time check only.
 */
import { z } from 'zod';
import { AgentsFile, DiscordFile, PoliciesFile } from '../../../shared/config.ts';

export type JsonSchema = Record<string, unknown>;

const ID_BASE = 'urn:governor:schema:';

export interface GeneratedSchema {
  /** File name under resources/schemas. */
  file: string;
  schema: JsonSchema;
}

export function buildJsonSchemas(): GeneratedSchema[] {
  return [
    {
      file: 'agents.schema.json',
      schema: finish(z.toJSONSchema(AgentsFile, { io: 'input' }), {
        id: 'agents',
        title: 'Governor agents.yaml',
        description:
          'Roles of a Governor project: the runtime that drives each role, its escalation chain and the ' +
          'number of implementers.',
        patch: patchAgents,
        descriptions: AGENT_DESCRIPTIONS,
      }),
    },
    {
      file: 'project_policies.schema.json',
      schema: finish(z.toJSONSchema(PoliciesFile, { io: 'input' }), {
        id: 'project_policies',
        title: 'Governor .project_policies.yaml',
        description:
          'Quality-gate policy of a Governor project: when the gate may merge on its own, when the human ' +
          'decides, what promotion needs, and how the tests run.',
        descriptions: POLICY_DESCRIPTIONS,
      }),
    },
    {
      file: 'discord.schema.json',
      schema: finish(z.toJSONSchema(DiscordFile, { io: 'input' }), {
        id: 'discord',
        title: 'Governor discord.yaml',
        description:
          'The Discord link of a Governor project: bot or webhook mode, the guild, the four channels and ' +
          'who may act. Tokens and webhook URLs come from the environment, never from this file.',
        descriptions: DISCORD_DESCRIPTIONS,
      }),
    },
  ];
}

/** The exact text written to disk: stable key order from zod, two-space indent, final newline. */
export function serializeJsonSchema(schema: JsonSchema): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

interface FinishOptions {
  id: string;
  title: string;
  description: string;
  patch?: (schema: JsonSchema) => void;
  /** Hover texts for editors, keyed by dotted property path. */
  descriptions: Record<string, string>;
}

function finish(generated: JsonSchema, opts: FinishOptions): JsonSchema {
  const { $schema, ...rest } = generated;
  // Put the identifying keys first so the files read well; `$schema` stays the draft URL zod chose.
  const schema: JsonSchema = {
    $schema,
    $id: `${ID_BASE}${opts.id}`,
    title: opts.title,
    description: opts.description,
    ...rest,
  };
  opts.patch?.(schema);
  for (const [path, text] of Object.entries(opts.descriptions)) {
    const node = propertyAt(schema, path.split('.'));
    if (!node) throw new Error(`json schema ${opts.id}: no property ${path} to describe`);
    // Insert description first among the node's keys for readability.
    const entries = Object.entries(node);
    for (const key of Object.keys(node)) delete node[key];
    Object.assign(node, { description: text }, Object.fromEntries(entries.filter(([k]) => k !== 'description')));
  }
  return schema;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `properties.a.properties.b` for the path a.b; `[]` steps into array items. */
function propertyAt(schema: JsonSchema, path: readonly string[]): JsonSchema | undefined {
  let node: unknown = schema;
  for (const key of path) {
    if (!isRecord(node)) return undefined;
    node = key === '[]' ? node.items : isRecord(node.properties) ? node.properties[key] : undefined;
  }
  return isRecord(node) ? node : undefined;
}

/** Restores the superRefine rule "only Implementer may have count > 1" as `maximum: 1`. */
function patchAgents(schema: JsonSchema): void {
  for (const role of ['ProjectManager', 'Designer', 'Tester']) {
    const count = propertyAt(schema, ['agents', role, 'count']);
    if (!count) throw new Error(`json schema agents: no agents.${role}.count to patch`);
    count.maximum = 1;
  }
}

const ROLE_TEXT: Record<string, string> = {
  ProjectManager: 'Plans each phase, keeps the project overview and reports to the human.',
  Designer: 'Writes the design spec and architecture.',
  Implementer: 'Writes the code on its own branch; the only role that may run more than one agent.',
  Tester: 'Writes the test plan, runs the tests and reports the results.',
};

const AGENT_DESCRIPTIONS: Record<string, string> = {
  project: 'Short project name, used in status posts, reports and the window title.',
  brief: 'What the project is for; the Project Manager turns it into REQUIREMENTS.md and the first plan.',
  agents: 'The four roles and how each one runs.',
  ...Object.fromEntries(
    Object.entries(ROLE_TEXT).flatMap(([role, text]) => [
      [`agents.${role}`, text],
      [
        `agents.${role}.runtime`,
        '`scripted` (offline demo), provider:model (anthropic:claude-sonnet-4-5, openai:gpt-5, ' +
          'ollama:qwen2.5-coder, openai-compatible:<model>), or a coding agent: claude-code[:model], ' +
          'codex[:model], acp (with command and args), external. API keys come from the environment or ' +
          'the OS keychain.',
      ],
      [
        `agents.${role}.command`,
        'A coding agent binary to start instead of the bundled one; for acp, the ACP agent (gemini, ' +
          'opencode, claude-agent-acp…).',
      ],
      [`agents.${role}.args`, 'Arguments for command, e.g. [--experimental-acp] for gemini or [acp] for opencode.'],
      [
        `agents.${role}.base_url`,
        'API address of the model server, for ollama and openai-compatible runtimes (e.g. ' +
          'http://localhost:11434/v1), and for claude-code and codex to reach another endpoint.',
      ],
      [
        `agents.${role}.count`,
        role === 'Implementer'
          ? 'How many implementers run in parallel (1 to 8).'
          : 'Always 1: only Implementer may have more than one agent.',
      ],
      [
        `agents.${role}.escalates_to`,
        'Where this role raises concerns it cannot resolve: a role or Human, or a list whose first entry ' +
          'is the default.',
      ],
      [`agents.${role}.description`, 'A note for yourself, shown in the Agents view.'],
    ]),
  ),
};

const POLICY_DESCRIPTIONS: Record<string, string> = {
  merge_policy: 'When a phase branch may be merged into develop without the human, and when the human decides.',
  'merge_policy.auto_merge_if':
    'Conditions that must all hold for the QA gate to merge on its own; one condition per list item.',
  'merge_policy.require_human_if': 'Any one of these sends the decision to the human.',
  promotion_policy: 'What a phase needs before develop is promoted to main and tagged.',
  'promotion_policy.e2e_tests_required': 'End-to-end tests must have run and passed.',
  'promotion_policy.reproducibility_min': 'Percent of repeated runs that must agree.',
  'promotion_policy.docs_required': 'Documents that must have been updated during the phase.',
  tests: 'Commands that test the project; the gate runs each in a clean checkout of the candidate.',
  'tests.[].name': 'A short name shown in reports, such as unit or e2e.',
  'tests.[].command': 'Shell command, run from cwd.',
  'tests.[].cwd': 'Working directory, relative to the project root.',
  'tests.[].junit': 'JUnit XML file(s) the command writes, relative to cwd; globs allowed.',
  'tests.[].coverage': 'Coverage file: lcov (*.info), Cobertura (*.xml) or Istanbul coverage-summary.json.',
  'tests.[].metrics': 'A metrics JSON the tests write, compared with the last good run for drift.',
  'tests.[].timeout_s': 'Seconds before the whole process tree is killed.',
  'tests.[].retries': 'Reruns of a failing command (0 to 5).',
  'tests.[].env': 'Extra environment variables for the command.',
  drift: 'Metrics tracked for drift against the last known good run.',
  reproducibility_runs: 'How many times the gate repeats the tests to measure reproducibility.',
  budgets: 'Spending limits for model calls, per phase and per agent.',
  git: 'Git housekeeping.',
  agent_limits: 'Limits on a single agent task.',
};

const DISCORD_DESCRIPTIONS: Record<string, string> = {
  mode: 'bot: alerts in threads, review buttons and slash commands. webhook: outbound alerts only, no bot needed.',
  guild_id: 'The Discord server (guild) id the bot is in.',
  channels:
    'Channel ids, or names resolved when the bridge starts; missing ones are created by `governor discord setup`.',
  reviewers: 'The allowlist: user ids and/or role ids that may act from Discord. Checked on every interaction.',
  daily_status: 'Post the status block in #system-health once a day at this time.',
  token_env: 'Environment variable holding the bot token (default DISCORD_BOT_TOKEN).',
  webhooks: 'Webhook mode: per channel, the environment variable holding its webhook URL.',
  api: 'REST base URL, for a proxy; default https://discord.com/api.',
};
