import { tool, zodSchema } from 'ai';
import { RE2JS } from 're2js';
import { z } from 'zod';
import { AgentName, Severity, Variation } from '../../../../shared/index.ts';
import { errorMessage } from '../../errors.ts';
import type { Redactor } from '../../secrets/redact.ts';
import type { ProposedVariation, RaisedConcern, WorkspaceFiles } from '../runtime.ts';

const MAX_OUTPUT = 20_000;
const MAX_MATCHES = 200;

const cap = (text: string) =>
  text.length > MAX_OUTPUT
    ? `${text.slice(0, MAX_OUTPUT)}\n[… ${text.length - MAX_OUTPUT} more characters; read a narrower range]`
    : text;

const MAX_PATTERN = 1_000;

/**
 * A model's regex, run by RE2 (re2js, pure JS): linear time whatever the pattern, so `^(a+)+$` cannot freeze
 * the event loop (and the host with it) as a backtracking engine does. RE2 has no backreferences or
 * lookarounds; such a pattern is searched as plain text and the answer says so.
 */
export function compileSearch(pattern: string): { test(line: string): boolean; note: string | null } {
  if (pattern.length > MAX_PATTERN)
    throw new Error(`the pattern is ${pattern.length} characters; at most ${MAX_PATTERN}`);
  try {
    const re = RE2JS.compile(pattern);
    return { test: (line) => re.matcher(line).find(), note: null };
  } catch (err) {
    return {
      test: (line) => line.includes(pattern),
      note: `not a regular expression RE2 accepts (${errorMessage(err)}); searched as plain text`,
    };
  }
}

/** What the tool loop gathers besides file edits. */
export interface ToolState {
  concerns: RaisedConcern[];
  variations: ProposedVariation[];
  handoff: { summary: string; commit_subject: string } | null;
}

/** A tool refusal is an answer the model can read and recover from, never a thrown error that ends the loop. */
async function guardRaw<T>(fn: () => Promise<T>): Promise<T | { error: string }> {
  try {
    return await fn();
  } catch (err) {
    return { error: errorMessage(err) };
  }
}

/**
 * Each tool's input schema, built once and wrapped for the AI SDK once. A bare zod schema is converted to
 * JSON Schema on every request of the tool loop (every step, every tool); the wrapped one converts on its
 * first use and keeps the result, and validates a call exactly as the bare schema would.
 */
const INPUT = {
  list_files: zodSchema(z.object({ prefix: z.string().optional() })),
  read_file: zodSchema(z.object({ path: z.string() })),
  write_file: zodSchema(z.object({ path: z.string(), content: z.string() })),
  edit_file: zodSchema(z.object({ path: z.string(), search: z.string().min(1), replace: z.string() })),
  search: zodSchema(z.object({ pattern: z.string().min(1), prefix: z.string().optional() })),
  run_tests: zodSchema(z.object({})),
  raise_concern: zodSchema(
    z.object({
      to: z.union([AgentName, z.literal('Human')]),
      severity: Severity,
      category: z.string().regex(/^[a-z][a-z0-9_]*$/),
      summary: z.string().min(1),
      details: z.string(),
    }),
  ),
  // The fields of a Variation the proposer writes, with the same rules (shared/domain/variation.ts).
  propose_variation: zodSchema(
    Variation.pick({
      title: true,
      impact: true,
      impact_areas: true,
      rationale: true,
      affected_modules: true,
      risk: true,
      estimated_rework: true,
    }),
  ),
  handoff: zodSchema(
    z.object({
      summary: z.string().min(1),
      commit_subject: z
        .string()
        .regex(
          /^(feat|fix|docs|test|refactor|chore|perf|style|build|ci)(\([a-z0-9-]+\))?!?: .+/,
          'a Conventional Commit subject',
        ),
    }),
  ),
};

/**
 * The implementer's tools, all confined to its workspace through `files` (which refuses `..`, absolute
 * paths and symlinks that lead out). Outputs are capped so one big file cannot flood the context.
 */
