import { homedir } from 'node:os';
import { basename, resolve } from 'node:path';
import type { AgentPermissions, TestCommand } from '../../../shared/index.ts';
import { type SimpleCommand, splitCommand } from './commands.ts';
import {
  type MatchContext,
  type Rule,
  type ToolUse,
  isInside,
  parseRule,
  ruleFamily,
  ruleMatches,
  toolPath,
} from './rules.ts';

export type Behavior = 'allow' | 'deny' | 'ask';

export interface Verdict {
  behavior: Behavior;
  /** The rule (or named default) that decided. */
  rule: string | null;
  /** In words, for the human and the agent. */
  reason: string;
}

export interface PolicyRules {
  allow: Rule[];
  ask: Rule[];
  deny: Rule[];
}

/** Files whose reading would leak a secret: never read, never edited, whatever the rules say. */
const SECRET_GLOBS = [
  '.env',
  '.env.*',
  '*.pem',
  '*.key',
  'id_rsa*',
  'id_ed25519*',
  'id_ecdsa*',
  '.npmrc',
  '.netrc',
  '.pypirc',
  'keys.json',
  'credentials',
  'credentials.json',
  '.credentials.json',
  '*.p12',
  '*.pfx',
  'governor.db*',
  'mcp.key',
];
const SECRET_NAMES = SECRET_GLOBS.map((g) => new RegExp(`^${g.replace(/\./g, '\\.').replace(/\*/g, '.*')}$`));
const SECRET_DIRS = ['.ssh', '.aws', '.gnupg', '.governor', '.docker', '.kube'];

/** Package installs and network: asked by default, whatever the allowlist. */
const ASK_COMMANDS = [
  /^(npm|pnpm|yarn|bun)\s+(i|install|add|ci|update|upgrade|publish|exec|dlx|x)\b/,
  /^npx\s/,
  /^(pip3?|pipx|uv|poetry|conda|gem|cargo|go|apt|apt-get|brew|composer|dotnet)\s+(install|add|get|update|upgrade|publish|sync|pip)\b/,
  /^(curl|wget|ssh|scp|sftp|rsync|nc|ncat|telnet|ftp|docker|podman|kubectl|sudo|su)\b/,
  /^git\s+(push|pull|fetch|clone|remote|submodule|ls-remote)\b/,
];

/** Commands that only read, or only touch the agent's own clone: allowed by default. */
const SAFE_COMMANDS = [
  /^(ls|pwd|cat|head|tail|wc|grep|rg|find|echo|printf|true|false|test|diff|sort|uniq|cut|tr|sed -n|which|file|stat|du|tree|basename|dirname|realpath|mkdir|touch)(\s|$)/,
  /^git\s+(status|diff|log|show|add|restore|stash|rev-parse|ls-files|branch --show-current|blame|grep|commit)(\s|$)/,
  /^node\s+--test(\s|$)/,
];

/** Tools that touch nothing outside the agent's own bookkeeping. */
const HARMLESS_TOOLS = new Set([
  'TodoWrite',
  'ToolSearch',
  'BashOutput',
  'KillShell',
  'KillBash',
  'ExitPlanMode',
  'ListAgents',
]);

export function compileRules(
  p: Pick<AgentPermissions, 'allow' | 'ask' | 'deny'> | undefined,
  extraAllow: readonly string[] = [],
): PolicyRules {
  return {
    allow: [...(p?.allow ?? []), ...extraAllow].map(parseRule),
    ask: (p?.ask ?? []).map(parseRule),
    deny: (p?.deny ?? []).map(parseRule),
  };
}

export interface EvaluateContext extends MatchContext {
  rules: PolicyRules;
  tests: readonly Pick<TestCommand, 'command'>[];
  /** MCP servers Governor itself gives the agent (its own tools are the agent's way to talk to Governor). */
  ownMcpServer: string;
}

