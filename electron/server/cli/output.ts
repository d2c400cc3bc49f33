import pc from 'picocolors';
import type { Review } from '../../../shared/index.ts';
import type { Notification } from '../../core/notify/notifications.ts';
import type { Progress } from '../../core/workflow/engine.ts';

const KIND_STYLE: Record<Progress['kind'], (s: string) => string> = {
  stage: pc.magenta,
  work: pc.cyan,
  handoff: pc.blue,
  concern: pc.yellow,
  review: pc.green,
  git: pc.blue,
  test: pc.dim,
  info: pc.white,
  warn: pc.red,
  project: pc.green,
  verify: pc.dim,
};

/** One progress line: `[stage] Designer  writing design/DESIGN_SPEC.md (scripted)`. */
export function formatProgress(p: Progress): string {
  const tag = KIND_STYLE[p.kind](`[${p.kind}]`.padEnd(10));
  const who = p.agent ? pc.bold(p.agent.padEnd(15)) : ''.padEnd(15);
  return `${tag} ${who} ${p.text}`;
}

export function formatReview(r: Review, now = Date.now()): string {
  const age = Math.max(0, Math.round((now - Date.parse(r.requested_at)) / 60000));
  const ageText = age < 60 ? `${age}m` : age < 1440 ? `${Math.round(age / 60)}h` : `${Math.round(age / 1440)}d`;
  const head =
    `${pc.bold(r.id)}  ${r.kind.padEnd(16)} ${r.title}  ` +
    `${pc.dim(`impact ${r.impact}, by ${r.requested_by}, ${ageText} ago`)}`;
  const status =
    r.status === 'decided' && r.decision
      ? `\n    ${pc.dim(`decided: ${r.decision.decision} by ${r.decision.reviewed_by} at ${r.decision.timestamp}`)}`
      : '';
  return (
    `${head}\n    ${pc.dim('read:')} ${r.subject.path} ` +
    `(r${r.subject.revision})${r.context.length ? `, ${r.context.join(', ')}` : ''}\n    ` +
    `${r.summary}${status}`
  );
}

export function decideHint(r: Review): string {
  return `governor decide ${r.id} approve|conditions|clarify|changes|defer|reject --comment "…"`;
}

export const fail = (msg: string) => `${pc.red('error:')} ${msg}`;

/** A notification as a short block: its title, then its body indented. */
export function formatNotification(n: Notification): string {
  const title =
    n.severity === 'critical' ? pc.red(n.title) : n.severity === 'warning' ? pc.yellow(n.title) : pc.bold(n.title);
  return `${''.padEnd(10)} ${title}\n${n.body
    .split('\n')
    .map((l) => `${''.padEnd(27)}${pc.dim(l)}`)
    .join('\n')}`;
}
