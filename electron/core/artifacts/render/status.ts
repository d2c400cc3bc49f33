/**
 * `status.json` and the plain-text `/status` reply. Both come from the same facts so the file
 * the PM "maintains" in the seed and the chat answer can never disagree.
 */
import type { StatusFacts } from '../snapshot.ts';
import { activeAgents, actorLabel, concernCounts, pendingReviews, phaseTitle, taskCounts } from './facts.ts';
import { dateTimeOf } from './markdown.ts';

/** The seed's `status.json` shape, in the seed's key order, plus stage, pending reviews and iteration. */
export interface StatusJson {
  phase: string;
  active_agents: string[];
  tasks: { complete: number; pending: number };
  open_concerns: number;
  critical_alerts: number;
  last_update: string;
  stage: string;
  pending_reviews: number;
  iteration: number;
}

export function statusObject(s: StatusFacts): StatusJson {
  const tasks = taskCounts(s);
  const concerns = concernCounts(s);
  return {
    phase: phaseTitle(s),
    active_agents: activeAgents(s),
    tasks: { complete: tasks.complete, pending: tasks.pending },
    open_concerns: concerns.open,
    // A critical alert is an unresolved critical concern: it reached the human and still needs an answer.
    critical_alerts: concerns.critical,
    last_update: s.lastUpdate,
    stage: s.stage,
    pending_reviews: pendingReviews(s).length,
    iteration: s.iteration,
  };
}

export function renderStatusJson(s: StatusFacts): string {
  return `${JSON.stringify(statusObject(s), null, 2)}\n`;
}

/**
 * The `/status` reply in the seed's form. Agents played by the scripted runtime carry
 * `(scripted)` so a phone notification never presents them as models.
 */
export function formatStatusText(s: StatusFacts): string {
  const st = statusObject(s);
  const agents = st.active_agents.map((a) => actorLabel(s, a)).join(', ') || 'none';
  return [
    '📊 System Status',
    `Phase: ${st.phase}`,
    `Stage: ${st.stage} (iteration ${st.iteration})`,
    `Agents Active: ${agents}`,
    `Tasks: ${st.tasks.complete} / ${st.tasks.complete + st.tasks.pending} Complete`,
    `Open Concerns: ${st.open_concerns} (${st.critical_alerts} critical)`,
    `Pending Reviews: ${st.pending_reviews}`,
    `Last Update: ${dateTimeOf(st.last_update)}`,
  ].join('\n');
}
