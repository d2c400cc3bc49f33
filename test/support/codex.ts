import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { OpenedProject } from '../../electron/core/host.ts';
import { type ProjectOptions, agentProject } from './coding-agent.ts';
import type { FakeResponses, FunctionCall } from './fake-openai-responses.ts';
import { tempDir } from './tmp.ts';

/** A key that must never show up anywhere Governor writes. */
export const CODEX_TEST_KEY = 'sk-proj-governor-codex-test-key-0123456789abcdef';

/** The model the fake plays: one Codex knows, so it offers apply_patch and tool_search as it would for real. */
export const CODEX_MODEL = 'gpt-5.5';

/**
 * The sample project with its Implementers played by the REAL codex binary against the fake Responses
 * API, through a custom model provider (agents.yaml base_url), taken to the build.
 */
export async function codexProject(
  fake: FakeResponses,
  o: ProjectOptions & { command?: string } = {},
): Promise<{ dir: string; open(): Promise<OpenedProject> }> {
  const home = tempDir('governor-codex-home-');
  mkdirSync(join(home, '.codex'), { recursive: true });
  process.env.HOME = home;
  delete process.env.CODEX_HOME;
  process.env.OPENAI_API_KEY = CODEX_TEST_KEY;
  return agentProject(
    { runtime: `codex:${CODEX_MODEL}`, base_url: fake.url, ...(o.command ? { command: o.command } : {}) },
    o,
  );
}

/** apply_patch, as the model writes it (a freeform tool). */
export const addFile = (path: string, content: string): FunctionCall => ({
  name: 'apply_patch',
  custom: true,
  arguments: `*** Begin Patch\n*** Add File: ${path}\n${content
    .split('\n')
    .filter((l, i, a) => i < a.length - 1 || l)
    .map((l) => `+${l}`)
    .join('\n')}\n*** End Patch\n`,
});

export const exec = (cmd: string): FunctionCall => ({ name: 'exec_command', arguments: { cmd } });

/** Codex defers MCP tools behind tool_search: the model searches first, then calls within the namespace. */
export const searchTools = (query: string): FunctionCall => ({
  name: 'tool_search',
  search: true,
  arguments: { query, limit: 8 },
});
export const governor = (tool: string, args: Record<string, unknown>): FunctionCall => ({
  name: tool,
  namespace: 'mcp__governor',
  arguments: args,
});
