import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { AgentName } from '../../../../shared/index.ts';
import { ConfigError } from '../../errors.ts';
import { resourcePath } from '../../resources.ts';
import type {
  AgentRuntime,
  RuntimeAsk,
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
import { SampleScript } from './script-schema.ts';

const SCRIPT_FILE = 'sample/script.yaml';

export async function loadSampleScript(): Promise<SampleScript> {
  const file = resourcePath(SCRIPT_FILE);
  const parsed = SampleScript.safeParse(parseYaml(await readFile(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(file, 0, `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid script'}`);
  }
  return parsed.data;
}

/** When the human asks for more revisions than the script holds, say so instead of pretending. */
function unscriptedDelta(feedback: Feedback): string {
  return (
    `- The scripted runtime has no further revision scripted; this revision repeats ` +
    `r${feedback.previousRevision}.\n- Recorded request: ${feedback.review.decision?.comment ?? ''}`
  );
}

const same = (a: string, b: string) => a.replace(/\s+/g, ' ').trim() === b.replace(/\s+/g, ' ').trim();

/** The ways on, named wherever the script ends. */
export const WAYS_ON = [
  'a model with an API key, e.g. `runtime: anthropic:claude-sonnet-4-5` (ANTHROPIC_API_KEY) or `runtime: ' +
    'openai:gpt-5` (OPENAI_API_KEY)',
  'a local model through Ollama, e.g. `runtime: ollama:qwen2.5-coder` (no key; `ollama pull qwen2.5-coder` first)',
  'any OpenAI-compatible server, e.g. `runtime: openai-compatible:<model>` with its `base_url`',
  'Claude Code for the implementers, `runtime: claude-code` (the other roles need one of the above; see ' +
    '"Coding agents" in the README)',
]
  .map((w) => `  - ${w}`)
  .join('\n');

/** Why the scripted runtime cannot play this ask, or null. Exported for tests and `governor doctor`. */
export function scriptedCannot(script: SampleScript, ask: RuntimeAsk): string | null {
  if (ask.kind === 'phase') {
    if (ask.phase <= 1) return null;
    return [
      `The scripted runtime's script ends with phase 1 of the sample project; it cannot plan phase ${ask.phase}.`,
      `To go on, set \`runtime:\` in agents.yaml to one of:`,
      WAYS_ON,
      'then run again: the PM plans the next phase from what phase 1 taught.',
    ].join('\n');
  }
  if (!same(ask.brief, script.brief)) {
    return [
      `The scripted runtime only plays the sample project ("${script.project}"): it would write the sample ` +
        `backtester's plan, design and code, whatever your brief says.`,
      `Your brief is: "${ask.brief.replace(/\s+/g, ' ').trim().slice(0, 200)}".`,
      'To build it, set `runtime:` for each role in agents.yaml to one of:',
      WAYS_ON,
      '`governor doctor` checks the setup; `governor demo` creates the sample project the scripted runtime plays.',
    ].join('\n');
  }
  const scriptedAgents = new Set([
    ...Object.keys(script.implementation),
    ...script.plan.tasks.map((t) => t.agent),
    'Tester',
  ]);
  const missing = ask.agents.filter((a) => !scriptedAgents.has(a));
  const absent = [...scriptedAgents].filter((a) => !ask.agents.includes(a as AgentName));
  if (missing.length || absent.length) {
    return (
      `The scripted runtime plays the sample with ${[...scriptedAgents].join(', ')}; agents.yaml ` +
      `configures ${ask.agents.join(', ')}. Set Implementer \`count: ` +
      `${Object.keys(script.implementation).filter((a) => a.startsWith('Implementer')).length}\` to ` +
      `play the sample, or give the team a model runtime.`
    );
  }
  return null;
}

/**
 * The offline demo runtime: it plays the checked-in script of role outputs for the sample project
 * ("build base backtester skeleton"). Its code is real and its tests really run; it is labelled
 * `scripted` everywhere and never presented as a model.
 */
export function createScriptedRuntime(script: SampleScript): AgentRuntime {
  const filesDir = resourcePath('sample', 'files');
  const pick = <T>(list: readonly T[], feedback: Feedback | null): { item: T; exhausted: boolean } => {
    const idx = feedback ? feedback.previousRevision : 0;
    const item = list[Math.min(idx, list.length - 1)];
    if (item === undefined) throw new Error('scripted runtime: empty revision list');
    return { item, exhausted: idx >= list.length };
  };

  return {
    label: 'scripted',
    scripted: true,
    cannot: (ask) => scriptedCannot(script, ask),

    async plan(input: PlanInput): Promise<PlanOutput> {
      const p = script.plan;
      return {
        requirements: p.requirements,
        agentTasks: p.agent_tasks,
        roadmap: p.roadmap,
        tasks: p.tasks,
        kpis: p.kpis,
        risks: p.risks,
        deltaSummary: input.feedback ? unscriptedDelta(input.feedback) : null,
      };
    },

    async design(input: RevisionInput): Promise<DesignOutput> {
      const { item, exhausted } = pick(script.design.revisions, input.feedback);
      return {
        designSpec: item.design_spec,
        architecture: item.architecture,
        deltaSummary: input.feedback
          ? exhausted
            ? unscriptedDelta(input.feedback)
            : (item.delta_summary ?? null)
          : null,
      };
    },

    async testPlan(input: RevisionInput): Promise<TestPlanOutput> {
      const { item, exhausted } = pick(script.test_plan.revisions, input.feedback);
      return {
        testPlan: item.test_plan,
        deltaSummary: input.feedback
          ? exhausted
            ? unscriptedDelta(input.feedback)
            : (item.delta_summary ?? null)
          : null,
      };
    },

    async work(input: WorkInput): Promise<WorkOutput> {
      const turns = [
        ...(script.implementation[input.agent] ?? []),
        ...(input.agent === 'Tester' ? [script.tests] : []),
      ];
      const turn = turns.find((t) => t.task === input.task.id);
      if (!turn) {
        return {
          summary:
            `The scripted runtime has no script for ${input.task.id} ("${input.task.title}"); ` +
            `configure a model runtime for ${input.agent} to work on it.`,
          commitSubject: '',
          concerns: [],
          variations: [],
        };
      }
      for (const file of turn.files) {
        await input.files.write(file, await readFile(`${filesDir}/${file}`, 'utf8'));
      }
      return {
        summary: turn.summary,
        commitSubject: turn.message,
        concerns: turn.concern ? [turn.concern] : [],
        variations: turn.variation ? [turn.variation] : [],
      };
    },

    async clarify(input: ClarifyInput): Promise<string> {
      const answers = script.clarifications[input.agent as AgentName] ?? [];
      const q = input.question.toLowerCase();
      const hit =
        answers.find((a) => a.match !== '*' && q.includes(a.match.toLowerCase())) ??
        answers.find((a) => a.match === '*');
      return hit?.answer ?? `${input.agent} has no scripted answer for this question.`;
    },

    async handleConcern(_input: ConcernInput): Promise<ConcernAction> {
      return { action: 'escalate', reason: script.concern_escalation_reason };
    },
  };
}