/**
 * Governor's one permission policy for every coding agent's tool use. Order: the project's deny rules;
 * secret files (always denied); the project's ask rules; its allow rules (with "allow always" and this
 * session's grants); anything outside the workspace (denied); package installs and network (asked);
 * reads, edits in the workspace, the test commands and read-only commands (allowed); anything else asked.
 */
export function evaluate(use: ToolUse, ctx: EvaluateContext): Verdict {
  if (ruleFamily(use.tool) === 'Bash') return evaluateBash(use, ctx);
  const path = toolPath(use, ctx.root);
  const user = userRules(use, ctx);
  if (user?.behavior === 'deny') return user;
  if (path !== null && isSecret(path, ctx.root))
    return {
      behavior: 'deny',
      rule: 'default: secret files',
      reason: `${shown(path, ctx.root)} may hold secrets; agents never read or write it`,
    };
  if (user) return user;
  const family = ruleFamily(use.tool);
  if (path !== null && !isInside(path, ctx.root))
    return {
      behavior: 'deny',
      rule: 'default: outside the workspace',
      reason: `${path} is outside the agent's workspace ${ctx.root}`,
    };
  if (path !== null && family === 'Edit' && isInside(path, resolve(ctx.root, '.git')))
    return {
      behavior: 'deny',
      rule: 'default: git internals',
      reason: "the clone's .git folder is Governor's to manage",
    };
  if (family === 'Read' || family === 'Edit')
    return {
      behavior: 'allow',
      rule: `default: ${family === 'Read' ? 'reads' : 'edits'} in the workspace`,
      reason: 'inside the workspace',
    };
  if (use.tool.startsWith(`mcp__${ctx.ownMcpServer}__`))
    return { behavior: 'allow', rule: `default: Governor's own tools`, reason: 'Governor MCP tool' };
  if (HARMLESS_TOOLS.has(use.tool))
    return { behavior: 'allow', rule: `default: ${use.tool}`, reason: 'touches nothing outside the agent' };
  if (use.tool === 'WebFetch' || use.tool === 'WebSearch' || use.tool === 'SandboxNetworkAccess')
    return {
      behavior: 'ask',
      rule: 'default: network',
      reason: `network access${typeof use.input.host === 'string' ? ` to ${use.input.host}` : ''} is asked by default`,
    };
  return { behavior: 'ask', rule: null, reason: `no rule allows ${use.tool}` };
}

function userRules(use: ToolUse, ctx: EvaluateContext, command?: string): Verdict | null {
  for (const behavior of ['deny', 'ask', 'allow'] as const) {
    const hit = ctx.rules[behavior].find((r) => ruleMatches(r, use, ctx, command));
    if (hit) return { behavior, rule: hit.text, reason: `${hit.text} is in agent_permissions.${behavior}` };
  }
  return null;
}

function evaluateBash(use: ToolUse, ctx: EvaluateContext): Verdict {
  const line = typeof use.input.command === 'string' ? use.input.command : '';
  if (!line.trim()) return { behavior: 'deny', rule: null, reason: 'an empty command' };
  const whole = userRules(use, ctx, line.trim());
  if (whole?.behavior === 'deny') return whole;
  const split = splitCommand(line);
  const verdicts = split.commands.map((c) => evaluateSimple(use, c, ctx));
  const deny = verdicts.find((v) => v.behavior === 'deny');
  if (deny) return deny;
  // A rule written for the whole line (e.g. `Bash(npm test && npm run lint)`) may allow it as a whole.
  if (whole?.behavior === 'allow' && !split.opaque) return whole;
  if (split.opaque)
    return {
      behavior: 'ask',
      rule: null,
      reason: 'the command runs commands inside it ($(…), backticks), which cannot be checked against the rules',
    };
  const ask = verdicts.find((v) => v.behavior === 'ask');
  if (ask) return ask;
  return verdicts[0] ?? { behavior: 'ask', rule: null, reason: 'nothing to run' };
}

