import { resolve } from 'node:path';
import type * as acp from '@agentclientprotocol/sdk';
import type { ToolUse } from '../../permissions/rules.ts';
import { obj, str } from './loose-json.ts';

const CLAUDE_TOOLS = new Set([
  'Bash',
  'Write',
  'Edit',
  'MultiEdit',
  'NotebookEdit',
  'Read',
  'Grep',
  'Glob',
  'LS',
  'WebFetch',
  'WebSearch',
  'TodoWrite',
]);

/**
 * Options for the Claude Code ACP adapter (`_meta` is ACP's extension point: other agents ignore it), so it
 * is governed as Governor's own Claude Code worker is:
 * - every tool asked (a settings `ask` rule per tool): on its own Claude Code runs reads and read-only
 *   commands (`uname`, `cat .env`) without a permission request, which would skip Governor's gate;
 * - no settings files of the user's (their allow rules would skip the gate too);
 * - no "bypass permissions" mode: the session does not even offer it;
 * - prompt suggestions off: after each turn Claude Code would make one more model call to guess the user's
 *   next message, for a composer Governor does not have. That call is paid for and, racing the next prompt,
 *   can answer in its place.
 */
export const SESSION_META = {
  claudeCode: {
    options: {
      promptSuggestions: false,
      allowDangerouslySkipPermissions: false,
      settingSources: [],
      settings: { permissions: { ask: [...CLAUDE_TOOLS].filter((t) => t !== 'TodoWrite') } },
    },
  },
};

/**
 * The tool an ACP permission request amounts to, in Claude Code's names so the same rules apply. The
 * Claude Code adapter says which tool it is; any other agent is read from the ACP tool kind.
 */
export function toolUseOf(call: acp.ToolCallUpdate, root: string): ToolUse {
  const raw = obj(call.rawInput);
  // Agents that name Claude Code's tools (its ACP adapter) are taken at their word; others by ACP tool kind.
  const named = str(call.name) || str(obj(obj(call._meta).claudeCode).toolName);
  if (CLAUDE_TOOLS.has(named) || named.startsWith('mcp__')) return { tool: named, input: raw };
  const path = str(raw.file_path) || str(raw.path) || str(call.locations?.[0]?.path);
  const file_path = path ? resolve(root, path) : '';
  switch (call.kind) {
    case 'execute':
      return { tool: 'Bash', input: { command: str(raw.command) || str(call.title) } };
    case 'edit':
    case 'delete':
    case 'move':
      return { tool: 'Edit', input: { ...raw, file_path } };
    case 'read':
    case 'search':
      return { tool: 'Read', input: { ...raw, file_path } };
    case 'fetch':
      return { tool: 'WebFetch', input: { url: str(raw.url) || str(call.title) } };
    default:
      return { tool: str(call.title) || 'Unknown', input: raw };
  }
}
