import { z } from 'zod';
import { AgentName, RoleKind, PositiveInt, NonNegativeInt, Int, NonEmptyString } from './domain/common.ts';
import { PROVIDERS } from './domain/provider.ts';

/**
 * A runtime reference in agents.yaml: `scripted`, `anthropic:claude-sonnet-4-5`, `openai:gpt-5`,
 * `ollama:qwen2.5-coder`, or `openai-compatible:<model>` (with `base_url`); or a coding agent as a worker:
 * `claude-code[:model]` (the Claude Agent SDK), `codex[:model]` (`codex app-server`), `acp` (any Agent Client
 * Protocol agent, started with `command:` and `args:`), or `external` (a user's own session joining through MCP).
 */
export const RuntimeRef = z
  .string()
  .regex(
    new RegExp(
      `^(scripted|external|acp|(claude-code|codex)(:[A-Za-z0-9._:/-]+)?|(${PROVIDERS.join('|')}):[A-Za-z0-9._:/-]+)$`,
    ),
    'scripted, external, claude-code[:model], codex[:model], acp, or provider:model with provider one of ' +
      PROVIDERS.join(', '),
  );
export type RuntimeRef = z.infer<typeof RuntimeRef>;

const EscalationTarget = z.union([RoleKind, z.literal('Human')]);

/**
 * Only http(s): a `javascript:` or `file:` URL parses as a URL, and the SDKs would hand it to fetch or open it.
 */
export const HttpUrl = z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' });

/** Node timers overflow above 2^31-1 ms and then fire at once; every duration in seconds stays below that. */
export const MAX_TIMER_S = Math.floor((2 ** 31 - 1) / 1000);
const Seconds = z
  .number()
  .positive()
  .max(MAX_TIMER_S, `at most ${MAX_TIMER_S} seconds (about 24 days), the longest timer Node can keep`);

/**
 * A path inside the checkout: relative, never climbing out with `..`, no NUL. Globs are allowed (junit).
 * The tests run in a checkout; a path leading out would read or hash files the candidate does not own.
 */
export const InsidePath = NonEmptyString.refine((p) => !p.includes('\u0000'), 'a path without NUL bytes')
  .refine(
    (p) => !/^([\\/]|[A-Za-z]:)/.test(p) && !p.startsWith('~'),
    'a path relative to the checkout, not an absolute one',
  )
  .refine((p) => !p.split(/[\\/]+/).includes('..'), 'a path inside the checkout; ".." leads out of it');

export const AgentConfig = z
  .object({
    runtime: RuntimeRef.default('scripted'),
    base_url: HttpUrl.optional(),
    /** Environment variable that holds this role's API key, when not the provider's usual one. */
    api_key_env: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name such as MY_LLM_KEY')
      .optional(),
    /** How many agents of this role run; only Implementer may have more than one. */
    count: Int.min(1).max(8).default(1),
    escalates_to: z.union([EscalationTarget, z.array(EscalationTarget).min(1)]),
    description: z.string().optional(),
    /**
     * How the model is asked for structured output (plans, designs, test plans): `auto` tries JSON-schema
     * output and falls back to JSON mode, then to a forced tool call, when the server refuses it.
     * `governor doctor` says which one a server supports.
     */
    structured_output: z.enum(['auto', 'json_schema', 'json_mode', 'tool']).optional(),
    /**
     * A coding agent's binary, when not the one its SDK ships (e.g. a claude installed elsewhere); the agent for `acp`.
     */
    command: NonEmptyString.optional(),
    /** Arguments for `command` (`acp`: e.g. `[--experimental-acp]` for gemini, `[acp]` for opencode). */
    args: z.array(z.string()).max(64).optional(),
  })
  .strict()
  .refine((c) => c.runtime !== 'acp' || c.command !== undefined, {
    path: ['command'],
    message: 'runtime acp needs command: the ACP agent to start (e.g. gemini with args [--experimental-acp])',
  });
export type AgentConfig = z.infer<typeof AgentConfig>;

