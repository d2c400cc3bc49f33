import { resolve } from 'node:path';
import type { ToolUse } from '../../permissions/rules.ts';
import { type Json, obj, str } from './loose-json.ts';

/**
 * `codex app-server` wraps each command as `/bin/bash -lc '<script>'`: the gate judges the script, as the
 * human would read it. Hand-written: one POSIX single-quote form, which is all Codex produces.
 */
export function unwrapShell(command: string): string {
  const m = /^(?:\S*\/)?(?:ba|z)?sh\s+-l?c\s+([\s\S]+)$/.exec(command.trim());
  const arg = m?.[1];
  if (!arg) return command;
  if (arg.startsWith("'") && arg.endsWith("'")) return arg.slice(1, -1).replaceAll("'\\''", "'");
  if (arg.startsWith('"') && arg.endsWith('"')) return arg.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
  return arg;
}

/**
 * What an `item/commandExecution/requestApproval` amounts to as a Claude Code tool use, so Governor's rules
 * judge it as they judge Claude Code's. `item` is the command's `item/started`, for when the ask omits it.
 */
export function commandApprovalUse(p: Json, item: Json | undefined, workspace: string): ToolUse {
  const raw = str(p.command) || str(obj(item).command);
  let command = unwrapShell(raw);
  const cwd = str(p.cwd);
  // A command run elsewhere is judged as `cd <there> && …`: the policy denies a path outside.
  if (cwd && resolve(cwd) !== resolve(workspace)) command = `cd ${cwd} && ${command}`;
  const net = obj(p.networkApprovalContext);
  if (str(net.host)) return { tool: 'SandboxNetworkAccess', input: { host: str(net.host), command } };
  if (p.kind === 'writeStdin') return { tool: 'WriteStdin', input: { command } };
  // Codex asks to run a command outside its sandbox: never the same thing as running it inside.
  if (p.reason) return { tool: 'UnsandboxedBash', input: { command, reason: str(p.reason) } };
  return { tool: 'Bash', input: { command } };
}

/**
 * The tool uses an `item/fileChange/requestApproval` covers, all of which must be allowed: a `Write` or
 * `Edit` per file (`item`, the change's `item/started`, lists them), one more `Write` where a file moves,
 * and an `Edit` of a whole folder Codex asks to be granted.
 */
export function fileChangeApprovalUses(p: Json, item: Json | undefined, workspace: string): ToolUse[] {
  const listed = item?.changes;
  const changes: unknown[] = Array.isArray(listed) ? listed : [];
  const uses: ToolUse[] = changes.flatMap((c): ToolUse[] => {
    const ch = obj(c);
    const kind = str(obj(ch.kind).type);
    const file_path = resolve(workspace, str(ch.path));
    const move = str(obj(ch.kind).move_path);
    return [
      {
        tool: kind === 'add' ? 'Write' : 'Edit',
        input: kind === 'delete' ? { file_path, delete: true } : { file_path, diff: str(ch.diff) },
      },
      ...(move ? [{ tool: 'Write', input: { file_path: resolve(workspace, move), moved_from: file_path } }] : []),
    ];
  });
  if (str(p.grantRoot)) {
    uses.push({ tool: 'Edit', input: { file_path: resolve(workspace, str(p.grantRoot)), grant_root: true } });
  }
  return uses;
}

/**
 * What an `mcpServer/elicitation/request` asks, as the MCP tool use it amounts to: Codex asks before each MCP
 * tool call as an elicitation. Null for an elicitation of any other kind (Governor declines those).
 */
export function mcpApprovalUse(p: Json): ToolUse | null {
  const meta = obj(p._meta);
  if (str(meta.codex_approval_kind) !== 'mcp_tool_call') return null;
  return { tool: `mcp__${str(p.serverName)}__${str(meta.tool_name)}`, input: obj(meta.tool_params) };
}
