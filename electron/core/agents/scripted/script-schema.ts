import { z } from 'zod';
import { AgentName, Impact, KPI, Severity, PositiveInt, NonEmptyString } from '../../../../shared/index.ts';

/**
 * The checked-in script the offline `scripted` runtime plays (resources/sample/script.yaml).
 * Markdown bodies are inline; code and data files live beside it under `files/` and are referenced by path.
 */
const Markdown = NonEmptyString;

const ScriptedConcern = z
  .object({
    to: z.union([AgentName, z.literal('Human')]),
    severity: Severity,
    category: z.string(),
    summary: z.string(),
    details: z.string(),
  })
  .strict();

const ScriptedVariation = z
  .object({
    title: z.string(),
    impact: Impact,
    impact_areas: z.array(z.string()),
    rationale: z.string(),
    affected_modules: z.array(z.string()),
    risk: z.string(),
    estimated_rework: z.string(),
  })
  .strict();

/** One implementer (or tester) turn: write these files (relative to files/), commit with this message. */
const ScriptedCommit = z
  .object({
    task: z.string().regex(/^T\d+$/),
    message: z
      .string()
      .regex(/^(feat|fix|docs|test|refactor|chore|perf)\([a-z0-9-]+\): .+/, 'a Conventional Commit subject'),
    files: z.array(z.string()).min(1),
    summary: z.string(),
    concern: ScriptedConcern.optional(),
    variation: ScriptedVariation.optional(),
  })
  .strict();

const Answer = z.object({ match: z.string(), answer: z.string() }).strict();

export const SampleScript = z
  .object({
    project: z.string(),
    brief: z.string(),
    plan: z
      .object({
        requirements: Markdown,
        agent_tasks: Markdown,
        roadmap: z
          .array(
            z
              .object({
                number: PositiveInt,
                name: z.string(),
                goal: z.string(),
                deliverables: z.array(z.string()),
              })
              .strict(),
          )
          .min(1),
        tasks: z
          .array(
            z
              .object({
                id: z.string().regex(/^T\d+$/),
                title: z.string(),
                agent: AgentName,
                depends_on: z.array(z.string()).default([]),
                commentary: z.string().default(''),
                links: z.array(z.string()).default([]),
              })
              .strict(),
          )
          .min(1),
        kpis: z.array(KPI.omit({ current: true })),
        risks: z.array(z.string()),
      })
      .strict(),
    design: z
      .object({
        /** r1 first; each later entry is the answer to a change request and carries its delta summary. */
        revisions: z
          .array(
            z.object({ delta_summary: z.string().optional(), design_spec: Markdown, architecture: Markdown }).strict(),
          )
          .min(2),
      })
      .strict(),
    test_plan: z
      .object({
        revisions: z.array(z.object({ delta_summary: z.string().optional(), test_plan: Markdown }).strict()).min(1),
      })
      .strict(),
    /** Per agent, the turns it plays in order. */
    implementation: z.record(AgentName, z.array(ScriptedCommit).min(1)),
    tests: ScriptedCommit,
    /**
     * Answers to `/clarify` and to clarification requests on reviews; `match` is a case-insensitive keyword, `*`
     * matches anything.
     */
    clarifications: z.record(AgentName, z.array(Answer).min(1)),
    /** What an agent says when a concern addressed to it is beyond it, so it escalates. */
    concern_escalation_reason: z.string(),
  })
  .strict();
export type SampleScript = z.infer<typeof SampleScript>;