export const AgentsFile = z
  .object({
    project: z.string().min(1),
    brief: z.string().min(1),
    /**
     * Headless key store: a JSON file `{ "anthropic": "…", "openai": "…" }` readable by you only (0600).
     * The desktop app keeps keys in the OS keychain instead. Keys never go in this file or the repo.
     */
    keys_file: z.string().optional(),
    /**
     * Who the human is in git: the author of promotions, release tags and configuration commits.
     * Without it, the project's `git config user.name` / `user.email` are used.
     */
    human: z
      .object({
        name: NonEmptyString.regex(/^[^<>\n]+$/, 'a name without <, > or line breaks'),
        email: z.string().regex(/^[^\s<>@]+@[^\s<>]+$/, 'an email address such as ada@example.com'),
      })
      .strict()
      .optional(),
    agents: z
      .object({
        ProjectManager: AgentConfig,
        Designer: AgentConfig,
        Implementer: AgentConfig,
        Tester: AgentConfig,
      })
      .strict(),
  })
  .strict()
  .superRefine((file, ctx) => {
    for (const role of ['ProjectManager', 'Designer', 'Tester'] as const) {
      if (file.agents[role].count !== 1) {
        ctx.addIssue({
          code: 'custom',
          path: ['agents', role, 'count'],
          message: `only Implementer may have count > 1; ${role} has ${file.agents[role].count}`,
        });
      }
    }
    for (const role of RoleKind.options) {
      const targets = ([] as string[]).concat(file.agents[role].escalates_to);
      if (targets.includes(role)) {
        ctx.addIssue({
          code: 'custom',
          path: ['agents', role, 'escalates_to'],
          message: `${role} cannot escalate to itself`,
        });
      }
    }
    const cycle = escalationCycle(file.agents);
    if (cycle) {
      const [first] = cycle;
      ctx.addIssue({
        code: 'custom',
        path: ['agents', first ?? 'ProjectManager', 'escalates_to'],
        message: `escalation cycle ${[...cycle, first].join(' → ')}: every chain must end at Human`,
      });
    }
  });
export type AgentsFile = z.infer<typeof AgentsFile>;

/**
 * The first escalation cycle among the roles (every target counts, not only the default), or null. A cycle
 * would pass a concern round forever (PM → Designer → PM); every chain has to end at Human.
 */
export function escalationCycle(agents: Record<RoleKind, { escalates_to: string | string[] }>): RoleKind[] | null {
  const state = new Map<RoleKind, 'visiting' | 'done'>();
  const stack: RoleKind[] = [];
  const visit = (role: RoleKind): RoleKind[] | null => {
    if (state.get(role) === 'done') return null;
    if (state.get(role) === 'visiting') return stack.slice(stack.indexOf(role));
    state.set(role, 'visiting');
    stack.push(role);
    for (const t of ([] as string[]).concat(agents[role].escalates_to)) {
      const next = RoleKind.safeParse(t);
      if (!next.success || next.data === role) continue;
      const found = visit(next.data);
      if (found) return found;
    }
    stack.pop();
    state.set(role, 'done');
    return null;
  };
  for (const role of RoleKind.options) {
    const found = visit(role);
    if (found) return found;
  }
  return null;
}

/** The escalation targets of a role, first one being the default. */
export function escalationTargets(file: AgentsFile, role: RoleKind): Array<RoleKind | 'Human'> {
  return ([] as Array<RoleKind | 'Human'>).concat(file.agents[role].escalates_to);
}

/** The agent names the configuration defines, in pipeline order. */
export function agentNames(file: AgentsFile): AgentName[] {
  const implementers = Array.from({ length: file.agents.Implementer.count }, (_, i) =>
    i === 0 ? 'Implementer' : `Implementer-${i + 1}`,
  );
  return ['ProjectManager', 'Designer', ...implementers, 'Tester'];
}

// ---- .project_policies.yaml -------------------------------------------------------------

/** The seed writes conditions as a list of one-key maps: `- all_tests_passed: true`. */
export const AutoMergeCondition = z.union([
  z.object({ all_tests_passed: z.boolean() }).strict(),
  z.object({ coverage_min: z.number().min(0).max(100) }).strict(),
  z.object({ drift_max_percent: z.number().min(0) }).strict(),
  z.object({ reproducibility_min: z.number().min(0).max(100) }).strict(),
  z.object({ no_critical_concerns: z.boolean() }).strict(),
]);
export type AutoMergeCondition = z.infer<typeof AutoMergeCondition>;

