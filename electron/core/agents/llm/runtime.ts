import { generateText, hasToolCall, stepCountIs } from 'ai';
import type { AgentName } from '../../../../shared/index.ts';
import { roleOf } from '../../../../shared/index.ts';
import type {
  AgentRuntime,
  ClarifyInput,
  ConcernAction,
  ConcernInput,
  DesignOutput,
  Feedback,
  PlanInput,
  PlanOutput,
  RevisionInput,
  TestPlanOutput,
  WorkInput,
  WorkOutput,
} from '../runtime.ts';
import { explainLlmError } from './errors.ts';
import { contextBlock, renderPrompt } from './prompts.ts';
import { DesignSchema, ConcernDecisionSchema, PlanSchema, TestPlanSchema } from './schemas.ts';
import { planProblem } from '../plan-check.ts';
import { type CallContext, structured } from './structured.ts';
import { type ToolState, implementerTools } from './tools.ts';

export interface LlmRuntimeOptions extends CallContext {
  agent: AgentName;
  project: { name: string; brief: string };
  agents: readonly string[];
  escalatesTo: string;
  maxSteps: number;
}

function roadmapBlock(input: PlanInput): string {
  if (input.roadmap.length === 0) return 'There is no roadmap yet: write it (phases 1 to N).';
  const rows = input.roadmap.map(
    (r) =>
      `- Phase ${r.number} — ${r.name} (${r.status}): ` +
      `${r.goal}${r.deliverables.length ? ` Deliverables: ${r.deliverables.join('; ')}.` : ''}`,
  );
  return (
    `The roadmap so far (promoted phases are done and stay as they are; keep, reorder, add or drop ` +
    `the later ones as the human asks):\n${rows.join('\n')}`
  );
}

const ROLE_LABEL = {
  ProjectManager: 'project manager',
  Designer: 'designer',
  Implementer: 'implementer',
  Tester: 'tester',
} as const;

function feedbackBlock(fb: Feedback | null): string {
  if (!fb?.review.decision) return '';
  const d = fb.review.decision;
  const inline = d.inline.length
    ? `Comments on lines:\n${d.inline.map((c) => `- ${c.path}:${c.line}: ${c.text}`).join('\n')}`
    : '';
  return renderPrompt('revision', {
    previous_revision: String(fb.previousRevision),
    decision: d.decision.replaceAll('_', ' '),
    comment: d.comment || '(no comment)',
    inline,
    previous_content: fb.previousContent,
  });
}

/**
 * An agent played by a real model through the AI SDK. Artifact roles answer with structured output that
 * is validated (and repaired); the implementer and the tester work through a tool loop confined to their
 * workspace, bounded by steps and wall-clock time.
 */
