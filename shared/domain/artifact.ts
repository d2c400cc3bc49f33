import { z } from 'zod';
import { Actor, PositiveInt } from './common.ts';

/** Documents an agent authors; every change is a new revision kept in the ledger. */
export const AuthoredPath = z.enum([
  'REQUIREMENTS.md',
  'AGENT_TASKS.md',
  'design/DESIGN_SPEC.md',
  'design/ARCHITECTURE.md',
  'tests/TEST_PLAN.md',
]);
export type AuthoredPath = z.infer<typeof AuthoredPath>;

export const ArtifactRevision = z.object({
  path: AuthoredPath,
  revision: PositiveInt,
  phase: PositiveInt,
  owner: Actor,
  /** The body as the agent wrote it; sign-off lines and delta summaries are added when rendered. */
  content: z.string(),
  /** "Changes since rN": what changed and why; null for r1. */
  delta_summary: z.string().nullable(),
  /** The review whose decision caused this revision. */
  in_response_to: z.string().nullable(),
  /** Marks content produced by the offline scripted runtime. */
  scripted: z.boolean(),
  at: z.string(),
});
export type ArtifactRevision = z.infer<typeof ArtifactRevision>;