export const RequireHumanCondition = z.union([
  z.object({ impact: z.enum(['low', 'medium', 'high']) }).strict(),
  z.object({ gate_fail: z.boolean() }).strict(),
  z.object({ phase_promotion: z.boolean() }).strict(),
  z.object({ drift_breach: z.boolean() }).strict(),
]);
export type RequireHumanCondition = z.infer<typeof RequireHumanCondition>;

export const TestCommand = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'a short name such as unit or e2e'),
    command: z.string().min(1),
    cwd: InsidePath.default('.'),
    /** JUnit XML file(s) the command writes, relative to cwd; globs are allowed. */
    junit: z.union([InsidePath, z.array(InsidePath)]).optional(),
    /** Coverage file: lcov (`*.info`), Cobertura (`*.xml`) or Istanbul `coverage-summary.json`. */
    coverage: InsidePath.optional(),
    /** A metrics JSON the tests emit (Sharpe, drawdown, runtime…), for drift. */
    metrics: InsidePath.optional(),
    timeout_s: Seconds.default(600),
    retries: Int.min(0).max(5).default(0),
    env: z.record(z.string(), z.string()).default({}),
  })
  .strict();
export type TestCommand = z.infer<typeof TestCommand>;

export const Budget = z
  .object({
    usd: z.number().nonnegative().optional(),
    tokens: NonNegativeInt.max(Number.MAX_SAFE_INTEGER).optional(),
  })
  .strict();

/**
 * What coding agents may do without asking, in Claude Code's rule syntax: `Bash(npm test:*)`,
 * `Edit(src/**)`, `Read(./docs/**)`, `WebFetch(domain:example.com)`, `mcp__server__tool`. Deny wins over
 * ask, ask over allow; what no rule names falls to the defaults (see README "Coding agents").
 */
export const PermissionRuleText = z
  .string()
  .regex(
    /^(?:[A-Za-z][A-Za-z0-9_]*(?:\(.*\))?|mcp__[A-Za-z0-9_-]+(?:__[A-Za-z0-9_*-]+)?)$/s,
    'a rule such as Bash(npm test:*), Edit(src/**), WebFetch(domain:example.com) or Read',
  );
export const AgentPermissions = z
  .object({
    allow: z.array(PermissionRuleText).default([]),
    ask: z.array(PermissionRuleText).default([]),
    deny: z.array(PermissionRuleText).default([]),
    /** A request nobody decides within this time is recorded as timed_out and the agent is told so. */
    timeout_s: z
      .number()
      .positive()
      .max(7 * 24 * 3600)
      .default(1800),
    /** Run the agent's commands in its OS sandbox (bubblewrap on Linux), writes confined to its workspace. */
    sandbox: z.boolean().default(true),
    /** Domains the sandboxed commands may reach (package registries, say); none by default. */
    network_domains: z
      .array(z.string().regex(/^(\*\.)?[a-z0-9.-]+$/i, 'a domain such as registry.npmjs.org'))
      .default([]),
  })
  .strict();
export type AgentPermissions = z.infer<typeof AgentPermissions>;

/**
 * A release tag is `<prefix><version>`, so the prefix must be a valid start of a git ref name
 * (git check-ref-format): no space, `~ ^ : ? * [ \\`, `..`, `@{`, `//`, no component starting with `.` or
 * ending in `.lock`. Empty is allowed (tags `0.1.0`).
 */
