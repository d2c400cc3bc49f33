import { z } from 'zod';

/*
 * Common number and string schemas, built once and shared. zod 4 builds each chained check (`.int()`,
 * `.positive()`, `.min(1)`) as a full clone of the schema, about 0.1 ms apiece: the few hundred of them
 * spelled out inline cost every `governor` command tens of milliseconds at start. A zod schema is
 * immutable (every method returns a new one), so one instance serves every field.
 */
export const Int = z.number().int();
export const PositiveInt = z.number().int().positive();
export const NonNegativeInt = z.number().int().nonnegative();
export const NonEmptyString = z.string().min(1);

/** ULID-shaped identifiers for events and domain records. */
export const Id = NonEmptyString.max(80);
export type Id = z.infer<typeof Id>;

/** ISO-8601 UTC timestamp, as the seed writes them (`2025-10-29T08:14:00Z`). */
export const Timestamp = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/, 'ISO-8601 UTC timestamp');
export type Timestamp = z.infer<typeof Timestamp>;

/** The four agent roles of the seed. */
export const RoleKind = z.enum(['ProjectManager', 'Designer', 'Implementer', 'Tester']);
export type RoleKind = z.infer<typeof RoleKind>;

/**
 * An agent's name: the role, or `Implementer-2`, `Implementer-3`… when a role has several agents.
 * The first implementer is plain `Implementer`, as in the seed.
 */
export const AgentName = z
  .string()
  .regex(
    /^(ProjectManager|Designer|Implementer|Tester)(-[2-9]|-[1-9][0-9])?$/,
    'an agent name such as Designer or Implementer-2',
  );
export type AgentName = z.infer<typeof AgentName>;

/** Who did something: an agent, the human, or the system itself. */
export const Actor = z.union([AgentName, z.literal('Human'), z.literal('System')]);
export type Actor = z.infer<typeof Actor>;

export const Severity = z.enum(['info', 'warning', 'critical']);
export type Severity = z.infer<typeof Severity>;

export const Impact = z.enum(['low', 'medium', 'high']);
export type Impact = z.infer<typeof Impact>;

export function roleOf(agent: AgentName): RoleKind {
  return RoleKind.parse(agent.replace(/-\d+$/, ''));
}

/** Branch slug of an agent: `Implementer-2` → `implementer-2`, `ProjectManager` → `pm`. */
export function agentSlug(agent: AgentName): string {
  const role = roleOf(agent);
  const base = role === 'ProjectManager' ? 'pm' : role.toLowerCase();
  const k = /-(\d+)$/.exec(agent)?.[1];
  return k ? `${base}-${k}` : base;
}