export function implementerTools(
  files: WorkspaceFiles,
  state: ToolState,
  runTests?: () => Promise<{ passed: boolean; summary: string }>,
  redactor?: Pick<Redactor, 'redactValue'>,
) {
  // Tool results go to the model provider: a key a file or a test printed must not travel with them.
  const guard = async <T>(fn: () => Promise<T>): Promise<T | { error: string }> => {
    const out = await guardRaw(fn);
    return redactor ? redactor.redactValue(out) : out;
  };
  return {
    list_files: tool({
      description: 'List files in the workspace, optionally under a path prefix.',
      inputSchema: INPUT.list_files,
      execute: ({ prefix }) => guard(async () => ({ files: (await files.list(prefix ?? '')).slice(0, 2000) })),
    }),
    read_file: tool({
      description: 'Read a text file of the workspace.',
      inputSchema: INPUT.read_file,
      execute: ({ path }) =>
        guard(async () => {
          const text = await files.read(path);
          return text === null ? { error: `${path} does not exist` } : { content: cap(text) };
        }),
    }),
    write_file: tool({
      description: 'Create or replace a file of the workspace with the given content.',
      inputSchema: INPUT.write_file,
      execute: ({ path, content }) =>
        guard(async () => {
          await files.write(path, content);
          return { ok: true, bytes: Buffer.byteLength(content) };
        }),
    }),
    edit_file: tool({
      description: 'Replace exactly one occurrence of `search` with `replace` in a file.',
      inputSchema: INPUT.edit_file,
      execute: ({ path, search, replace }) =>
        guard(async () => {
          const text = await files.read(path);
          if (text === null) return { error: `${path} does not exist` };
          const count = text.split(search).length - 1;
          if (count !== 1) return { error: `search text found ${count} times in ${path}; it must match exactly once` };
          await files.write(
            path,
            text.replace(search, () => replace),
          );
          return { ok: true };
        }),
    }),
    search: tool({
      description: 'Search the workspace for a regular expression (RE2 syntax, like ripgrep); returns path:line: text.',
      inputSchema: INPUT.search,
      execute: ({ pattern, prefix }) =>
        guard(async () => {
          const re = compileSearch(pattern);
          const hits: string[] = [];
          for (const path of await files.list(prefix ?? '')) {
            const text = await files.read(path).catch(() => null);
            if (!text || text.includes('\u0000')) continue;
            text.split('\n').forEach((line, i) => {
              if (hits.length < MAX_MATCHES && re.test(line)) hits.push(`${path}:${i + 1}: ${line.slice(0, 300)}`);
            });
            if (hits.length >= MAX_MATCHES) break;
          }
          return { matches: hits, truncated: hits.length >= MAX_MATCHES, ...(re.note ? { note: re.note } : {}) };
        }),
    }),
    run_tests: tool({
      description: "Run the project's test command(s) in the workspace and report the result.",
      inputSchema: INPUT.run_tests,
      execute: () =>
        guard(async () =>
          runTests ? runTests() : { passed: false, summary: 'no test command is configured in .project_policies.yaml' },
        ),
    }),
    raise_concern: tool({
      description: 'Raise a concern to the next role up when something is unclear, blocked or risky.',
      inputSchema: INPUT.raise_concern,
      execute: async (c) => {
        state.concerns.push(c);
        return { ok: true, note: 'recorded; the addressee will answer through the human or the chain' };
      },
    }),
    propose_variation: tool({
      description: 'Propose a change of scope, architecture or expected outcome. High impact goes to the human.',
      inputSchema: INPUT.propose_variation,
      execute: async (v) => {
        state.variations.push(v);
        return { ok: true };
      },
    }),
    handoff: tool({
      description: 'Finish the task: a short summary and a Conventional Commit subject such as "feat(scope): what".',
      inputSchema: INPUT.handoff,
      execute: async (h) => {
        state.handoff = h;
        return { ok: true, note: 'handed off; stop now' };
      },
    }),
  };
}
