import { existsSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { GovernorError } from '../../errors.ts';

/**
 * What an ACP agent's process is given: enough to run, plus the keys and settings the well-known ACP
 * agents read from their environment (Claude Code's adapter, Gemini CLI, OpenCode), and nothing else of
 * Governor's environment.
 */
export const AGENT_ENV = [
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_BASE_URL',
  'ANTHROPIC_AUTH_TOKEN',
  'CLAUDE_CONFIG_DIR',
  'CLAUDE_CODE_EXECUTABLE',
  'CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC',
  'GEMINI_API_KEY',
  'GOOGLE_API_KEY',
  'GOOGLE_APPLICATION_CREDENTIALS',
  'GOOGLE_CLOUD_PROJECT',
  'OPENAI_API_KEY',
  'OPENCODE_CONFIG',
];

/** The agent's binary as the OS would find it, or null. */
export function findOnPath(command: string, cwd: string): string | null {
  if (command.includes('/')) {
    const p = isAbsolute(command) ? command : resolve(cwd, command);
    return existsSync(p) ? p : null;
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, command))) return join(dir, command);
  }
  return null;
}

/** The ACP agent's binary, checked before a session starts; failing, the error names how to install one. */
export function checkAcp(o: { command: string; label: string; projectDir: string }): string {
  const bin = o.command ? findOnPath(o.command, o.projectDir) : null;
  if (!bin) {
    throw new GovernorError(
      'worker_missing',
      `${o.label}: the ACP agent \`${o.command || '(none)'}\` (agents.yaml ` +
        'command:) was not found on PATH; install it (e.g. `npm install -g @google/gemini-cli` with args ' +
        '[--experimental-acp], or `npm install -g @agentclientprotocol/claude-agent-acp`), or give its full path',
    );
  }
  return bin;
}
