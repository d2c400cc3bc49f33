import { homedir } from 'node:os';
import { isAbsolute, relative, resolve } from 'node:path';
import picomatch from 'picomatch';
import { InvalidInputError } from '../errors.ts';

/**
 * Claude Code's permission rule syntax, so rules users already write work here unchanged:
 * - `Bash` (every command), `Bash(npm run build)` (exactly), `Bash(npm test:*)` (a prefix, on a word
 *   boundary), `Bash(git * main)` (`*` matches anything);
 * - `Read(...)` / `Edit(...)` with gitignore-style paths: `//abs/path`, `~/path`, `/path` (from the
 *   workspace root), `path` or `./path` (from the workspace); `Edit` covers Write, MultiEdit and NotebookEdit,
 *   `Read` covers Grep, Glob and LS;
 * - `WebFetch(domain:example.com)`; `mcp__server`, `mcp__server__*`, `mcp__server__tool`; any other bare
 *   tool name.
 */
export interface Rule {
  text: string;
  tool: string;
  content: string | null;
}

/** A tool use as the gate sees it: the tool's name and the exact input the agent asked for. */
export interface ToolUse {
  tool: string;
  input: Record<string, unknown>;
}

export interface MatchContext {
  /** The agent's workspace: relative rule paths and the agent's cwd. */
  root: string;
}

const EDIT_TOOLS = new Set(['Edit', 'Write', 'MultiEdit', 'NotebookEdit']);
const READ_TOOLS = new Set(['Read', 'Grep', 'Glob', 'LS']);

export function parseRule(text: string): Rule {
  const t = text.trim();
  const m = /^([A-Za-z][A-Za-z0-9_]*)(?:\((.*)\))?$/s.exec(t);
  if (m?.[1]) return { text: t, tool: m[1], content: m[2] === undefined || m[2] === '' || m[2] === '*' ? null : m[2] };
  if (/^mcp__[A-Za-z0-9_-]+(__[A-Za-z0-9_*-]+)?$/.test(t)) return { text: t, tool: t, content: null };
  throw new InvalidInputError(
    `"${text}" is not a permission rule; write e.g. Bash(npm test:*), Edit(src/**) or WebFetch(domain:example.com)`,
  );
}

/** Which rule family a tool belongs to: Write is governed by Edit rules, Grep by Read rules. */
export function ruleFamily(tool: string): string {
  // A sandboxed command reaching a host is asked as Claude Code's SandboxNetworkAccess: WebFetch's domain rules cover
  // it.
  if (tool === 'SandboxNetworkAccess') return 'WebFetch';
  if (EDIT_TOOLS.has(tool)) return 'Edit';
  if (READ_TOOLS.has(tool)) return 'Read';
  return tool;
}

/** The file a tool use touches, when it touches one (absolute, resolved against the workspace). */
export function toolPath(use: ToolUse, root: string): string | null {
  const raw = use.input.file_path ?? use.input.notebook_path ?? use.input.path;
  if (typeof raw !== 'string' || raw === '') return READ_TOOLS.has(use.tool) ? root : null;
  return resolve(root, raw.startsWith('~/') ? `${homedir()}${raw.slice(1)}` : raw);
}

export function isInside(path: string, root: string): boolean {
  const back = relative(root, path);
  return back === '' || (!back.startsWith('..') && !isAbsolute(back));
}

/** Does one rule cover this tool use? For Bash, `command` is one simple command (see commands.ts). */
export function ruleMatches(rule: Rule, use: ToolUse, ctx: MatchContext, command?: string): boolean {
  if (rule.tool.startsWith('mcp__')) return mcpMatches(rule.tool, use.tool);
  if (rule.tool !== use.tool && rule.tool !== ruleFamily(use.tool)) return false;
  if (rule.content === null) return true;
  const family = ruleFamily(use.tool);
  if (family === 'Bash') return command !== undefined && commandMatches(rule.content, command);
  if (family === 'Edit' || family === 'Read') {
    const path = toolPath(use, ctx.root);
    return path !== null && pathMatches(rule.content, path, ctx.root);
  }
  if (use.tool === 'WebFetch' || use.tool === 'SandboxNetworkAccess') {
    const d = /^domain:(.+)$/.exec(rule.content)?.[1];
    const url =
      typeof use.input.url === 'string'
        ? safeHost(use.input.url)
        : typeof use.input.host === 'string'
          ? use.input.host.toLowerCase()
          : null;
    return d !== undefined && url !== null && (url === d || (d.startsWith('*.') && url.endsWith(d.slice(1))));
  }
  // Any other tool with a specifier: an exact match on its one string input, if it has one.
  const values = Object.values(use.input).filter((v): v is string => typeof v === 'string');
  return values.includes(rule.content);
}

function mcpMatches(rule: string, tool: string): boolean {
  if (rule === tool) return true;
  const [, server, name] = /^mcp__([^_]+(?:_[^_]+)*?)(?:__(.+))?$/.exec(rule) ?? [];
  if (!server) return false;
  if (name === undefined || name === '*') return tool.startsWith(`mcp__${server}__`);
  return false;
}

function safeHost(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}

/** `npm test:*` is a prefix on a word boundary; `*` elsewhere matches anything; else an exact match. */
export function commandMatches(pattern: string, command: string): boolean {
  const cmd = command.trim().replace(/\s+/g, ' ');
  if (pattern.endsWith(':*')) {
    const prefix = pattern.slice(0, -2).trim();
    return cmd === prefix || cmd.startsWith(`${prefix} `);
  }
  if (pattern.includes('*')) {
    const re = new RegExp(
      `^${pattern
        .trim()
        .split('*')
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
      's',
    );
    return re.test(cmd);
  }
  return cmd === pattern.trim().replace(/\s+/g, ' ');
}

const matchers = new Map<string, (p: string) => boolean>();
/** Compiled once per pattern: compiling a glob costs far more than matching it. */
function matcher(glob: string): (p: string) => boolean {
  let m = matchers.get(glob);
  if (!m) {
    m = picomatch(glob, { dot: true });
    matchers.set(glob, m);
  }
  return m;
}

/** gitignore-style paths, anchored as Claude Code anchors them. */
export function pathMatches(pattern: string, path: string, root: string): boolean {
  let base: string;
  let glob: string;
  if (pattern.startsWith('//')) {
    base = '/';
    glob = pattern.slice(2);
  } else if (pattern.startsWith('~/')) {
    base = homedir();
    glob = pattern.slice(2);
  } else if (pattern.startsWith('/')) {
    base = root;
    glob = pattern.slice(1);
  } else {
    base = root;
    glob = pattern.replace(/^\.\//, '');
    // A bare name with no slash matches at any depth, as in .gitignore.
    if (!glob.includes('/')) glob = `**/${glob}`;
  }
  const rel = relative(base, path);
  if (rel.startsWith('..') || isAbsolute(rel)) return false;
  const target = rel === '' ? '.' : rel;
  const isMatch = matcher(glob);
  // A directory pattern (`src/**`, `src/`) also covers the directory itself.
  return (
    isMatch(target) ||
    (glob.endsWith('/**') && target === glob.slice(0, -3)) ||
    (glob.endsWith('/') && matcher(`${glob}**`)(target))
  );
}
