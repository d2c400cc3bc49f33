import { z } from 'zod';
import { CommandSource } from './command.ts';
import { AgentName, Id, PositiveInt } from './common.ts';

/**
 * A coding agent's tool use that the policy says to ask about: a durable request in the human's inbox.
 * The input is kept exactly as the agent asked (secrets masked), with a digest of the exact input, so a
 * decision is bound to what the human saw; a decision presented for another digest is refused.
 */
/** `withdrawn`: the agent stopped waiting (it cancelled the tool use, or its session ended) before anyone decided. */
export const PermissionStatus = z.enum(['pending', 'allowed', 'denied', 'timed_out', 'withdrawn']);
export type PermissionStatus = z.infer<typeof PermissionStatus>;

/**
 * What the human may answer:
 * - `allow_once`: this tool use only;
 * - `allow_session`: this use, and the same kind of use (`rule`) for the rest of the agent's session;
 * - `allow_always`: `rule` is added to `agent_permissions.allow` in .project_policies.yaml;
 * - `deny`: the agent reads `message`;
 * - `allow_edited`: run `edited_input` instead of what was asked.
 */
export const PermissionDecisionKind = z.enum(['allow_once', 'allow_session', 'allow_always', 'deny', 'allow_edited']);
export type PermissionDecisionKind = z.infer<typeof PermissionDecisionKind>;

/** sha256 (hex) of the canonical JSON of `{ tool, input }`. */
export const InputDigest = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 digest in hex');

export const PermissionDecision = z.object({
  decision: PermissionDecisionKind,
  by: z.string().min(1),
  /** A human's surface (as for commands), or 'mcp' when an agent's own session answered. */
  source: z.enum([...CommandSource.options, 'mcp']),
  at: z.string(),
  /** What the agent reads: the human's words on a denial, or a note with an allow. */
  message: z.string(),
  /** The rule an allow_session / allow_always grants, in Claude Code's rule syntax. */
  rule: z.string().nullable(),
  edited_input: z.unknown().optional(),
  edited_digest: InputDigest.nullable(),
});
export type PermissionDecision = z.infer<typeof PermissionDecision>;

export const PermissionRequest = z.object({
  id: Id,
  phase: PositiveInt,
  agent: AgentName,
  /** The worker kind that asked: `claude-code`, `codex`, `acp`, … */
  worker: z.string(),
  session_id: z.string().nullable(),
  task_id: z.string().nullable(),
  tool: z.string().min(1),
  input: z.unknown(),
  input_digest: InputDigest,
  /** One line for lists and notifications: the command, the path, the domain. */
  summary: z.string(),
  /** Why it was asked: the rule or default that said "ask". */
  reason: z.string(),
  /** The rule an "allow for session" / "allow always" would add. */
  suggested_rule: z.string().nullable(),
  status: PermissionStatus,
  requested_at: z.string(),
  timeout_at: z.string(),
  decision: PermissionDecision.nullable(),
});
export type PermissionRequest = z.infer<typeof PermissionRequest>;

/** One item of a worker's stream, as the ledger keeps it (redacted, text capped). */
export const WorkerActivityKind = z.enum([
  'session',
  'message',
  'tool_use',
  'tool_result',
  'permission',
  'test_run',
  'result',
  'error',
]);
export const WorkerActivity = z.object({
  agent: AgentName,
  worker: z.string(),
  session_id: z.string().nullable(),
  task_id: z.string().nullable(),
  kind: WorkerActivityKind,
  text: z.string(),
  tool: z.string().nullable().default(null),
  /** For a tool use: how the permission gate decided (`allow`, `deny`, `ask`) and by which rule. */
  gate: z
    .object({ behavior: z.enum(['allow', 'deny', 'ask']), rule: z.string().nullable(), digest: InputDigest })
    .nullable()
    .default(null),
});
export type WorkerActivity = z.infer<typeof WorkerActivity>;

/** A coding-agent session Governor started (or resumed) for one task; kept so a restart resumes it. */
export const WorkerSession = z.object({
  agent: AgentName,
  worker: z.string(),
  task_id: z.string(),
  session_id: z.string(),
  workspace: z.string(),
  status: z.enum(['running', 'finished', 'interrupted']),
});
export type WorkerSession = z.infer<typeof WorkerSession>;

export const PERMISSION_DECISION_LABEL: Record<PermissionDecisionKind, string> = {
  allow_once: 'Allow once',
  allow_session: 'Allow for this session',
  allow_always: 'Allow always',
  deny: 'Deny',
  allow_edited: 'Edit, then allow',
};
