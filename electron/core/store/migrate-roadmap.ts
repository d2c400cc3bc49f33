import type Database from 'better-sqlite3';

interface RoadmapEntry {
  number: number;
  status: string;
}

/**
 * Migration 7: the roadmap shows each phase's state. Projections written before phases went past the
 * first one left a promoted phase "active" in the plan; the projector now marks a phase active when it
 * starts and promoted when it is promoted. This brings an existing projection to what a rebuild gives,
 * without replaying the history.
 */
export function roadmapStatuses(db: Database.Database): void {
  const row = db.prepare('SELECT phase, plan FROM project WHERE id = 1').get() as
    | { phase: number; plan: string }
    | undefined;
  if (!row) return;
  const plan = JSON.parse(row.plan) as { roadmap?: RoadmapEntry[] };
  if (!plan.roadmap || plan.roadmap.length === 0) return;
  const promoted = new Set(
    (db.prepare('SELECT phase FROM promotions').all() as Array<{ phase: number }>).map((p) => p.phase),
  );
  const statusOf = (r: RoadmapEntry) =>
    promoted.has(r.number) ? 'promoted' : r.number === row.phase ? 'active' : r.status;
  if (plan.roadmap.every((r) => r.status === statusOf(r))) return;
  plan.roadmap = plan.roadmap.map((r) => (r.status === statusOf(r) ? r : { ...r, status: statusOf(r) }));
  db.prepare('UPDATE project SET plan = ? WHERE id = 1').run(JSON.stringify(plan));
}
