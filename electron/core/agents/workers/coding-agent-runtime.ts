import type { AgentName } from '../../../../shared/index.ts';
import { roleOf } from '../../../../shared/index.ts';
import { GovernorError } from '../../errors.ts';
import type { AgentRuntime } from '../runtime.ts';

/**
 * What a coding-agent runtime (`claude-code`, `external`) answers outside task work. Its tasks go through
 * its worker (or, for `external`, through Governor's MCP server); the documents of the plan, design and
 * test-plan stages, and answers to questions and concerns, need a model runtime, so asking for one says
 * which role to give an AI SDK runtime. The failure becomes a concern and pauses only this agent.
 */
export function codingAgentRuntime(agent: AgentName, runtime: string): AgentRuntime {
  const why = (what: string) =>
    `${agent} runs ${runtime}, which does task work only; ${what} needs a model runtime: ` +
    `give ${roleOf(agent)} an AI SDK runtime in agents.yaml (e.g. anthropic:claude-sonnet-4-5) for it`;
  const refuse = (what: string): never => {
    throw new GovernorError('unsupported', why(what));
  };
  // The roles whose every phase starts with a document: no phase of the project could get past it.
  const author = {
    ProjectManager: 'writing the plan',
    Designer: 'writing the design',
    Tester: 'writing the test plan',
  } as const;
  return {
    label: runtime,
    scripted: false,
    cannot: (ask) => {
      const role = roleOf(ask.agent);
      return role === 'ProjectManager' || role === 'Designer' || role === 'Tester' ? why(author[role]) : null;
    },
    plan: async () => refuse('writing the plan'),
    design: async () => refuse('writing the design'),
    testPlan: async () => refuse('writing the test plan'),
    work: async () => refuse('the AI SDK tool loop'),
    clarify: async () => refuse('answering a clarification'),
    handleConcern: async () => refuse('answering a concern'),
  };
}
