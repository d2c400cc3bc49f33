import { AgentName, roleOf } from '../../../shared/index.ts';

/** The parts of a plan the engine relies on, as any runtime returns them. */
export interface PlanShape {
  roadmap: ReadonlyArray<{ number: number; name: string }>;
  tasks: ReadonlyArray<{ id: string; agent: string; depends_on: readonly string[] }>;
}

/**
 * What makes a plan unworkable for the loop, in words a model can act on (it is fed back to it), or
 * null. The loop needs every task on a configured agent, dependencies that exist, the phase on the
 * roadmap, and in every phase both real work: an implementation task, and a Tester task beyond its
 * test plan (the tests themselves) — without one, nothing is built or nothing is tested.
 */
export function planProblem(plan: PlanShape, agents: readonly string[], phase: number): string | null {
  const problems: string[] = [];
  const unknown = plan.tasks.filter((t) => !agents.includes(t.agent)).map((t) => `${t.id} → "${t.agent}"`);
  if (unknown.length)
    problems.push(`tasks name agents that do not exist (${unknown.join(', ')}); use only ${agents.join(', ')}`);
  const ids = new Set(plan.tasks.map((t) => t.id));
  if (ids.size !== plan.tasks.length) problems.push('task ids must be unique');
  const dangling = plan.tasks.flatMap((t) =>
    t.depends_on.filter((d) => !ids.has(d)).map((d) => `${t.id} depends on ${d}`),
  );
  if (dangling.length) problems.push(`unknown task dependencies: ${dangling.join(', ')}`);
  if (!plan.roadmap.some((r) => r.number === phase))
    problems.push(`the roadmap has no phase ${phase}, the phase being planned`);
  const role = (a: string) => (AgentName.safeParse(a).success ? roleOf(a) : null);
  if (!plan.tasks.some((t) => role(t.agent) === 'Implementer'))
    problems.push('there is no implementation task: give at least one task to an Implementer');
  const tester = plan.tasks.filter((t) => role(t.agent) === 'Tester');
  if (tester.length < 2) {
    problems.push(
      'the Tester needs two tasks: first its test plan, then a task to write and run the tests that plan ' +
        'names (after the implementation tasks it depends on)',
    );
  }
  return problems.length ? problems.join('; ') : null;
}
