import type { ClaudeCodeOptions } from './claude-code.ts';
import type { Worker } from './worker.ts';

/**
 * The Claude Code worker, loaded when it first works: the Agent SDK and the MCP SDK are large, and every
 * `governor` command (status, decide, reviews) would otherwise pay for loading them at start-up.
 */
export function lazyClaudeCodeWorker(o: ClaudeCodeOptions): Worker {
  return {
    kind: 'claude-code',
    label: o.label,
    usesGit: true,
    async work(t, h) {
      const { createClaudeCodeWorker } = await import('./claude-code.ts');
      return createClaudeCodeWorker(o).work(t, h);
    },
  };
}
