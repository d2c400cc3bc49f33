import { unwrapShell } from './codex-approvals.ts';
import { type Json, obj, str } from './loose-json.ts';

/** One line of the agent's activity stream, before the adapter redacts and caps it. */
interface ItemActivity {
  kind: 'message' | 'tool_use' | 'tool_result' | 'test_run';
  tool: string | null;
  text: string;
}

const mcpTool = (item: Json) => `mcp__${str(item.server)}__${str(item.tool)}`;

/**
 * How an `item/started` of Codex's shows in the activity stream: a command as the `Bash` it is, a file change
 * as an `Edit` of its paths, an MCP tool call with its arguments (the tool names match Claude Code's, so every
 * agent's stream reads alike). Null for the items Governor does not show (reasoning, say).
 */
export function startedItemActivity(item: Json): ItemActivity | null {
  const type = str(item.type);
  if (type === 'commandExecution')
    return { kind: 'tool_use', tool: 'Bash', text: `Bash ${unwrapShell(str(item.command))}` };
  if (type === 'fileChange') {
    const paths = (Array.isArray(item.changes) ? item.changes : []).map((c) => str(obj(c).path));
    return { kind: 'tool_use', tool: 'Edit', text: `Edit ${paths.join(', ')}` };
  }
  if (type === 'mcpToolCall') {
    return { kind: 'tool_use', tool: mcpTool(item), text: `${str(item.tool)} ${JSON.stringify(item.arguments)}` };
  }
  return null;
}

/**
 * How an `item/completed` shows: what the agent said (a `message`), or the result of a command (a `test_run`
 * when it is one of the policy's test commands), a file change or an MCP tool call. Null for the rest.
 */
export function completedItemActivity(item: Json, testCommands: string[]): ItemActivity | null {
  const type = str(item.type);
  if (type === 'agentMessage' && str(item.text).trim()) return { kind: 'message', tool: null, text: str(item.text) };
  if (type === 'commandExecution') {
    const cmd = unwrapShell(str(item.command));
    const isTest = testCommands.some((c) => cmd.trim().startsWith(c));
    const exit = item.exitCode !== null && item.exitCode !== undefined ? ` (exit ${String(item.exitCode)})` : '';
    return {
      kind: isTest ? 'test_run' : 'tool_result',
      tool: 'Bash',
      text: `${str(item.status)}${exit}: ${str(item.aggregatedOutput)}`,
    };
  }
  if (type === 'fileChange') return { kind: 'tool_result', tool: 'Edit', text: str(item.status) };
  if (type === 'mcpToolCall') {
    return { kind: 'tool_result', tool: mcpTool(item), text: JSON.stringify(item.result ?? item.error) };
  }
  return null;
}
