import { z } from 'zod';

/** A commit as a picker lists it. */
export const CommitInfo = z.object({
  oid: z.string().regex(/^[0-9a-f]{40}$/),
  subject: z.string(),
  author: z.string(),
  /** Author time, ISO-8601. */
  date: z.string(),
  parents: z.array(z.string()),
});
export type CommitInfo = z.infer<typeof CommitInfo>;

/**
 * What a person typed for a commit (`a1b2c3d`, `main~2`, `v0.1.0^`, a branch or tag): the commit, or why it names none.
 */
export const RevisionLookup = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), rev: z.string(), commit: CommitInfo }),
  z.object({ ok: z.literal(false), rev: z.string(), reason: z.string() }),
]);
export type RevisionLookup = z.infer<typeof RevisionLookup>;

/** A revision the picker may send: anything a ref name, a sha and `^`/`~` steps are made of; no spaces. */
export const RevisionText = z
  .string()
  .trim()
  .min(1, 'type a sha, branch or tag')
  .max(256)
  .regex(/^[^\s\0]+$/, 'a revision has no spaces');
