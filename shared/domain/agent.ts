import { z } from 'zod';
import { AgentName, RoleKind, NonNegativeInt } from './common.ts';

export const AgentStatus = z.enum(['idle', 'working', 'paused', 'waiting_human']);
export type AgentStatus = z.infer<typeof AgentStatus>;

/** Live state of one agent, as the dashboard and `/status` show it. */
export const AgentState = z.object({
  name: AgentName,
  role: RoleKind,
  runtime: z.string(),
  status: AgentStatus,
  /** A pause asked for while the agent was working takes effect when its step ends. */
  pause_requested: z.boolean(),
  current_task: z.string().nullable(),
  tokens_in: NonNegativeInt,
  tokens_out: NonNegativeInt,
  cost_usd: z.number().nonnegative(),
  updated_at: z.string(),
});
export type AgentState = z.infer<typeof AgentState>;
