/**
 * `CHANGELOG.md`, Keep-a-Changelog style: one section per phase (newest first), promoted phases
 * under their tag and the current one under `[Unreleased]`, built from document revisions,
 * decided variations, merges/tags/reverts and promotions.
 */
import type { GitAction } from '../../../../shared/index.ts';
import type { ProjectSnapshot, PromotionRecord } from '../snapshot.ts';
import { actorLabel, phaseTitle } from './facts.ts';
import { byTime, code, dateOf, excerpt, finish, oneLine } from './markdown.ts';

interface Entry {
  at: string;
  text: string;
}

type Section = 'Documents' | 'Variations' | 'Merges and tags' | 'Released';
const SECTIONS: readonly Section[] = ['Released', 'Merges and tags', 'Variations', 'Documents'];

/** Git actions worth a changelog line; branches and single commits are the git log's job. */
const NOTABLE_GIT: ReadonlySet<GitAction['action']> = new Set(['merge', 'tag', 'revert']);

/**
 * Git actions carry no phase, so one is inferred: the promotion that produced it (same tag or commit),
 * else a `phaseN/` branch it touched, else the first promotion at or after it, else the current phase.
 */
export function phaseOfGitAction(s: ProjectSnapshot, a: GitAction): number {
  const promo = s.promotions.find(
    (p) => p.tag === a.target || p.tag === a.source || (a.commit !== null && p.commit === a.commit),
  );
  if (promo) return promo.phase;
  const phaseBranch = /^(?:refs\/heads\/)?phase(\d+)(?:\/|$)/;
  const fromBranch = phaseBranch.exec(a.source) ?? phaseBranch.exec(a.target);
  if (fromBranch?.[1]) return Number(fromBranch[1]);
  const later = byTime(s.promotions, (p) => p.at).find((p) => Date.parse(p.at) >= Date.parse(a.timestamp));
  return later ? later.phase : s.phase;
}

function gitLine(a: GitAction): string {
  const sha = a.commit ? ` ${code(a.commit.slice(0, 7))}` : '';
  const subject = a.message.trim() ? `: ${excerpt(a.message.split('\n')[0] ?? '', 100)}` : '';
  if (a.action === 'tag') return `Tagged ${code(a.target)}${sha} (${oneLine(a.trigger)})${subject}`;
  const verb = a.action === 'merge' ? 'Merged' : 'Reverted';
  return `${verb} ${code(a.source)} → ${code(a.target)}${sha} (${oneLine(a.trigger)}, ${a.actor})${subject}`;
}

function collect(s: ProjectSnapshot): Map<number, Map<Section, Entry[]>> {
  const phases = new Map<number, Map<Section, Entry[]>>();
  const add = (phase: number, section: Section, entry: Entry): void => {
    const sections = phases.get(phase) ?? new Map<Section, Entry[]>();
    const list = sections.get(section) ?? [];
    list.push(entry);
    sections.set(section, list);
    phases.set(phase, sections);
  };
  for (const r of s.artifacts) {
    const by = r.scripted ? `${r.owner}, scripted` : r.owner;
    const delta = r.delta_summary?.trim() ? `: ${excerpt(r.delta_summary.trim().split('\n')[0] ?? '', 120)}` : '';
    const text =
      r.revision === 1
        ? `Added ${code(r.path)} r1 (${by})`
        : `Revised ${code(r.path)} to r${r.revision} (${by})${delta}`;
    add(r.phase, 'Documents', { at: r.at, text });
  }
  for (const v of s.variations) {
    if (v.status === 'proposed') continue;
    const who = v.reviewed_by ? ` by ${v.reviewed_by}` : '';
    const note = v.decision_comment ? `: ${excerpt(v.decision_comment, 100)}` : '';
    add(v.phase, 'Variations', {
      at: v.decided_at ?? v.proposed_at,
      text:
        `Variation #${v.number} ${oneLine(v.title)}, proposed by ${actorLabel(s, v.proposed_by)} ` +
        `(impact ${v.impact}): ${v.status.replace(/_/g, ' ')}${who}${note}`,
    });
  }
  for (const a of s.gitActions) {
    if (!NOTABLE_GIT.has(a.action)) continue;
    add(phaseOfGitAction(s, a), 'Merges and tags', { at: a.timestamp, text: gitLine(a) });
  }
  for (const p of s.promotions) {
    const next = p.next_phase === null ? 'final phase' : `next: ${phaseTitle(s, p.next_phase)}`;
    add(p.phase, 'Released', {
      at: p.at,
      text: `Promoted ${phaseTitle(s, p.phase)} as ${code(p.tag)} at ${code(p.commit.slice(0, 7))} (${next})`,
    });
  }
  return phases;
}

function heading(s: ProjectSnapshot, phase: number, promo: PromotionRecord | undefined): string {
  return promo
    ? `## [${promo.tag}] — ${dateOf(promo.at)} — ${phaseTitle(s, phase)}`
    : `## [Unreleased] — ${phaseTitle(s, phase)}`;
}

export function renderChangelog(s: ProjectSnapshot): string {
  const phases = collect(s);
  if (!phases.has(s.phase)) phases.set(s.phase, new Map());
  const lines = [
    '<!-- Governor export — do not edit; the ledger is the source of truth -->',
    `# Changelog — ${oneLine(s.name)}`,
    '',
    'All notable changes, one section per phase, newest first. Format inspired by [Keep a ' +
      'Changelog](https://keepachangelog.com/en/1.1.0/); dates are UTC.',
    '',
  ];
  for (const phase of [...phases.keys()].sort((a, b) => b - a)) {
    const promo = byTime(
      s.promotions.filter((p) => p.phase === phase),
      (p) => p.at,
    ).at(-1);
    lines.push(heading(s, phase, promo), '');
    const sections = phases.get(phase) ?? new Map<Section, Entry[]>();
    if (sections.size === 0) lines.push('_Nothing yet._', '');
    for (const section of SECTIONS) {
      const entries = sections.get(section);
      if (!entries || entries.length === 0) continue;
      lines.push(`### ${section}`, '', ...byTime(entries, (e) => e.at).map((e) => `- ${dateOf(e.at)} — ${e.text}`), '');
    }
  }
  return finish(lines);
}
