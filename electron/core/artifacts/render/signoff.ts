/**
 * Human sign-offs on the documents a review shows (DESIGN §3: `✅ Approved by Human 2026-11-25 — <comment>`).
 * The authored documents have their own review log (authored.ts); the Tester's results and the QA report
 * are signed off at test completion and promotion, each decision on its own line.
 */
import type { Review } from '../../../../shared/index.ts';
import type { ProjectSnapshot } from '../snapshot.ts';
import { signOffLines } from './authored.ts';
import { REVIEW_KIND_LABEL } from './facts.ts';
import { byTime, dateOf } from './markdown.ts';

/** Does this review put `path` in front of the human: as its subject, or among the documents it shows? */
export const reviewCovers = (r: Review, path: string): boolean => r.subject.path === path || r.context.includes(path);

export interface SignOff {
  /** `✅ Approved by Human 2026-11-25 — comment`, or `⏳ Promotion review pending, …`. */
  text: string;
  /** `promotion review`, … */
  kind: string;
  reviewId: string;
}

/**
 * Sign-offs for `path`: the reviews of `phase` requested at or after `since` (the results or the gate the
 * document shows) that cover it, decided ones in decision order, then pending ones.
 */
export function signOffItems(s: ProjectSnapshot, path: string, phase: number, since: string): SignOff[] {
  const after = Date.parse(since);
  const relevant = s.reviews.filter(
    (r) => r.phase === phase && reviewCovers(r, path) && Date.parse(r.requested_at) >= after,
  );
  const decided = byTime(
    relevant.filter((r) => r.decision !== null),
    (r) => r.decision?.timestamp ?? r.requested_at,
  );
  const items: SignOff[] = decided.map((r) => ({
    // Follow-up lines (answers, inline comments) join the decision on its one line.
    text: signOffLines(r, s.clarifications)
      .map((l) => l.trim())
      .join(' '),
    kind: REVIEW_KIND_LABEL[r.kind].toLowerCase(),
    reviewId: r.id,
  }));
  for (const r of byTime(
    relevant.filter((x) => x.status === 'pending'),
    (x) => x.requested_at,
  )) {
    const text = `⏳ Pending, requested by ${r.requested_by} ${dateOf(r.requested_at)}`;
    items.push({ text, kind: REVIEW_KIND_LABEL[r.kind].toLowerCase(), reviewId: r.id });
  }
  return items;
}

/** The markdown section, for files rendered straight to markdown. */
export function signOffSection(s: ProjectSnapshot, path: string, phase: number, since: string): string[] {
  const items = signOffItems(s, path, phase, since).map((i) => `- ${i.text} _(${i.kind} \`${i.reviewId}\`)_`);
  return ['## Sign-off', '', ...(items.length > 0 ? items : ['_No human review of these results yet._'])];
}