export const TagPrefix = z
  .string()
  .max(64)
  .regex(/^[A-Za-z0-9_./+-]*$/, 'letters, digits and . _ - + / only (it starts a git tag name)')
  .refine(
    (p) => !/\.\.|\/\/|@\{|(^|\/)\.|\.lock\/|^[-/]/.test(p),
    'a valid start of a git tag name (no "..", "//", "/.", leading "-" or "/", or ".lock/")',
  );

/**
 * What agent code (the tests run by the QA gate and by `run_tests`, and the shells of workers) may reach.
 * `required`: run only inside an OS sandbox (bubblewrap on Linux, sandbox-exec on macOS), and refuse to run
 * where there is none. `auto`: sandbox where one is available, else run unsandboxed and say so at every start
 * and in `governor doctor`. `off`: never sandbox (say so too).
 */
export const SandboxPolicy = z
  .object({
    mode: z.enum(['required', 'auto', 'off']).default('auto'),
    /** Let sandboxed commands reach the network (package downloads, a test database on another host). */
    network: z.boolean().default(false),
    /**
     * Environment variables passed from Governor's environment to test commands, on top of the safe ones
     * (PATH, HOME, LANG…). Provider keys and bot tokens are never passed unless named here.
     */
    pass_env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')).default([]),
    /** Further folders the sandboxed commands may read (a toolchain under your home, a shared cache). */
    read_paths: z
      .array(NonEmptyString.refine((p) => p.startsWith('/') || p.startsWith('~/'), 'an absolute path or one under ~/'))
      .default([]),
  })
  .strict();
export type SandboxPolicy = z.infer<typeof SandboxPolicy>;
export const DEFAULT_SANDBOX: SandboxPolicy = { mode: 'auto', network: false, pass_env: [], read_paths: [] };

export const PoliciesFile = z
  .object({
    merge_policy: z
      .object({
        auto_merge_if: z.array(AutoMergeCondition).default([{ all_tests_passed: true }]),
        require_human_if: z
          .array(RequireHumanCondition)
          .default([{ impact: 'high' }, { gate_fail: true }, { phase_promotion: true }]),
      })
      .strict(),
    promotion_policy: z
      .object({
        e2e_tests_required: z.boolean().default(true),
        reproducibility_min: z.number().min(0).max(100).default(95),
        docs_required: z.array(InsidePath).default([]),
        /** The test command (by its `name` under tests:) whose results count as the end-to-end suite. */
        e2e_suite: z
          .string()
          .regex(/^[A-Za-z0-9_.-]+$/, 'the name of a test command under tests:, such as e2e')
          .default('e2e'),
        /**
         * After a promotion: `auto` — the PM plans the next phase of the roadmap at once (you review that plan);
         * `on_command` — the project waits until you start it (`/phase next`, the dashboard, Discord).
         */
        next_phase: z.enum(['auto', 'on_command']).default('auto'),
      })
      .strict(),
    tests: z.array(TestCommand).default([]),
    drift: z
      .object({
        metrics: z.array(z.string()).default([]),
        baseline: z.enum(['last_known_good']).default('last_known_good'),
        max_percent: z.number().min(0).default(2),
      })
      .strict()
      .optional(),
    docs_required: z.array(InsidePath).optional(),
    reproducibility_runs: Int.min(1).max(10).default(1),
    budgets: z
      .object({
        per_phase: Budget.optional(),
        per_agent: z.record(AgentName, Budget).optional(),
      })
      .strict()
      .optional(),
    git: z
      .object({
        archive_experiments_after_days: PositiveInt.max(36_500).default(14),
        sign_commits: z.boolean().default(false),
        /**
         * ASCII-armored OpenPGP private key used when sign_commits is on; relative to the project folder, or absolute.
         */
        signing_key_file: NonEmptyString.optional(),
        /** Name of the environment variable holding the key's passphrase; the passphrase never goes in a file. */
        signing_key_passphrase_env: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name such as GOVERNOR_SIGNING_PASSPHRASE')
          .optional(),
        release_tag_prefix: TagPrefix.default('v'),
        /** Re-run the tests on develop after a gate merge, and roll the merge back if they fail. */
        post_merge_qa: z.boolean().default(false),
      })
      .strict()
      .default({
        archive_experiments_after_days: 14,
        sign_commits: false,
        release_tag_prefix: 'v',
        post_merge_qa: false,
      }),
    agent_limits: z
      .object({
        max_steps: PositiveInt.max(10_000).default(40),
        wall_clock_s: Seconds.default(900),
      })
      .strict()
      .optional(),
    agent_permissions: AgentPermissions.optional(),
    sandbox: SandboxPolicy.default(DEFAULT_SANDBOX),
  })
  .strict();
export type PoliciesFile = z.infer<typeof PoliciesFile>;

// ---- discord.yaml -----------------------------------------------------------------------

/** The seed's four Discord channels. */
export const DiscordChannelName = z.enum(['project-updates', 'agent-concerns', 'approvals', 'system-health']);
export type DiscordChannelName = z.infer<typeof DiscordChannelName>;

const Snowflake = z.string().regex(/^\d{15,22}$/, 'a Discord id (digits only; turn on Developer Mode and "Copy ID")');
const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name such as DISCORD_BOT_TOKEN');
/** A channel by id, or by name (resolved when the bridge starts; `governor discord setup` creates missing ones). */
const ChannelRef = z
  .string()
  .regex(/^(\d{15,22}|[a-z0-9_-]{1,100})$/, 'a channel id, or a channel name in lower case without "#"');

export const DiscordFile = z
  .object({
    /** `bot`: alerts, threads, buttons and slash commands. `webhook`: outbound alerts only, no bot needed. */
    mode: z.enum(['bot', 'webhook']).default('bot'),
    guild_id: Snowflake.optional(),
    channels: z
      .object({
        'project-updates': ChannelRef.optional(),
        'agent-concerns': ChannelRef.optional(),
        approvals: ChannelRef.optional(),
        'system-health': ChannelRef.optional(),
      })
      .strict()
      .default({}),
    /** Who may act from Discord: these user ids, or anyone with one of these role ids. Checked on every interaction. */
    reviewers: z
      .object({ users: z.array(Snowflake).default([]), roles: z.array(Snowflake).default([]) })
      .strict()
      .default({ users: [], roles: [] }),
    /** A status post in #system-health once a day at this time. */
    daily_status: z
      .object({
        at: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM, e.g. "09:00"'),
        timezone: z.string().default('UTC'),
      })
      .strict()
      .optional(),
    /**
     * The environment variable holding the bot token (or store it with the desktop app's key settings as "discord").
     */
    token_env: EnvName.default('DISCORD_BOT_TOKEN'),
    /**
     * Webhook mode: one webhook per channel; its URL is a secret and comes from the environment, never from this file.
     */
    webhooks: z.partialRecord(DiscordChannelName, z.object({ url_env: EnvName }).strict()).optional(),
    /** REST base URL, for a proxy (and the tests' fake Discord); default https://discord.com/api. */
    api: HttpUrl.optional(),
    /**
     * Who is pinged (critical concerns, review requests, permission requests; nothing else): these users
     * and roles. Default: the reviewers. `mentions: { users: [], roles: [] }` turns pings off.
     */
    mentions: z
      .object({ users: z.array(Snowflake).default([]), roles: z.array(Snowflake).default([]) })
      .strict()
      .optional(),
    /** Where your phone reaches `governor serve` (e.g. over a VPN): review requests then link to the review there. */
    web_url: HttpUrl.optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    if (f.mode === 'bot') {
      if (!f.guild_id)
        ctx.addIssue({
          code: 'custom',
          path: ['guild_id'],
          message: 'bot mode needs guild_id: the server the bot is in',
        });
      if (f.reviewers.users.length === 0 && f.reviewers.roles.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['reviewers'],
          message: 'bot mode needs at least one reviewer user id or role id; otherwise nobody may act',
        });
      }
    } else if (!f.webhooks || Object.keys(f.webhooks).length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['webhooks'],
        message: 'webhook mode needs webhooks: { <channel>: { url_env: NAME } } for at least one channel',
      });
    }
    if (f.daily_status) {
      try {
        new Intl.DateTimeFormat('en', { timeZone: f.daily_status.timezone });
      } catch {
        ctx.addIssue({
          code: 'custom',
          path: ['daily_status', 'timezone'],
          message: `"${f.daily_status.timezone}" is not a time zone; use an IANA name such as UTC or Europe/Paris`,
        });
      }
    }
  });
export type DiscordFile = z.infer<typeof DiscordFile>;
