import type { AgentName } from '../../../../shared/index.ts';
import { GovernorError } from '../../errors.ts';
import type { AgentRuntime } from '../runtime.ts';

/**
 * What a coding-agent runtime (`claude-code`, `external`) answers outside task work. Its tasks go through
 * its worker (or, for `external`, through Governor's MCP server); the documents of the plan, design and
 * test-plan stages, and answers to questions and concerns, need a model runtime, so asking for one says
 * which role to give an AI SDK runtime. The failure becomes a concern and pauses only this agent.
 */
export function codingAgentRuntime(agent: AgentName, runtime: string): AgentRuntime {
  const refuse = (what: string): never => {
    throw new GovernorError('unsupported', `${agent} runs ${runtime}, which does task work only; ${what} needs a model runtime: give ${agent.replace(/-\d+$/, '')} an AI SDK runtime in agents.yaml (e.g. anthropic:claude-sonnet-4-5) for it`);
  };
  return {
    label: runtime,
    scripted: false,
    plan: async () => refuse('writing the plan'),
    design: async () => refuse('writing the design'),
    testPlan: async () => refuse('writing the test plan'),
    work: async () => refuse('the AI SDK tool loop'),
    clarify: async () => refuse('answering a clarification'),
    handleConcern: async () => refuse('answering a concern'),
  };
}
