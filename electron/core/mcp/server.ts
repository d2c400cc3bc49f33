import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { Impact, Severity } from '../../../shared/index.ts';
import { errorMessage } from '../errors.ts';
import type { Redactor } from '../secrets/redact.ts';
import type { AgentActions } from './actions.ts';

/** An optional claim of who is calling: refused unless it is the agent this server is bound to. */
const As = { agent: z.string().optional().describe('Leave out: this server acts as the agent it is bound to') };

/**
 * Governor's MCP server for one agent: the same actions, with the same checks, as the engine gives its
 * own workers. Inputs are validated by the SDK against these (strict) schemas; a refused call is an MCP
 * tool error the agent can read, never a crash of the server.
 */
export function createGovernorMcpServer(
  actions: AgentActions,
  o: { redactor?: Redactor; version?: string } = {},
): McpServer {
  const server = new McpServer(
    { name: 'governor', version: o.version ?? '0.1.0' },
    {
      instructions:
        `Governor supervises this project. You are ${actions.agent}. Raise concerns, propose ` +
        `variations, ask for clarifications and hand off your work through these tools.`,
    },
  );
  const redact = (s: string) => (o.redactor ? o.redactor.redact(s) : s);
  const run = async (fn: () => unknown): Promise<CallToolResult> => {
    try {
      const out = await fn();
      return {
        content: [{ type: 'text', text: redact(typeof out === 'string' ? out : JSON.stringify(out, null, 1)) }],
      };
    } catch (err) {
      return { isError: true, content: [{ type: 'text', text: redact(`Governor refused: ${errorMessage(err)}`) }] };
    }
  };

  server.registerTool(
    'raise_concern',
    {
      description:
        'Raise a concern up your escalation chain when something is unclear, blocked or risky. Critical ' +
        'concerns reach the human at once.',
      inputSchema: z
        .object({
          ...As,
          to: z.string().optional().describe('Default: the next role up your chain'),
          severity: Severity,
          category: z.string().regex(/^[a-z][a-z0-9_]*$/),
          summary: z.string().min(1).max(500),
          details: z.string().max(20_000),
        })
        .strict(),
    },
    (a) => run(() => actions.raiseConcern(a)),
  );
  server.registerTool(
    'propose_variation',
    {
      description:
        'Propose a change of scope, architecture or expected outcome. High impact goes to the human for a decision.',
      inputSchema: z
        .object({
          ...As,
          title: z.string().min(1).max(300),
          impact: Impact,
          impact_areas: z.array(z.string()).max(50),
          rationale: z.string().min(1).max(20_000),
          affected_modules: z.array(z.string()).max(200),
          risk: z.string().max(5000),
          estimated_rework: z.string().max(500),
        })
        .strict(),
    },
    (a) => run(() => actions.proposeVariation(a)),
  );
  server.registerTool(
    'ask_clarification',
    {
      description:
        'Ask the Designer (design questions) or the ProjectManager (scope questions); the answer comes back here.',
      inputSchema: z
        .object({ ...As, to: z.enum(['Designer', 'ProjectManager']), question: z.string().min(1).max(5000) })
        .strict(),
    },
    (a) => run(() => actions.askClarification(a)),
  );
  server.registerTool(
    'handoff',
    {
      description:
        'Finish your task: a summary, a Conventional Commit subject ("feat(scope): what") and what you ran ' +
        'to test it. Governor commits your workspace and runs the gates.',
      inputSchema: z
        .object({
          ...As,
          task_id: z.string().optional(),
          summary: z.string().min(1).max(20_000),
          commit_subject: z.string().min(1).max(200),
          tested: z.string().max(20_000),
        })
        .strict(),
    },
    (a) => run(() => actions.handoff(a)),
  );
  server.registerTool(
    'next_task',
    {
      description: 'Take your next ready task (agents that join from their own session).',
      inputSchema: z.object({ ...As }).strict(),
    },
    (a) => run(() => actions.nextTask(a)),
  );
  server.registerTool(
    'project_status',
    {
      description: 'Read-only: phase, stage, tasks, concerns, pending reviews, spend, and your own state.',
      inputSchema: z.object({}).strict(),
      annotations: { readOnlyHint: true },
    },
    () => run(() => actions.status()),
  );
  server.registerTool(
    'list_tasks',
    {
      description: "Read-only: this phase's tasks (yours by default).",
      inputSchema: z.object({ mine: z.boolean().optional() }).strict(),
      annotations: { readOnlyHint: true },
    },
    (a) => run(() => actions.tasks(a)),
  );
  server.registerTool(
    'read_document',
    {
      description:
        'Read-only: a project document (REQUIREMENTS.md, design/DESIGN_SPEC.md, tests/TEST_PLAN.md, …) as ' +
        'the ledger has it.',
      inputSchema: z.object({ path: z.string().min(1).max(300) }).strict(),
      annotations: { readOnlyHint: true },
    },
    (a) => run(() => actions.readDocument(a)),
  );
  return server;
}
