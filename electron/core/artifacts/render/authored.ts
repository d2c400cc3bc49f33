/**
 * The documents agents author (REQUIREMENTS, AGENT_TASKS, DESIGN_SPEC, ARCHITECTURE, TEST_PLAN).
 * The ledger keeps the agent's body untouched; the export adds what governance needs around it:
 * who wrote which revision, the "Changes since rN" delta at the top and the human sign-offs at the end.
 */
import { AuthoredPath, type ArtifactRevision, type Review } from '../../../../shared/index.ts';
import type { ClarificationRecord, ProjectSnapshot } from '../snapshot.ts';
import { DECISION_SIGNOFF, REVIEW_KIND_LABEL, decidedReviews } from './facts.ts';
import { byTime, dateOf, finish, normaliseNewlines, oneLine, quote } from './markdown.ts';

/** The newest revision of each authored path, in the canonical path order. */
export function latestRevisions(s: ProjectSnapshot): ArtifactRevision[] {
  const latest = new Map<string, ArtifactRevision>();
  for (const rev of s.artifacts) {
    const seen = latest.get(rev.path);
    // Highest revision number wins, so an out-of-order ledger still shows the newest text.
    if (!seen || rev.revision >= seen.revision) latest.set(rev.path, rev);
  }
  return AuthoredPath.options.flatMap((p) => {
    const rev = latest.get(p);
    return rev ? [rev] : [];
  });
}

function header(rev: ArtifactRevision): string {
  const by = rev.scripted ? `${rev.owner} (scripted)` : rev.owner;
  return (
    `<!-- Governor export: r${rev.revision} by ${by}, ${dateOf(rev.at)} — do not edit; the ledger is ` +
    `the source of truth -->`
  );
}

function changesBlock(rev: ArtifactRevision): string[] {
  if (rev.revision <= 1) return [];
  const summary = rev.delta_summary?.trim() ? rev.delta_summary : '(no delta summary recorded)';
  return [`> **Changes since r${rev.revision - 1}**`, '>', ...quote(summary), ''];
}

/** The answer to a clarification the review asked for, or a note that it is still awaited. */
function clarificationLines(review: Review, clarifications: readonly ClarificationRecord[]): string[] {
  const asked = clarifications.filter((c) => c.review_id === review.id);
  return asked.map((c) => {
    if (c.answer === null) return `  ↳ awaiting an answer from ${c.agent}`;
    const who = c.scripted ? `${c.agent} (scripted)` : c.agent;
    return `  ↳ ${who}: ${oneLine(c.answer)}`;
  });
}

/** One sign-off entry for a decided review: the decision line plus its follow-up lines. */
export function signOffLines(review: Review, clarifications: readonly ClarificationRecord[]): string[] {
  const d = review.decision;
  if (!d) return [];
  const on = d.decision === 'request_changes' ? ` on r${review.subject.revision}` : '';
  const comment = oneLine(d.comment);
  const head =
    `${DECISION_SIGNOFF[d.decision]} by ${d.reviewed_by} ` +
    `${dateOf(d.timestamp)}${on}${comment ? ` — ${comment}` : ''}`;
  const answers = clarificationLines(review, clarifications);
  const inline = byLine(d.inline).map((c) => `  - line ${c.line}: ${oneLine(c.text)}`);
  // Two trailing spaces are a markdown hard break, so each ↳ answer stays on its own line;
  // the inline comments are a list, which starts a new block by itself.
  const paragraph = [head, ...answers].map((line, i, all) => (i < all.length - 1 ? `${line}  ` : line));
  return [...paragraph, ...inline];
}

function byLine<T extends { line: number }>(comments: readonly T[]): T[] {
  return comments
    .map((c, i) => ({ c, i }))
    .sort((a, b) => a.c.line - b.c.line || a.i - b.i)
    .map((p) => p.c);
}

/**
 * A review signs off every document its author wrote that it puts in front of the human: the design
 * review's subject is DESIGN_SPEC.md, and ARCHITECTURE.md, shown with it, is approved with it (the
 * REQUIREMENTS.md it also shows is the PM's, signed off at the plan review).
 */
function reviewCovers(s: ProjectSnapshot, r: Review, path: string): boolean {
  if (r.subject.path === path) return true;
  if (!r.context.includes(path)) return false;
  const owner = (p: string) => s.artifacts.find((a) => a.path === p)?.owner;
  return owner(path) !== undefined && owner(path) === owner(r.subject.path);
}

function reviewLog(s: ProjectSnapshot, path: string): string[] {
  const decided = decidedReviews(s).filter((r) => reviewCovers(s, r, path));
  const pending = byTime(
    s.reviews.filter((r) => r.status === 'pending' && reviewCovers(s, r, path)),
    (r) => r.requested_at,
  );
  const entries: string[][] = decided.map((r) => signOffLines(r, s.clarifications));
  for (const r of pending) {
    entries.push([
      `⏳ ${REVIEW_KIND_LABEL[r.kind]} of r${r.subject.revision} pending, requested by ${r.requested_by} ` +
        `${dateOf(r.requested_at)}`,
    ]);
  }
  if (entries.length === 0) entries.push(['_No human review of this document yet._']);
  // Entries are separate paragraphs so each sign-off renders on its own line.
  return ['## Review log', '', ...entries.flatMap((e) => [...e, ''])];
}

/**
 * What a document shows of its revision (header, delta, body), kept per revision object: the exporter keeps
 * the revisions it read until one is added, and the review log changes far more often than the body.
 */
const revisionParts = new WeakMap<ArtifactRevision, string[]>();

function revisionPart(rev: ArtifactRevision): string[] {
  let part = revisionParts.get(rev);
  if (!part) {
    part = [header(rev), '', ...changesBlock(rev), normaliseNewlines(rev.content).trimEnd()];
    revisionParts.set(rev, part);
  }
  return part;
}

/** The exported file for the newest revision of one authored document. */
export function renderAuthored(s: ProjectSnapshot, rev: ArtifactRevision): string {
  return finish([...revisionPart(rev), '', '---', '', ...reviewLog(s, rev.path)]);
}

/** Every authored document that has at least one revision, keyed by its project-relative path. */
export function renderAuthoredDocuments(s: ProjectSnapshot): Array<[string, string]> {
  return latestRevisions(s).map((rev) => [rev.path, renderAuthored(s, rev)]);
}