export function createLlmRuntime(o: LlmRuntimeOptions): AgentRuntime {
  const system = renderPrompt('common', {
    agent: o.agent,
    role: ROLE_LABEL[roleOf(o.agent)],
    project: o.project.name,
    brief: o.project.brief,
  });

  return {
    label: o.ref.label,
    scripted: false,

    async plan(input: PlanInput): Promise<PlanOutput> {
      const vars = {
        phase: String(input.phase),
        agents: o.agents.join(', '),
        feedback: feedbackBlock(input.feedback),
        roadmap: roadmapBlock(input),
        learned: input.learned ? `What the earlier phases taught (use it):\n\n${input.learned}` : '',
        test_setup: input.testSetup,
      };
      const out = await structured(
        o,
        'plan',
        PlanSchema,
        system,
        () => renderPrompt('pm-plan', vars),
        (v) => planProblem(v, o.agents, input.phase),
      );
      return {
        requirements: out.requirements,
        agentTasks: out.agent_tasks,
        roadmap: out.roadmap,
        tasks: out.tasks.map((t) => ({ ...t, agent: t.agent as AgentName, links: [] })),
        kpis: out.kpis,
        risks: out.risks,
        deltaSummary: input.feedback ? (out.delta_summary ?? 'Revised after review.') : null,
      };
    },

    // design and testPlan have the same shape (prompt, structured answer, fields mapped): kept apart on
    // purpose, since each names its own schema, prompt and output, and one generic step would hide them.
    async design(input: RevisionInput): Promise<DesignOutput> {
      const out = await structured(o, 'design', DesignSchema, system, (budget) =>
        renderPrompt('designer-design', {
          phase: String(input.phase),
          context: contextBlock(input.context, budget),
          feedback: feedbackBlock(input.feedback),
        }),
      );
      return {
        designSpec: out.design_spec,
        architecture: out.architecture,
        deltaSummary: input.feedback ? (out.delta_summary ?? 'Revised after review.') : null,
      };
    },

    async testPlan(input: RevisionInput): Promise<TestPlanOutput> {
      const out = await structured(o, 'test plan', TestPlanSchema, system, (budget) =>
        renderPrompt('tester-test-plan', {
          phase: String(input.phase),
          context: contextBlock(input.context, budget),
          feedback: feedbackBlock(input.feedback),
        }),
      );
      return {
        testPlan: out.test_plan,
        deltaSummary: input.feedback ? (out.delta_summary ?? 'Revised after review.') : null,
      };
    },

    async work(input: WorkInput): Promise<WorkOutput> {
      const state: ToolState = { concerns: [], variations: [], handoff: null };
      // The Tester's work task is the tests its approved plan names, written against the implementation.
      const prompt = renderPrompt(roleOf(o.agent) === 'Tester' ? 'tester-tests' : 'implementer', {
        task_id: input.task.id,
        task_title: input.task.title,
        task_commentary: input.task.commentary,
        escalates_to: o.escalatesTo,
        test_setup: input.testSetup ?? '(no test command is configured)',
        context: contextBlock(input.context, 40_000),
      });
      try {
        const r = await generateText({
          model: o.model,
          system,
          prompt,
          tools: implementerTools(input.files, state, input.runTests, o.redactor),
          stopWhen: [stepCountIs(o.maxSteps), hasToolCall('handoff')],
          maxRetries: o.maxRetries ?? 3,
          abortSignal: AbortSignal.timeout(o.timeoutMs),
        });
        o.onUsage(`${input.task.id} tool loop`, {
          input: r.totalUsage.inputTokens ?? 0,
          output: r.totalUsage.outputTokens ?? 0,
        });
        const summary =
          state.handoff?.summary ?? (r.text.trim() || `stopped after ${r.steps.length} steps without a handoff`);
        return {
          summary: o.redactor.redact(summary),
          commitSubject: state.handoff?.commit_subject ?? '',
          concerns: state.concerns,
          variations: state.variations,
        };
      } catch (err) {
        throw explainLlmError(err, o.ref, o.baseUrl, o.redactor);
      }
    },

    async clarify(input: ClarifyInput): Promise<string> {
      try {
        const r = await generateText({
          model: o.model,
          system,
          prompt: renderPrompt('clarify', { question: input.question, context: contextBlock(input.context, 40_000) }),
          maxRetries: o.maxRetries ?? 3,
          abortSignal: AbortSignal.timeout(o.timeoutMs),
        });
        o.onUsage('clarification', { input: r.usage.inputTokens ?? 0, output: r.usage.outputTokens ?? 0 });
        return o.redactor.redact(r.text.trim());
      } catch (err) {
        throw explainLlmError(err, o.ref, o.baseUrl, o.redactor);
      }
    },

    async handleConcern(input: ConcernInput): Promise<ConcernAction> {
      const c = input.concern;
      const out = await structured(o, 'concern decision', ConcernDecisionSchema, system, (budget) =>
        renderPrompt('concern', {
          concern_id: c.id,
          from: c.from,
          severity: c.severity,
          category: c.category,
          summary: c.summary,
          details: c.details,
          context: contextBlock(input.context, budget),
        }),
      );
      return out.action === 'escalate'
        ? { action: 'escalate', reason: out.note }
        : out.action === 'resolve'
          ? { action: 'resolve', note: out.note }
          : { action: 'acknowledge', note: out.note };
    },
  };
}