function evaluateSimple(use: ToolUse, c: SimpleCommand, ctx: EvaluateContext): Verdict {
  for (const p of [...c.words.slice(1), ...c.redirects]) {
    const path = argPath(p, ctx.root);
    if (path === null) continue;
    if (isSecret(path, ctx.root))
      return {
        behavior: 'deny',
        rule: 'default: secret files',
        reason: `\`${c.text}\` touches ${shown(path, ctx.root)}, which may hold secrets`,
      };
  }
  const user = userRules(use, ctx, c.text);
  if (user) return user;
  for (const p of [...c.words.slice(1), ...c.redirects]) {
    const path = argPath(p, ctx.root);
    if (
      path !== null &&
      !isInside(path, ctx.root) &&
      !OUTSIDE_OK.some((ok) => path === ok || path.startsWith(`${ok}/`))
    ) {
      return {
        behavior: 'deny',
        rule: 'default: outside the workspace',
        reason: `\`${c.text}\` names ${path}, outside the agent's workspace`,
      };
    }
  }
  if (ASK_COMMANDS.some((re) => re.test(c.text)))
    return {
      behavior: 'ask',
      rule: 'default: installs and network',
      reason: `\`${c.text}\` installs packages or reaches the network`,
    };
  const test = ctx.tests.find((t) => c.text === t.command.trim() || c.text.startsWith(`${t.command.trim()} `));
  if (test)
    return {
      behavior: 'allow',
      rule: "default: the project's test commands",
      reason: `${test.command} is a test command in .project_policies.yaml`,
    };
  if (SAFE_COMMANDS.some((re) => re.test(c.text)))
    return {
      behavior: 'allow',
      rule: 'default: read-only commands',
      reason: `\`${c.words[0]}\` only reads, or works in the agent's own clone`,
    };
  return { behavior: 'ask', rule: null, reason: `\`${c.text}\` is not on the allowlist (agent_permissions.allow)` };
}

const OUTSIDE_OK = ['/dev/null', '/dev/stdout', '/dev/stderr', '/tmp'];

/** A word that names a path (absolute, home, or climbing out); plain words and flags are not paths. */
function argPath(word: string, root: string): string | null {
  const w = word.replace(/^-[A-Za-z-]+=/, '');
  if (w.startsWith('/')) return resolve(w);
  if (w.startsWith('~/') || w === '~') return resolve(homedir(), w.slice(2));
  if (w.startsWith('.') || w.includes('/')) return resolve(root, w);
  return null;
}

/** Judged on the part inside the workspace, so a workspace that itself lives under .governor/ is not "secret". */
function isSecret(path: string, root: string): boolean {
  const parts = (isInside(path, root) ? path.slice(root.length) : path).split('/');
  if (parts.some((p) => SECRET_DIRS.includes(p))) return true;
  const name = basename(path);
  return SECRET_NAMES.some((re) => re.test(name));
}

const shown = (path: string, root: string) => (isInside(path, root) ? path.slice(root.length + 1) || '.' : path);

/** The rule an "allow for session" or "allow always" grants for this use: narrow, and readable. */
export function suggestRule(use: ToolUse, root: string): string | null {
  const family = ruleFamily(use.tool);
  if (family === 'Bash') {
    const first = splitCommand(typeof use.input.command === 'string' ? use.input.command : '').commands[0];
    if (!first) return null;
    const head = first.words.slice(0, first.words[1] && !first.words[1].startsWith('-') ? 2 : 1).join(' ');
    return `Bash(${head}:*)`;
  }
  if (family === 'Edit' || family === 'Read') {
    const path = toolPath(use, root);
    if (path === null) return family;
    return isInside(path, root) ? `${family}(/${path.slice(root.length + 1)})` : `${family}(/${path})`;
  }
  if (use.tool === 'SandboxNetworkAccess' && typeof use.input.host === 'string')
    return `WebFetch(domain:${use.input.host})`;
  if (use.tool === 'WebFetch' && typeof use.input.url === 'string') {
    try {
      return `WebFetch(domain:${new URL(use.input.url).hostname})`;
    } catch {
      return 'WebFetch';
    }
  }
  return use.tool;
}
