import { z } from 'zod';
import { Actor, Id } from './common.ts';

export const GitActionKind = z.enum([
  'branch',
  'commit',
  'merge',
  'tag',
  'revert',
  'archive',
  'failure',
  'protect_refused',
]);
export type GitActionKind = z.infer<typeof GitActionKind>;

/** The seed's `audit/git_actions.jsonl` record, plus the ids that tie it to history. */
export const GitAction = z.object({
  id: Id,
  action: GitActionKind,
  source: z.string(),
  target: z.string(),
  trigger: z.string(),
  timestamp: z.string(),
  actor: Actor,
  /** The commit (or tag object) the action produced; null for a refusal or failure. */
  commit: z.string().nullable(),
  /** The tip of `target` before the action. */
  previous: z.string().nullable(),
  message: z.string(),
  files: z.array(z.string()),
});
export type GitAction = z.infer<typeof GitAction>;
